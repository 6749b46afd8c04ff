"""A reload or a new tab logs in again from the login cookie (through the real app.py).

AppTest cannot send cookies (st.context.cookies is empty there), so the one function that
reads the browser's cookie, pages.components.login_cookie.browser_token, is patched."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.models import LoginSession, utcnow
from core.services import accounts, audit
from pages.components import login_cookie, session_guard
from tests.conftest import TEST_PASSWORD, Team
from tests.pages.conftest import APP, OpenApp, texts
from tests.pages.test_login import submit_login

Reload = Callable[[str | None], AppTest]


@pytest.fixture
def reload(page_db: Database, monkeypatch: pytest.MonkeyPatch) -> Reload:
    """A new browser session (a reload, a new tab) that sends `cookie`."""

    def _open(cookie: str | None) -> AppTest:
        monkeypatch.setattr(login_cookie, "browser_token", lambda: cookie)
        at = AppTest.from_file(APP, default_timeout=30).run()
        assert not at.exception, at.exception
        return at

    return _open


def _token(page_db: Database, username: str = "alice") -> str:
    return accounts.log_in(page_db, username, TEST_PASSWORD)[1]


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def _on_login_page(at: AppTest) -> bool:
    return "user" not in at.session_state and _titles(at) == ["Mend"]


def test_a_reload_with_a_valid_cookie_is_logged_in(
    reload: Reload, page_team: Team, page_db: Database
) -> None:
    at = reload(_token(page_db))
    assert at.session_state["user"] == page_team.alice
    assert "Caseload" in _titles(at)
    resumed = audit.list_events(page_db, page_team.admin, action="login_resumed")
    assert resumed["username"].tolist() == ["alice"]


def test_no_cookie_or_an_unknown_one_shows_the_login_form(reload: Reload, page_team: Team) -> None:
    assert _on_login_page(reload(None))
    assert _on_login_page(reload("A" * 43))


def test_logging_in_through_the_form_remembers_the_login(
    open_app: OpenApp, reload: Reload, page_team: Team, page_db: Database
) -> None:
    at = submit_login(open_app(), "bruno", TEST_PASSWORD)
    token = at.session_state[login_cookie.TOKEN_KEY]
    with page_db.read() as session:
        [row] = session.scalars(select(LoginSession))
    assert row.account_id == page_team.bruno.id
    assert reload(token).session_state["user"] == page_team.bruno


def test_a_logout_makes_the_cookie_useless(
    reload: Reload, page_team: Team, page_db: Database
) -> None:
    """(The sidebar's button itself is pressed in tests/e2e/test_reload_journey.py:
    AppTest reruns only the page script, not app.py's sidebar.)"""
    token = _token(page_db)
    at = reload(token)
    accounts.log_out(page_db, page_team.alice, token=at.session_state[login_cookie.TOKEN_KEY])
    assert _on_login_page(reload(token))


def test_deactivation_makes_the_cookie_useless(
    reload: Reload, page_team: Team, page_db: Database
) -> None:
    token = _token(page_db)
    accounts.set_active(page_db, page_team.admin, page_team.alice.id, False)
    assert _on_login_page(reload(token))


def test_a_password_reset_makes_the_cookie_useless(
    reload: Reload, page_team: Team, page_db: Database
) -> None:
    token = _token(page_db)
    accounts.reset_password(page_db, page_team.admin, page_team.alice.id, "a-temp-unusual-pass")
    assert _on_login_page(reload(token))


def test_a_cookie_idle_past_the_timeout_shows_why(
    reload: Reload, page_team: Team, page_db: Database
) -> None:
    token = _token(page_db)
    with page_db.transaction() as session:
        session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    at = reload(token)
    assert _on_login_page(at)
    assert any("30 minutes without activity" in w for w in texts(at, "warning"))


def test_an_open_tab_whose_login_ended_elsewhere_shows_the_login_page(
    reload: Reload, page_team: Team, page_db: Database
) -> None:
    token = _token(page_db)
    accounts.log_out(page_db, page_team.alice, token=token)  # the other tab's logout
    # This tab's next rerun, its state carried over (AppTest reruns only the page script;
    # a fresh run goes through app.py as every rerun in the browser does).
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["user"] = page_team.alice
    at.session_state[login_cookie.TOKEN_KEY] = token
    at.run()
    assert _on_login_page(at)
    assert texts(at, "warning") == [session_guard.ENDED_ELSEWHERE]


def _cookie_scripts(at: AppTest) -> list[str]:
    return [h.body for h in at.html if login_cookie.COOKIE in h.body]


def test_the_login_cookie_is_written_once_by_a_script_that_starts_no_rerun(
    page_team: Team, page_db: Database
) -> None:
    """A script in the page, not a component: nothing comes back to rerun the page later
    (a component's late answer redrew an open option list under the pointer). The run
    after a login (AppTest reruns only the page script, so the state is set up here as
    pages/login.py leaves it)."""
    token = _token(page_db, "bruno")
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["user"] = page_team.bruno
    at.session_state[login_cookie.TOKEN_KEY] = token
    at.session_state[login_cookie._PENDING_KEY] = "set"
    at.run()
    [script] = _cookie_scripts(at)
    assert f"{login_cookie.COOKIE}={token}; Path=/; Expires=" in script
    assert "SameSite=Strict" in script
    assert not at.get("component_instance")
    assert login_cookie._PENDING_KEY not in at.session_state  # written once


def test_a_cookie_text_expires_after_a_day_and_a_deleted_one_at_once() -> None:
    moment = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    assert login_cookie.cookie_text("tok", moment) == (
        "mend_login=tok; Path=/; Expires=Fri, 27 Nov 2026 09:30:00 GMT; SameSite=Strict"
    )
    assert "Expires=Thu, 01 Jan 1970" in login_cookie.cookie_text(None)


def test_a_login_ended_elsewhere_deletes_the_browsers_cookie(
    page_team: Team, page_db: Database
) -> None:
    token = _token(page_db)
    accounts.log_out(page_db, page_team.alice, token=token)
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["user"] = page_team.alice
    at.session_state[login_cookie.TOKEN_KEY] = token
    at.run()
    [script] = _cookie_scripts(at)
    assert f"{login_cookie.COOKIE}=; Path=/; Expires=Thu, 01 Jan 1970" in script
