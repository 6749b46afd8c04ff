"""pages/components/assign_form.py's state machine, through the Homework tab's host (the
library's use of it is in tests/pages/test_library.py, the steps in tests/pages/tabs)."""

from __future__ import annotations

from core.db import Database
from core.services import exercises
from tests.conftest import Team
from tests.homework_support import add_couple, exercise_id, open_concern
from tests.pages.conftest import texts
from tests.pages.homework_pages import HOMEWORK_TAB_HOST, click, run_page


def test_cancel_returns_to_idle_and_forgets_the_reason(page_db: Database, page_team: Team) -> None:
    exercises.sync_catalogue(page_db)
    couple = add_couple(page_db, page_team.alice)
    open_concern(page_db, page_team.alice, couple.id)
    key = f"hw_assign_{couple.id}"
    at = run_page(HOMEWORK_TAB_HOST, page_team.alice, couple=couple.id)
    at.selectbox(key=f"{key}_exercise").set_value(exercise_id(page_db, "state-of-the-union"))
    at = click(at, "Assign")
    assert f"{key}_state" in at.session_state
    at.text_area(key=f"{key}_override").set_value("Half a thought")
    at = click(at, "Cancel")
    assert f"{key}_state" not in at.session_state
    at = click(at, "Assign")  # the exercise is still chosen: the gate asks again
    assert at.text_area(key=f"{key}_override").value == ""
    assert any("open safety concern" in e for e in texts(at, "error"))


def test_a_refusal_shows_once(page_db: Database, page_team: Team) -> None:
    exercises.sync_catalogue(page_db)
    couple = add_couple(page_db, page_team.alice)
    at = click(run_page(HOMEWORK_TAB_HOST, page_team.alice, couple=couple.id), "Assign")
    assert "Choose an exercise." in texts(at, "error")
    at.run()
    assert "Choose an exercise." not in texts(at, "error")
