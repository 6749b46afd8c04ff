"""Log-session page, the couple's Sessions and Safety tabs, and note search."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.db import Database
from core.domain import NoteStatus
from core.formatting import plain
from core.measures import session_instruments
from core.queries import sessions as session_queries
from core.services import couples, safety, sessions
from pages.components.note_card import note_key
from tests.conftest import Team, intake_form
from tests.notes_support import add_notes
from tests.pages.conftest import OpenApp, texts

LOG = "pages/log_session.py"
COUPLE = "pages/couple.py"
RATINGS = {
    "five_cs": {"care": 3, "communication": 4, "character": 5, "consistency": 2, "competence": 6},
    "csi4": {"q1": 2, "q2": 3, "q3": 2, "q4": 3},
    "distress": {"distress": 7},
}


def a_couple(db: Database, team: Team) -> couples.CoupleView:
    return couples.create_couple(db, team.alice, intake_form())


def note(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "session_date": date(2026, 11, 10),
        "duration_minutes": 50,
        "modality": "in_person",
        "attendees": "joint",
        "note_data": "Talked about the week.",
        "note_assessment": "Engaged.",
        "note_plan": "Keep going.",
        "ratings": {"A": RATINGS, "B": RATINGS},
    }
    values.update(overrides)
    return values


def fill_ratings(at, key: str, label: str) -> None:  # type: ignore[no-untyped-def]
    for tool in session_instruments():
        for item, value in RATINGS[tool.key].items():
            widget_key = f"{key}_{label}_{tool.key}_{item}"
            widget = (
                at.selectbox(key=widget_key)
                if tool.items[0].anchors
                else at.number_input(key=widget_key)
            )
            widget.set_value(value)


def click(at, label: str):  # type: ignore[no-untyped-def]
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_logging_a_session_saves_a_draft_with_ratings(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = a_couple(page_db, page_team)
    at = open_app(page_team.alice, LOG, case=couple.case_code)
    key = f"log{couple.id}_new"
    at.text_area[0].set_value("Both attended; calmer week.")
    fill_ratings(at, key, "A")
    fill_ratings(at, key, "B")
    at = click(at, "Save draft")
    assert not texts(at, "error"), texts(at, "error")
    saved = sessions.list_sessions(page_db, page_team.alice, couple.id)
    assert len(saved) == 1 and saved[0].status is NoteStatus.DRAFT
    assert len(saved[0].ratings) == 6
    assert saved[0].note_data == "Both attended; calmer week."


def test_save_draft_keeps_what_is_there_and_signing_asks_for_the_rest(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    """Issue 14 item 9: a draft saves what is there; only signing needs every rating."""
    couple = a_couple(page_db, page_team)
    at = open_app(page_team.alice, LOG, case=couple.case_code)
    at.text_area[0].set_value("Only the note, and Kit's ratings.")
    fill_ratings(at, f"log{couple.id}_new", "A")
    at = click(at, "Save and sign")
    assert any("Kit" not in e and "Lou" in e and "not rated" in e for e in texts(at, "error"))
    assert sessions.list_sessions(page_db, page_team.alice, couple.id) == []
    assert at.text_area[0].value == "Only the note, and Kit's ratings."
    at = click(at, "Save draft")
    assert not texts(at, "error"), texts(at, "error")
    saved = sessions.list_sessions(page_db, page_team.alice, couple.id)
    assert len(saved) == 1 and saved[0].status is NoteStatus.DRAFT
    assert {r.partner_label for r in saved[0].ratings} == {"A"}


def test_save_and_sign_with_an_empty_section_saves_nothing_and_keeps_the_input(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = a_couple(page_db, page_team)
    at = open_app(page_team.alice, LOG, case=couple.case_code)
    key = f"log{couple.id}_new"
    at.text_area[0].set_value("Data only.")
    fill_ratings(at, key, "A")
    fill_ratings(at, key, "B")
    at = click(at, "Save and sign")
    assert any("empty: Assessment, Plan" in e for e in texts(at, "error"))
    # Saving and signing is one transaction: a refused signature saves no draft.
    assert sessions.list_sessions(page_db, page_team.alice, couple.id) == []
    assert at.text_area[0].value == "Data only."


def test_sessions_tab_signs_a_draft_after_confirmation(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = a_couple(page_db, page_team)
    draft = sessions.record_session(page_db, page_team.alice, couple.id, note())
    at = open_app(page_team.alice, COUPLE, case=couple.case_code, tab="Sessions")
    assert not [b for b in at.button if b.key == f"sign_{draft.id}"]  # the note is closed
    open_note(at, draft.id)
    sign = at.button(key=f"sign_{draft.id}")
    assert sign.disabled
    at.checkbox(key=f"confirm_sign_{draft.id}").check()
    at.run()
    at.button(key=f"sign_{draft.id}").click()
    at.run()
    assert sessions.get_session(page_db, page_team.alice, draft.id).is_signed
    # The save's rerun stays on the Sessions tab: the note is shown signed, with its form.
    assert at.query_params["tab"] in ("Sessions", ["Sessions"])
    assert any(t.label.startswith("Add a dated addendum") for t in at.text_area)


def test_signed_note_takes_an_addendum_and_keeps_its_text(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = a_couple(page_db, page_team)
    draft = sessions.record_session(page_db, page_team.alice, couple.id, note())
    sessions.sign(page_db, page_team.alice, draft.id, expected_version=draft.version)
    at = open_app(page_team.alice, COUPLE, case=couple.case_code, tab="Sessions")
    assert not at.text_area  # a closed note draws none of its content
    open_note(at, draft.id)
    form_area = next(t for t in at.text_area if t.label.startswith("Add a dated addendum"))
    form_area.set_value("Partner B phoned: correct date of next session.")
    at = click(at, "Add addendum")
    signed = sessions.get_session(page_db, page_team.alice, draft.id)
    assert [a.text for a in signed.addenda] == ["Partner B phoned: correct date of next session."]
    assert signed.note_data == "Talked about the week."
    assert "Addendum added." in texts(at, "success")
    # The note stays open, with its addendum.
    assert any("Partner B phoned" in text for text in texts(at, "info"))


def test_a_note_is_drawn_only_when_opened(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = a_couple(page_db, page_team)
    first = sessions.record_session(page_db, page_team.alice, couple.id, note())
    second = sessions.record_session(
        page_db, page_team.alice, couple.id, note(note_data="Second week.")
    )
    at = open_app(page_team.alice, COUPLE, case=couple.case_code, tab="Sessions")
    signing = [c for c in at.checkbox if str(c.key).startswith("confirm_sign_")]
    assert len(at.expander) >= 2 and not signing and not at.text_area
    assert not [m for m in at.markdown if "Talked about the week" in m.value]
    open_note(at, first.id)
    assert at.checkbox(key=f"confirm_sign_{first.id}")
    assert not [c for c in at.checkbox if c.key == f"confirm_sign_{second.id}"]
    assert [m for m in at.markdown if "Talked about the week" in m.value]
    at.session_state[note_key(first.id)] = False
    at.run()
    assert not [c for c in at.checkbox if str(c.key).startswith("confirm_sign_")]


def open_note(at, session_id: int):  # type: ignore[no-untyped-def]
    """Open a note's expander, as a click on it does (its state is under its key)."""
    at.session_state[note_key(session_id)] = True
    at.run()
    assert not at.exception, at.exception
    return at


