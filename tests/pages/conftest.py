"""Page tests run the real app.py through AppTest against a fresh SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.services import exercises
from core.services.access import Actor
from tests.conftest import Team, make_team

APP = str(Path(__file__).resolve().parents[2] / "app.py")

OpenApp = Callable[..., AppTest]


@pytest.fixture
def page_db(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("DATABASE_URL", sqlite_db.engine.url.render_as_string())
    monkeypatch.delenv("MEND_DEMO", raising=False)
    exercises.sync_catalogue(sqlite_db)  # as the app does at start-up
    return sqlite_db


@pytest.fixture
def page_team(page_db: Database, test_password_hash: str) -> Team:
    return make_team(page_db, test_password_hash)


@pytest.fixture
def open_app(page_db: Database) -> OpenApp:
    """Run app.py as `user` (None: logged out), optionally on another page."""

    def _open(user: Actor | None = None, page: str | None = None, **query: Any) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        if user is not None:
            at.session_state["user"] = user
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        if page is not None:
            at.switch_page(page)
            at.run()
        assert not at.exception, at.exception
        return at

    return _open


def open_expander(at: AppTest, key: str) -> AppTest:
    """Open the closed-until-asked expander `key` (pages/components/lazy.py) and run, as a
    click on it does (AppTest has no expander clicks)."""
    at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    return at


def open_tab(at: AppTest, label: str) -> AppTest:
    """Switch an opened couple page to the tab `label` and run it, as a click on the tab
    does (AppTest has no tab clicks: the tabs are bound to the address's `tab`, so both
    the address and the tabs' state are set). To open a page on a tab from the start,
    pass it to open_app: `open_app(user, page, case=..., tab="Homework")`."""
    at.query_params["tab"] = label
    at.session_state["tab"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    """All values of one element kind (error, success, info, warning, markdown…)."""
    return [element.value for element in getattr(at, kind)]


def by_label(widgets: Any, label: str) -> Any:
    matches = [w for w in widgets if w.label == label]
    assert matches, f"no widget labelled {label!r}"
    return matches[0]
