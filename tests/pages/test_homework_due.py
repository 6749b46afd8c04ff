"""The "Homework due" page (pages/homework_due.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import paging
from core.db import Database
from core.services import exercises, homework
from tests.conftest import Team
from tests.homework_support import TODAY, add_couple, homework_form
from tests.pages.conftest import texts
from tests.pages.homework_pages import HOMEWORK_DUE, ROOT, click, run_page

DAY = timedelta(days=1)


@pytest.fixture
def caseload(page_db: Database, page_team: Team) -> None:
    """Alice: C-0001 with one overdue, one due in 3 days, one due in 3 weeks.
    Bruno: C-0002 with one due tomorrow."""
    exercises.sync_catalogue(page_db)
    kit = add_couple(page_db, page_team.alice)
    for slug, target, assigned, due in (
        ("state-of-the-union", "both", TODAY - 14 * DAY, TODAY - DAY),
        ("kept-promises-log", "B", TODAY, TODAY + 3 * DAY),
        ("apology-letter", "B", TODAY, TODAY + 21 * DAY),
    ):
        homework.assign(
            page_db,
            page_team.alice,
            kit.id,
            homework_form(page_db, slug, target=target, assigned_on=assigned, due_on=due),
        )
    pia = add_couple(page_db, page_team.bruno, "Pia", "Quin")
    homework.assign(
        page_db,
        page_team.bruno,
        pia.id,
        homework_form(page_db, "self-care-support-plan", target="A", due_on=TODAY + DAY),
    )


def test_nothing_due_says_what_to_do(page_team: Team) -> None:
    at = run_page(HOMEWORK_DUE, page_team.alice)
    assert any("Nothing is overdue" in i and "Exercise library" in i for i in texts(at, "info"))
    assert not at.dataframe


def test_counsellor_sees_their_overdue_and_due_this_week(page_team: Team, caseload: None) -> None:
    at = run_page(HOMEWORK_DUE, page_team.alice)
    table = at.dataframe[0].value
    assert table["exercise"].tolist() == [
        "Weekly State of the Union conversation",
        "Kept-promises log",
    ]
    assert table["overdue"].tolist() == [True, False]
    assert set(table["case_code"]) == {"C-0001"}
    assert any("2 open assignments" in c for c in texts(at, "caption"))


def test_supervisor_sees_every_caseload_by_due_date(page_team: Team, caseload: None) -> None:
    at = run_page(HOMEWORK_DUE, page_team.supervisor)
    table = at.dataframe[0].value
    assert table["case_code"].tolist() == ["C-0001", "C-0002", "C-0001"]
    assert table["counsellor"].tolist() == ["Alice", "Bruno", "Alice"]


def test_a_long_list_is_sent_a_page_at_a_time(
    page_team: Team, caseload: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A supervisor's list at clinic scale holds thousands: pages of 2 here instead of
    100, the table and the couple picker both of the page shown."""
    monkeypatch.setattr(paging, "PAGE_ROWS", 2)
    at = run_page(HOMEWORK_DUE, page_team.supervisor)
    assert at.dataframe[0].value["case_code"].tolist() == ["C-0001", "C-0002"]
    assert any("Assignments 1–2 of 3 (page 1 of 2)" in c for c in texts(at, "caption"))
    at.number_input(key="homework_due_page").set_value(2).run()
    assert at.dataframe[0].value["case_code"].tolist() == ["C-0001"]
    assert at.selectbox(key="homework_due_case").options == ["C-0001 · Kit & Lou"]


def test_open_a_couple_from_the_list(page_team: Team, caseload: None, tmp_path: Path) -> None:
    """With both pages registered (as app.py will), the list opens the couple page."""
    (tmp_path / "pages").symlink_to(ROOT / "pages")
    app = tmp_path / "app.py"
    app.write_text(
        "import streamlit as st\n"
        "from pages.components import legacy_mode\n"
        "legacy_mode.routed_by_app()\n"
        "st.navigation([\n"
        "    st.Page('pages/homework_due.py', title='Homework due'),\n"
        "    st.Page('pages/couple.py', title='Couple', url_path='couple'),\n"
        "]).run()\n",
        encoding="utf-8",
    )
    at = AppTest.from_file(str(app), default_timeout=30)
    at.session_state["user"] = page_team.alice
    at.run()
    at.selectbox(key="homework_due_case").set_value("C-0001")
    at = click(at, "Open couple")
    assert at.title[0].value == "C-0001 · Kit & Lou"
