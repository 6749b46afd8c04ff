from __future__ import annotations

import pytest

from core.services import audit
from tests.conftest import TEST_PASSWORD, Team
from tests.pages.conftest import OpenApp, by_label, texts


def submit_login(at, username: str, password: str):  # type: ignore[no-untyped-def]
    by_label(at.text_input, "Username").set_value(username)
    by_label(at.text_input, "Password").set_value(password)
    at.button[0].click()
    return at.run()


def test_logged_out_user_sees_only_the_login_form(open_app: OpenApp, page_team: Team) -> None:
    at = open_app()
    assert [t.value for t in at.title] == ["Mend"]
    assert by_label(at.text_input, "Username")
    assert "user" not in at.session_state


def test_right_password_opens_the_caseload(open_app: OpenApp, page_team: Team) -> None:
    at = submit_login(open_app(), "alice", TEST_PASSWORD)
    assert at.session_state["user"].username == "alice"
    # AppTest keeps the login script selected; the browser lands on the default page.
    at.switch_page("pages/caseload.py")
    at.run()
    assert "Caseload" in [t.value for t in at.title]


def test_wrong_password_shows_an_error_and_logs_nobody_in(
    open_app: OpenApp, page_team: Team, page_db
) -> None:
    at = submit_login(open_app(), "alice", "wrong-password-1")
    assert any("Wrong username or password" in e for e in texts(at, "error"))
    assert "user" not in at.session_state
    events = audit.list_events(page_db, page_team.admin, action="login_failed")
    assert events["username"].tolist() == ["alice"]


def test_five_wrong_passwords_lock_the_account(open_app: OpenApp, page_team: Team) -> None:
    at = open_app()
    for _ in range(5):
        at = submit_login(at, "bruno", "wrong-password-1")
    assert any("locked" in e for e in texts(at, "error"))
    at = submit_login(at, "bruno", TEST_PASSWORD)
    assert any("locked" in e for e in texts(at, "error"))
    assert "user" not in at.session_state


def test_demo_mode_lists_the_demo_accounts(
    open_app: OpenApp, page_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEND_DEMO", "1")
    at = open_app()
    assert at.expander[0].label.startswith("Demo accounts")


def test_empty_installation_explains_how_to_create_the_first_admin(open_app: OpenApp) -> None:
    at = open_app()
    assert any("create-user" in message for message in texts(at, "info"))
