"""Log-session page, the couple's Sessions and Safety tabs, and note search."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.db import Database
from core.domain import NoteStatus
from core.measures import session_instruments
from core.services import couples, safety, sessions
from tests.conftest import Team, intake_form
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
    form_area = next(t for t in at.text_area if t.label.startswith("Add a dated addendum"))
    form_area.set_value("Partner B phoned: correct date of next session.")
    at = click(at, "Add addendum")
    signed = sessions.get_session(page_db, page_team.alice, draft.id)
    assert [a.text for a in signed.addenda] == ["Partner B phoned: correct date of next session."]
    assert signed.note_data == "Talked about the week."


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
    at.text_input(key="note_search").set_value("x")
    at.run()
    assert any("at least two characters" in e for e in texts(at, "error"))


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