def ui_date(db: Database, team: Team, session_id: int) -> str:
    """A note's date as the page shows it (AppTest's browser has no locale: ISO)."""
    return sessions.get_session(db, team.alice, session_id).session_date.isoformat()


def _note_days(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The notes on the open page, by the "Session of <day>." their previews begin with."""
    return [e.label.split(" — ")[1] for e in at.expander if " — Session of " in e.label]


def _notes_on_pages(
    open_app: OpenApp, page_team: Team, page_db: Database, monkeypatch: pytest.MonkeyPatch
) -> tuple[couples.CoupleView, list[int], Any]:
    """A couple with 7 notes (every other one a draft), 3 a page: pages of 3, 3 and 1."""
    monkeypatch.setattr(session_queries, "NOTES_PER_PAGE", 3)
    couple = a_couple(page_db, page_team)
    ids = add_notes(page_db, page_team.alice, couple, 7)
    at = open_app(page_team.alice, COUPLE, case=couple.case_code, tab="Sessions")
    return couple, ids, at


def test_sessions_tab_shows_the_newest_notes_first_and_every_note_on_one_page(
    open_app: OpenApp, page_team: Team, page_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    couple, _, at = _notes_on_pages(open_app, page_team, page_db, monkeypatch)
    newest_first = sessions.list_sessions(page_db, page_team.alice, couple.id)
    expected = [f"Session of {view.session_date}." for view in newest_first]
    pager = at.number_input(key=f"notes_page_{couple.id}")
    assert (pager.value, pager.max) == (1, 3)
    assert "Sessions 1–3 of 7, newest first (page 1 of 3)." in texts(at, "caption")
    shown = _note_days(at)
    for number in (2, 3):
        at.number_input(key=f"notes_page_{couple.id}").set_value(number).run()
        shown += _note_days(at)
    assert shown == expected


def test_a_draft_on_another_page_is_one_click_away_and_signs_there(
    open_app: OpenApp, page_team: Team, page_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    couple, ids, at = _notes_on_pages(open_app, page_team, page_db, monkeypatch)
    # Drafts: notes 1, 3 and 5 (of 0-6); newest first the pages are 6 5 4 | 3 2 1 | 0.
    assert "7 sessions, :orange[3 unsigned drafts]" in texts(at, "caption")
    # Page 1 holds the draft of note 5: buttons to pages 2 (notes 3 and 1) only.
    to_drafts = [b for b in at.button if "unsigned draft" in b.label]
    days = [ui_date(page_db, page_team, ids[n]) for n in (3, 1)]
    assert [b.label for b in to_drafts] == [f"Page 2: 2 unsigned drafts ({', '.join(days)})"]
    to_drafts[0].click().run()
    assert at.number_input(key=f"notes_page_{couple.id}").value == 2
    assert [e.label for e in at.expander if e.label.startswith(":orange[**Draft**]")]
    open_note(at, ids[3])
    at.checkbox(key=f"confirm_sign_{ids[3]}").check().run()
    at.button(key=f"sign_{ids[3]}").click().run()
    assert not at.exception, at.exception
    assert sessions.get_session(page_db, page_team.alice, ids[3]).is_signed
    assert "Note signed." in texts(at, "success")
    assert at.number_input(key=f"notes_page_{couple.id}").value == 2  # still on its page
    assert any(t.label.startswith("Add a dated addendum") for t in at.text_area)  # still open


def test_an_addendum_saves_on_the_second_page(
    open_app: OpenApp, page_team: Team, page_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    couple, ids, at = _notes_on_pages(open_app, page_team, page_db, monkeypatch)
    at.number_input(key=f"notes_page_{couple.id}").set_value(2).run()
    open_note(at, ids[2])
    (area,) = at.text_area
    area.set_value("Added on page two.")
    at = click(at, "Add addendum")
    assert [a.text for a in sessions.get_session(page_db, page_team.alice, ids[2]).addenda] == [
        "Added on page two."
    ]
    assert at.number_input(key=f"notes_page_{couple.id}").value == 2
    assert "Added on page two." in "".join(texts(at, "info"))


def test_a_notes_ratings_are_a_table_of_totals_per_partner(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = a_couple(page_db, page_team)
    view = sessions.record_session(page_db, page_team.alice, couple.id, note())
    at = open_note(
        open_app(page_team.alice, COUPLE, case=couple.case_code, tab="Sessions"), view.id
    )
    assert not [d for d in at.dataframe if "Instrument" in d.value.columns]  # no grid a note
    (table,) = [m.value for m in at.markdown if m.value.startswith("| Partner |")]
    names = [plain(p.name) for p in couple.partners]
    assert table.splitlines() == [
        "| Partner | Five C's | CSI-4 | Distress |",
        "| --- | ---: | ---: | ---: |",
        f"| {names[0]} | 20 | 10 | 7 |",
        f"| {names[1]} | 20 | 10 | 7 |",
    ]


def test_safety_tab_records_a_concern_and_shows_the_banner(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = a_couple(page_db, page_team)
    at = open_app(page_team.alice, COUPLE, case=couple.case_code, tab="Safety")
    next(c for c in at.checkbox if c.label == "Coercive control").check()
    next(t for t in at.text_area if t.label.startswith("Safety plan")).set_value(
        "Individual sessions; hotline number given."
    )
    at = click(at, "Save screen")
    at.run()  # the flash-and-rerun the browser would do
    assert safety.open_concerns(page_db, page_team.alice, couple.id)
    assert any("Open safety concern" in e for e in texts(at, "error"))
    assert at.query_params["tab"] in ("Safety", ["Safety"])  # still on the Safety tab
    assert any(s == "Screens" for s in texts(at, "subheader"))


def test_a_concern_without_a_plan_is_refused(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = a_couple(page_db, page_team)
    at = open_app(page_team.alice, COUPLE, case=couple.case_code, tab="Safety")
    next(c for c in at.checkbox if c.label == "Violence").check()
    at = click(at, "Save screen")
    assert any("needs a safety plan" in e for e in texts(at, "error"))
    assert safety.screens(page_db, page_team.alice, couple.id) == []


def test_search_finds_notes_with_an_excerpt(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = a_couple(page_db, page_team)
    sessions.record_session(
        page_db, page_team.alice, couple.id, note(note_plan="Agree a phone boundary by Friday.")
    )
    at = open_app(page_team.alice, "pages/search.py")
    at.text_input(key="note_search").set_value("PHONE BOUNDARY")
    at.run()
    body = " ".join(m.value for m in at.markdown)
    assert couple.case_code in body and "phone boundary" in body
    assert texts(at, "caption") == ["1 note, newest first."]  # one page: no page number
    at.text_input(key="note_search").set_value("x")
    at.run()
    assert any("at least two characters" in e for e in texts(at, "error"))


def test_search_shows_ten_notes_a_page_and_starts_again_on_new_words(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = a_couple(page_db, page_team)
    add_notes(page_db, page_team.alice, couple, 23)  # "Session of <day>." each
    at = open_app(page_team.alice, "pages/search.py")
    at.text_input(key="note_search").set_value("session of")
    at.run()
    assert len(at.get("page_link")) == 10
    assert texts(at, "caption") == [
        "Notes 1–10 of 23 (page 1 of 3). Newest first. Add words to narrow it."
    ]
    at.number_input(key="note_search_page").set_value(3)
    at.run()
    assert len(at.get("page_link")) == 3
    assert "Notes 21–23 of 23 (page 3 of 3). Newest first. Add words to narrow it." in texts(
        at, "caption"
    )
    at.text_input(key="note_search").set_value("session of 2026")
    at.run()
    assert len(at.get("page_link")) == 10  # back on the first page of the new search
    assert any(c.startswith("Notes 1–10 of") for c in texts(at, "caption"))


def test_a_supervisor_is_not_offered_the_session_form(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    """Issue 14 item 11: no Log a session page, link or form for a role that cannot save."""
    couple = a_couple(page_db, page_team)
    at = open_app(page_team.supervisor, "pages/couple.py", case=couple.case_code)
    links = [getattr(link, "label", "") for link in at.get("page_link")]
    assert "Log a session" not in links
    with pytest.raises(ValueError, match="log_session"):  # not among a supervisor's pages
        open_app(page_team.supervisor, LOG, case=couple.case_code)
    at = open_app(page_team.bruno, LOG, case=couple.case_code)  # another counsellor
    assert not [b for b in at.button if b.label in ("Save draft", "Save and sign")]
    assert texts(at, "error") and not texts(at, "success")
    own = open_app(page_team.alice, LOG, case=couple.case_code)
    assert [b.label for b in own.button if b.label == "Save draft"] == ["Save draft"]


def test_a_draft_opens_in_the_form_only_under_its_own_couple(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    """The address names the couple and the draft; a draft of another couple is not
    edited under this couple's heading (its save would change the other couple's note)."""
    couple, other = a_couple(page_db, page_team), a_couple(page_db, page_team)
    draft = sessions.record_session(page_db, page_team.alice, couple.id, note())
    theirs = sessions.record_session(page_db, page_team.alice, other.id, note())
    at = open_app(page_team.alice, LOG, case=couple.case_code, session=str(draft.id))
    assert at.title[0].value == f"Edit draft · {couple.case_code}"
    assert at.text_area[0].value == "Talked about the week."
    at = open_app(page_team.alice, LOG, case=couple.case_code, session=str(theirs.id))
    assert "That session link is not valid." in texts(at, "error")
    assert not at.button  # no form to save
