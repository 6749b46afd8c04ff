"""A read-only database (issue 11, item 10) starts Mend in a clear read-only mode: a
banner on every page, login still works (and says it is not audited), and a save says
why it cannot be done, keeping what was typed."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.domain import READ_ONLY_LOGIN_NOTE, READ_ONLY_MODE
from core.services import accounts, reference
from tests.conftest import TEST_PASSWORD, Team
from tests.pages.conftest import APP, texts
from tests.pages.test_error_boundary import assert_no_internals
from tests.pages.test_intake import fill, submit


@pytest.fixture
def read_only_app(page_db: Database, page_team: Team, monkeypatch: pytest.MonkeyPatch) -> Team:
    """The page database, served read-only (SQLite's mode=ro: the tests run as root)."""
    accounts._read_only_attempts.clear()
    reference.current_reference_id(page_db)  # stored by init-db in a real installation
    url = f"sqlite:///file:{page_db.engine.url.database}?mode=ro&uri=true"
    monkeypatch.setenv("DATABASE_URL", url)
    return page_team


def test_login_works_in_read_only_mode_under_a_banner(read_only_app: Team) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert READ_ONLY_MODE in texts(at, "warning")
    assert any(READ_ONLY_LOGIN_NOTE in c for c in texts(at, "caption"))
    at.text_input[0].set_value("alice")
    at.text_input[1].set_value(TEST_PASSWORD)
    at.button[0].click()
    at.run()
    assert at.session_state["user"].username == "alice"
    assert not texts(at, "error")
    assert_no_internals(at)


def test_pages_carry_the_banner(read_only_app: Team) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["user"] = read_only_app.alice
    at.run()
    assert "Caseload" in [t.value for t in at.title]
    assert READ_ONLY_MODE in texts(at, "warning")
    assert_no_internals(at)


def test_a_save_in_read_only_mode_says_so_and_keeps_the_input(read_only_app: Team) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["user"] = read_only_app.alice
    at.run()
    at.switch_page("pages/intake.py")
    at = submit(fill(at.run(), a_name="Kit", b_name="Lou"))
    assert READ_ONLY_MODE in texts(at, "error")
    assert at.text_input(key="intake_a_name").value == "Kit"
    assert at.text_area(key="intake_goals").value == "Rebuild honesty."
    assert_no_internals(at)
