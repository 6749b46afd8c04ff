"""Every user-entered text is shown as text: each payload (image, link, autolink, heading,
HTML image and link, LaTeX, colour directive) stored in every field through the services,
then every page and tab that shows it, as the couple's counsellor and as a supervisor."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.services import sessions
from pages.components.note_card import note_key
from pages.tabs.homework import work_key
from tests.conftest import Team
from tests.pages.conftest import OpenApp, open_expander, open_tab
from tests.pages.escape_support import PAYLOADS, World, assert_shown_as_text, build

COUPLE = "pages/couple.py"
each_payload = pytest.mark.parametrize("name", PAYLOADS)


@pytest.fixture
def world(request: pytest.FixtureRequest, page_db: Database, page_team: Team) -> World:
    return build(page_db, page_team, PAYLOADS[request.param])


def _couple(open_app: OpenApp, world: World, user: object, **query: str) -> object:
    return open_app(user, COUPLE, case=world.couple.case_code, **query)


def assert_every_tab_shown_as_text(at: AppTest, name: str) -> list[str]:
    """Each tab of the couple page in turn (only the open one runs); the tabs' labels."""
    labels = [tab.label for tab in at.tabs]
    for label in labels:
        assert_shown_as_text(open_tab(at, label), name)
    return labels


def assert_every_chart_and_section_shown_as_text(at: AppTest, world: World, name: str) -> None:
    """The Progress tab's charts (one drawn at a time) and the couple page's sections that
    run only once opened (pages/components/lazy.py)."""
    couple_id = world.couple.id
    chart = at.segmented_control(key=f"progress_chart_{couple_id}")
    assert chart.options[-2:] == ["Five C's profile", "Homework adherence"]
    for key in ("five_cs_profile", "adherence"):
        chart.set_value(key).run()
        assert len(at.get("plotly_chart")) == 1
        assert_shown_as_text(at, name)
    for section in ("report_open", "constants_open", "export_open", "case_viewers_open"):
        assert_shown_as_text(open_expander(at, f"{section}_{couple_id}"), name)


@each_payload
def test_couple_page_and_every_tab_as_its_counsellor(
    open_app: OpenApp, page_team: Team, page_db: Database, name: str
) -> None:
    world = build(page_db, page_team, PAYLOADS[name])
    at = open_app(world.alice, COUPLE, case=world.couple.case_code)
    assert_shown_as_text(at, name)
    assert at.get("plotly_chart"), "the Progress tab draws its charts"
    assert_every_chart_and_section_shown_as_text(at, world, name)
    assert assert_every_tab_shown_as_text(at, name) == [
        "Progress",
        "Sessions",
        "Homework",
        "Safety",
        "Check-ins",
        "Edit details",
        "Status",
    ]
    open_tab(at, "Homework")
    open_expander(at, work_key(world.couple.id))  # the section working on one assignment
    for assignment in world.assignments:  # the Homework tab, each assignment in turn
        at.selectbox(key=f"hw_pick_{world.couple.id}").set_value(assignment).run()
        assert_shown_as_text(at, name)
    open_tab(at, "Sessions")  # each note open (a closed one draws only its title)
    for note in sessions.list_sessions(page_db, world.alice, world.couple.id):
        at.session_state[note_key(note.id)] = True
        at.run()
        assert [m for m in at.markdown if m.value.startswith("| Partner |")] or not note.ratings
        assert_shown_as_text(at, name)


@each_payload
def test_couple_page_as_a_supervisor_and_a_closed_couple(
    open_app: OpenApp, page_team: Team, page_db: Database, name: str
) -> None:
    world = build(page_db, page_team, PAYLOADS[name])
    supervisor = open_app(page_team.supervisor, COUPLE, case=world.couple.case_code)
    assert "Reassign" in assert_every_tab_shown_as_text(supervisor, name)
    assert_every_tab_shown_as_text(open_app(world.alice, COUPLE, case=world.closed.case_code), name)


@each_payload
def test_log_session_with_homework_due_for_review(
    open_app: OpenApp, page_team: Team, page_db: Database, name: str
) -> None:
    world = build(page_db, page_team, PAYLOADS[name])
    at = open_app(world.alice, "pages/log_session.py", case=world.couple.case_code)
    assert_shown_as_text(at, name)


@each_payload
def test_library_search_account_and_lists(
    open_app: OpenApp, page_team: Team, page_db: Database, name: str
) -> None:
    world = build(page_db, page_team, PAYLOADS[name])
    library = open_app(world.alice, "pages/library.py", exercise=str(world.exercise_id))
    assert_shown_as_text(library, name)
    for query in (world.payload, f"{world.payload} nowhere"):
        search = open_app(world.alice, "pages/search.py")
        search.text_input(key="note_search").set_value(query).run()
        assert_shown_as_text(search, name)
    assert_shown_as_text(open_app(world.alice, "pages/account.py"), name)
    for page in ("pages/caseload.py", "pages/homework_due.py"):
        # Names are in the tables (text cells); nothing else on the page may be live.
        assert_shown_as_text(open_app(world.alice, page), name, shown=False)


@each_payload
def test_supervision_charts_and_lists(
    open_app: OpenApp, page_team: Team, page_db: Database, name: str
) -> None:
    world = build(page_db, page_team, PAYLOADS[name])
    at = open_app(page_team.supervisor, "pages/supervision.py")
    assert not at.exception, at.exception
    assert at.get("plotly_chart")
    assert_shown_as_text(open_app(world.alice, COUPLE, case=world.couple.case_code), name)


@each_payload
def test_a_case_code_in_the_address_is_quoted_as_text(
    open_app: OpenApp, page_team: Team, name: str
) -> None:
    for page in (COUPLE, "pages/log_session.py"):
        at = open_app(page_team.alice, page, case=PAYLOADS[name])
        assert at.error, "the refusal quotes the case code"
        assert_shown_as_text(at, name)
