"""The one error boundary (issue 11, item 5): an unexpected failure in a page shows a plain
message with an incident id, never a traceback; the server log has the id, the type and
where, never the values; the form keeps its input. Odd input from the address bar, the
login form and the search box gets a clear message."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.services import couples
from pages import ui
from tests.conftest import TEST_PASSWORD, Team, intake_form
from tests.notes_support import add_notes
from tests.pages.conftest import OpenApp, texts
from tests.pages.test_intake import INTAKE, fill, submit

SECRET = "Kit said the affair started in March"  # note text that must never be logged
INCIDENT = re.compile(r"incident id: ([0-9a-f]{8})")
INTERNALS = ("Traceback", "sqlalchemy", "password_hash", "OperationalError", SECRET)


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def shown(at: AppTest) -> str:
    """Everything the page sent to the browser, as text (every element's message)."""
    return "\n".join(str(getattr(node, "proto", "")) for node in _nodes(at._tree))


def assert_no_internals(at: AppTest) -> None:
    assert not at.exception
    text = shown(at)
    for word in INTERNALS:
        assert word not in text, word


def incident_of(at: AppTest) -> str:
    found = [m.group(1) for e in texts(at, "error") if (m := INCIDENT.search(e))]
    assert len(found) == 1, texts(at, "error")
    assert found[0] in shown(at)  # `shown` sees the messages the browser gets
    return found[0]


def _outage(*_: Any, **__: Any) -> None:
    raise OperationalError(
        "UPDATE counsellors SET password_hash=? WHERE id=?",
        {"note_plan": SECRET, "password_hash": "$argon2id$v=19$secret"},
        Exception("disk I/O error"),
    )


def test_a_database_outage_during_a_save_shows_an_incident_and_keeps_the_input(
    open_app: OpenApp,
    page_team: Team,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    at = fill(open_app(page_team.alice, INTAKE), a_name="Kit", b_name="Lou")
    monkeypatch.setattr(couples, "create_couple", _outage)
    with caplog.at_level(logging.ERROR, logger="mend.incidents"):
        at = submit(at)

    incident = incident_of(at)
    assert_no_internals(at)
    assert at.text_input(key="intake_a_name").value == "Kit"
    assert at.text_input(key="intake_b_name").value == "Lou"
    assert at.text_area(key="intake_goals").value == "Rebuild honesty."
    (record,) = [r for r in caplog.records if r.name == "mend.incidents"]
    logged = record.getMessage()
    assert record.incident == incident and incident in logged  # type: ignore[attr-defined]
    assert "OperationalError" in logged and "test_error_boundary.py" in logged
    assert SECRET not in logged and "argon2" not in logged and "disk I/O" not in logged


def test_a_database_that_goes_away_shows_an_incident_and_the_input_survives(
    open_app: OpenApp, page_team: Team, page_db: Database, tmp_path: Path
) -> None:
    """The file is made unreachable between typing and saving: the save is an incident,
    and once the database is back the form still holds what was typed and saves. (AppTest
    runs a switched-to page without app.py, so `attempt` catches it here; a failure before
    the form is drawn, in app.py's guard: tests/pages/components/test_error_boundary.py.)"""
    at = fill(open_app(page_team.alice, INTAKE), a_name="Kit", b_name="Lou")
    path = Path(page_db.engine.url.database or "")
    served = ui._database(page_db.engine.url.render_as_string())
    served.dispose()
    shutil.move(path, tmp_path / "away.db")
    path.mkdir()  # SQLite cannot open a folder: every connection fails
    try:
        at = submit(at)
        incident_of(at)
        assert_no_internals(at)
    finally:
        path.rmdir()
        shutil.move(tmp_path / "away.db", path)
    at.run()
    assert at.text_input(key="intake_a_name").value == "Kit"
    assert at.text_area(key="intake_goals").value == "Rebuild honesty."
    at = submit(at)
    assert not texts(at, "error")
    assert at.query_params["case"] in ("C-0001", ["C-0001"])


def test_a_huge_search_gets_a_clear_message(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = couples.create_couple(page_db, page_team.alice, intake_form())
    add_notes(page_db, page_team.alice, couple, 1)
    at = open_app(page_team.alice, "pages/search.py")
    at.text_input(key="note_search").set_value("affair " * 8000)  # 56,000 characters
    at.run()
    assert any("Search is too long (at most 200 characters)" in e for e in texts(at, "error"))
    assert_no_internals(at)


@pytest.mark.parametrize("link", [str(10**20), "-1", "12abc", "١٢"])
def test_a_made_up_session_number_in_the_address_gets_a_clear_message(
    open_app: OpenApp, page_team: Team, page_db: Database, link: str
) -> None:
    couple = couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_app(page_team.alice, "pages/log_session.py", case=couple.case_code, session=link)
    assert "That session link is not valid." in texts(at, "error")
    assert_no_internals(at)


@pytest.mark.parametrize("case", ["C-0001\x00", "C-" + "9" * 30_000])
def test_a_made_up_case_code_in_the_address_gets_a_clear_message(
    open_app: OpenApp, page_team: Team, case: str
) -> None:
    at = open_app(page_team.alice, "pages/couple.py", case=case)
    assert any("There is no couple with case code" in e for e in texts(at, "error"))
    assert_no_internals(at)


def test_an_error_in_a_page_outside_any_form_is_an_incident(
    open_app: OpenApp, page_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The boundary in app.py: a read that fails while the page is drawn."""
    monkeypatch.setattr("core.services.sessions.unsigned_notes", _outage)
    at = open_app(page_team.alice)
    incident_of(at)
    assert_no_internals(at)


# --- PostgreSQL: the login form with a NUL byte ---------------------------------------------


@pytest.fixture
def pg_app(
    postgres_database: Database, test_password_hash: str, monkeypatch: pytest.MonkeyPatch
) -> Team:
    from core.services import exercises
    from tests.conftest import _truncate_postgres, make_team

    _truncate_postgres(postgres_database)
    monkeypatch.setenv("DATABASE_URL", postgres_database.engine.url.render_as_string(False))
    monkeypatch.delenv("MEND_DEMO", raising=False)
    exercises.sync_catalogue(postgres_database)
    return make_team(postgres_database, test_password_hash)


def _log_in(username: str, password: str) -> AppTest:
    from tests.pages.conftest import APP

    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].set_value(username)
    at.text_input[1].set_value(password)
    at.button[0].click()
    return at.run()


def test_a_nul_byte_in_the_login_username_on_postgresql_is_a_plain_refusal(pg_app: Team) -> None:
    at = _log_in("ali\x00ce", TEST_PASSWORD)
    assert any(e.startswith("Wrong username or password") for e in texts(at, "error"))
    assert "user" not in at.session_state
    assert_no_internals(at)
    at = _log_in("alice", TEST_PASSWORD)  # the same form still logs in
    assert at.session_state["user"].username == "alice"


def test_a_nul_byte_in_the_search_on_postgresql_is_explained(pg_app: Team) -> None:
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=30)
    at.session_state["user"] = pg_app.alice
    at.run()
    at.switch_page("pages/search.py")
    at.run()
    at.text_input(key="note_search").set_value("aff\x00air")
    at.run()
    assert any("control character" in e for e in texts(at, "error"))
    assert_no_internals(at)
