"""An open tab re-checks its account on every rerun and times out when idle
(pages/components/session_guard.py through the real app.py)."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from core.config import load_settings
from core.db import Database
from core.domain import Role
from core.models import Counsellor
from core.services import accounts, audit
from core.services.access import Actor
from tests.conftest import Team
from tests.pages.conftest import APP, OpenApp, texts


def _rerun(user: Actor, *, idle_seconds: float = 0) -> AppTest:
    """The tab's next rerun: its session state (the user, the last activity) carried
    over. (AppTest reruns only the page script; a fresh run goes through app.py as
    every rerun in the browser does.)"""
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["user"] = user
    at.session_state["last_activity"] = time.time() - idle_seconds
    return at.run()


def _on_login_page(at) -> bool:  # type: ignore[no-untyped-def]
    return "user" not in at.session_state and [t.value for t in at.title] == ["Mend"]


def _logout_reasons(db: Database, team: Team) -> list[str]:
    events = audit.list_events(db, team.admin, action="logout")
    return [json.loads(detail)["reason"] for detail in events["detail"] if detail]


def test_a_deactivated_users_open_tab_lands_on_the_login_page(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    at = open_app(page_team.alice)
    assert "Caseload" in [t.value for t in at.title]

    accounts.set_active(page_db, page_team.admin, page_team.alice.id, False)
    at = _rerun(page_team.alice)

    assert _on_login_page(at)
    assert any("no longer active" in w for w in texts(at, "warning"))
    assert _logout_reasons(page_db, page_team) == ["account"]


def test_a_changed_role_ends_the_session(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    at = open_app(page_team.alice)
    with page_db.transaction() as session:
        session.execute(
            update(Counsellor)
            .where(Counsellor.id == page_team.alice.id)
            .values(role=Role.SUPERVISOR)
        )
    at = _rerun(page_team.alice)
    assert _on_login_page(at)
    assert any("role has changed" in w for w in texts(at, "warning"))


def test_an_idle_tab_shows_the_login_page_at_its_next_interaction(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    at = _rerun(page_team.alice, idle_seconds=31 * 60)

    assert _on_login_page(at)
    assert any("30 minutes without activity" in w for w in texts(at, "warning"))
    assert _logout_reasons(page_db, page_team) == ["idle"]


@pytest.mark.parametrize(("idle_for", "logged_out"), [(4, False), (6, True)])
def test_the_idle_timeout_is_configurable(
    open_app: OpenApp,
    page_team: Team,
    monkeypatch: pytest.MonkeyPatch,
    idle_for: int,
    logged_out: bool,
) -> None:
    monkeypatch.setenv("MEND_IDLE_MINUTES", "5")
    at = _rerun(page_team.alice, idle_seconds=idle_for * 60)
    assert _on_login_page(at) is logged_out


def test_an_active_tab_stays_signed_in(open_app: OpenApp, page_team: Team) -> None:
    at = _rerun(page_team.alice, idle_seconds=60)
    assert at.session_state["user"] == page_team.alice
    assert "Caseload" in [t.value for t in at.title]


@pytest.mark.parametrize("value", ["0", "-3", "ten", "1.5"])
def test_a_bad_idle_setting_refuses_to_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MEND_IDLE_MINUTES", value)
    with pytest.raises(ValueError, match="MEND_IDLE_MINUTES"):
        load_settings()
