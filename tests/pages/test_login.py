from __future__ import annotations

import pytest
from sqlalchemy import update

from core.models import Counsellor
from core.services import accounts, audit
from tests.conftest import TEST_PASSWORD, Team, make_team
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


def test_five_wrong_passwords_lock_the_account(open_app: OpenApp, page_team: Team, page_db) -> None:
    at = open_app()
    for _ in range(5):
        at = submit_login(at, "bruno", "wrong-password-1")
    assert texts(at, "error") == [accounts.login_refused_message()]
    at = submit_login(at, "bruno", TEST_PASSWORD)
    # The same words as any other refusal; the audit knows it was the lock.
    assert texts(at, "error") == [accounts.login_refused_message()]
    assert "user" not in at.session_state
    events = audit.list_events(page_db, page_team.admin, action="login_failed")
    assert "locked" in events["detail"].iloc[0]


def test_an_unknown_username_shows_the_same_error_and_is_not_stored(
    open_app: OpenApp, page_team: Team, page_db
) -> None:
    at = submit_login(open_app(), "my-secret-typed-here", TEST_PASSWORD)
    assert texts(at, "error") == [accounts.login_refused_message()]
    events = audit.list_events(page_db, page_team.admin, action="login_failed")
    assert events["username"].tolist() == ["(unknown)"]
    assert "my-secret-typed-here" not in events.to_string()


def test_demo_mode_lists_the_demo_accounts(
    open_app: OpenApp, page_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEND_DEMO", "1")
    at = open_app()
    assert at.expander[0].label.startswith("Demo accounts")


CREATE_ADMIN = (
    "python -m core.cli create-user --username admin --display-name 'Clinic Admin' --role admin"
)


def test_without_an_active_admin_only_the_set_up_page_is_served(open_app: OpenApp) -> None:
    at = open_app()
    assert any(CREATE_ADMIN in message for message in texts(at, "info"))
    assert any("no active administrator" in message for message in texts(at, "warning"))
    assert not at.text_input  # no login form, nothing else
    assert not at.button and not at.dataframe and not at.expander


def test_counsellors_without_an_active_admin_still_get_only_the_set_up_page(
    open_app: OpenApp, page_db, test_password_hash: str
) -> None:
    team = make_team(page_db, test_password_hash)
    with page_db.transaction() as session:
        session.execute(
            update(Counsellor).where(Counsellor.id == team.admin.id).values(active=False)
        )
    at = open_app()
    assert any(CREATE_ADMIN in message for message in texts(at, "info"))
    assert not at.text_input


def test_once_an_admin_exists_the_login_form_is_served(open_app: OpenApp, page_db) -> None:
    accounts.create_account(
        page_db,
        accounts.SYSTEM,
        {
            "username": "admin",
            "display_name": "Clinic Admin",
            "role": "admin",
            "password": "a-fresh-unusual-pass",
        },
    )
    at = open_app()
    assert by_label(at.text_input, "Username")
    assert not texts(at, "warning")
