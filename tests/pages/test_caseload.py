from __future__ import annotations

from datetime import timedelta

import pytest

from core import paging
from core.db import Database
from core.queries.sessions import UNSIGNED_AFTER_DAYS
from core.services import couples, sessions
from tests.conftest import Team, intake_form
from tests.notes_support import note_form
from tests.pages.conftest import OpenApp, by_label, open_expander, texts


def add_couples(db: Database, team: Team) -> None:
    couples.create_couple(db, team.alice, intake_form())
    couples.create_couple(
        db,
        team.alice,
        intake_form(
            partner_a={"name": "Nell", "role": "hurt"}, partner_b={"name": "Oz", "role": "both"}
        ),
    )
    couples.create_couple(
        db,
        team.bruno,
        intake_form(
            partner_a={"name": "Pia", "role": "hurt"}, partner_b={"name": "Quin", "role": "both"}
        ),
    )


def shown_cases(at) -> list[str]:  # type: ignore[no-untyped-def]
    return at.dataframe[0].value["case_code"].tolist()


def test_new_counsellor_sees_what_to_do_first(open_app: OpenApp, page_team: Team) -> None:
    at = open_app(page_team.alice)
    assert any("New couple" in message for message in texts(at, "info"))
    assert not at.dataframe


def test_counsellor_sees_only_their_own_couples(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    add_couples(page_db, page_team)
    at = open_app(page_team.alice)
    assert shown_cases(at) == ["C-0001", "C-0002"]
    assert not [w for w in at.multiselect if w.label == "Counsellor"]


def test_supervisor_sees_all_and_filters_by_counsellor(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    add_couples(page_db, page_team)
    at = open_app(page_team.supervisor)
    assert shown_cases(at) == ["C-0001", "C-0002", "C-0003"]
    by_label(at.multiselect, "Counsellor").set_value([page_team.bruno.id])
    at.run()
    assert shown_cases(at) == ["C-0003"]


def test_a_counsellor_without_couples_sees_the_first_steps_while_colleagues_have_some(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_app(page_team.bruno)
    assert any("Your caseload is empty" in message for message in texts(at, "info"))
    at = open_app(page_team.supervisor)
    by_label(at.text_input, "Search").set_value("nobody")
    at.run()
    assert any("No couples match" in message for message in texts(at, "info"))


def test_search_matches_partner_names_and_case_codes(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    add_couples(page_db, page_team)
    at = open_app(page_team.alice)
    by_label(at.text_input, "Search").set_value("nell")
    at.run()
    assert shown_cases(at) == ["C-0002"]
    by_label(at.text_input, "Search").set_value("c-0001")
    at.run()
    assert shown_cases(at) == ["C-0001"]
    by_label(at.text_input, "Search").set_value("nobody")
    at.run()
    assert any("No couples match" in message for message in texts(at, "info"))


def test_status_filter_hides_closed_cases_by_default(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    add_couples(page_db, page_team)
    first = couples.get_couple(page_db, page_team.alice, 1)
    couples.change_status(
        page_db,
        page_team.alice,
        1,
        {"target": "closed", "reason": "Ended"},
        expected_version=first.version,
    )
    at = open_app(page_team.alice)
    assert shown_cases(at) == ["C-0002"]
    by_label(at.multiselect, "Status").set_value(["closed"])
    at.run()
    assert shown_cases(at) == ["C-0001"]
    assert at.dataframe[0].value["status"].tolist() == ["Closed"]


def test_open_a_couple_goes_to_its_page(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    add_couples(page_db, page_team)
    at = open_app(page_team.alice)
    by_label(at.selectbox, "Open a couple").set_value("C-0002")
    next(b for b in at.button if b.label == "Open couple").click()
    at.run()
    assert at.query_params["case"] in ("C-0002", ["C-0002"])


def test_a_long_caseload_is_read_a_page_at_a_time(
    open_app: OpenApp, page_team: Team, page_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sorted whole, sent a page at a time (issue 10): pages of 2 here instead of 100."""
    monkeypatch.setattr(paging, "PAGE_ROWS", 2)
    add_couples(page_db, page_team)
    at = open_app(page_team.supervisor)
    by_label(at.selectbox, "Sort").set_value("Case code")
    at.run()
    assert shown_cases(at) == ["C-0001", "C-0002"]
    assert any("Couples 1–2 of 3 (page 1 of 2)" in text for text in texts(at, "caption"))
    by_label(at.number_input, "Page").set_value(2)
    at.run()
    assert shown_cases(at) == ["C-0003"]
    by_label(at.multiselect, "Counsellor").set_value([page_team.alice.id])
    at.run()  # one page left: shown whole, no page number
    assert shown_cases(at) == ["C-0001", "C-0002"]
    assert not [w for w in at.number_input if w.label == "Page"]


def test_a_short_caseload_has_no_page_number(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    add_couples(page_db, page_team)
    at = open_app(page_team.supervisor)
    assert len(shown_cases(at)) == 3 and not [w for w in at.number_input if w.label == "Page"]


def _page_links(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [link.proto.label for link in at.get("page_link")]


@pytest.mark.parametrize(("drafts", "open_at_first"), [(2, True), (7, False)])
def test_old_unsigned_notes_link_to_their_drafts(
    open_app: OpenApp, page_team: Team, page_db: Database, drafts: int, open_at_first: bool
) -> None:
    """A few old drafts are listed at once; many wait in a closed list until it is opened
    (nothing of them is drawn until then)."""
    made = couples.create_couple(page_db, page_team.alice, intake_form())
    for n in range(drafts):
        day = made.intake_date + timedelta(days=7 * n)
        sessions.record_session(page_db, page_team.alice, made.id, note_form(day))
    at = open_app(page_team.alice)
    title = at.expander[0].label
    assert title == f":orange[{drafts} unsigned notes older than {UNSIGNED_AFTER_DAYS} days]"
    links = [f"{made.case_code} · session of" in label for label in _page_links(at)]
    assert links == ([True] * drafts if open_at_first else [])
    if not open_at_first:
        open_expander(at, "unsigned_notes_open")
        assert [f"{made.case_code} · session of" in x for x in _page_links(at)] == [True] * drafts
    assert all("days unsigned" in label for label in _page_links(at))
