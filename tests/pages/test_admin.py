from __future__ import annotations

import pytest

from core.db import Database
from core.services import accounts, audit
from tests.conftest import TEST_PASSWORD, Team
from tests.pages.conftest import OpenApp, by_label, texts

ADMIN = "pages/admin.py"


def create(at, username: str, password: str = "a-long-temp-pass"):  # type: ignore[no-untyped-def]
    by_label(at.text_input, "Username").set_value(username)
    by_label(at.text_input, "Display name").set_value("New Person")
    by_label(at.text_input, "Temporary password (at least 12 characters)").set_value(password)
    next(b for b in at.button if b.label == "Create account").click()
    return at.run()


def test_admin_creates_an_account_that_must_change_its_password(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    at = create(open_app(page_team.admin, ADMIN), "newperson")
    assert not texts(at, "error")
    made = next(
        a for a in accounts.list_accounts(page_db, page_team.admin) if a.username == "newperson"
    )
    actor = accounts.authenticate(page_db, "newperson", "a-long-temp-pass")
    assert actor.id == made.id
    assert accounts.must_change_password(page_db, actor)


def test_duplicate_username_is_refused(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    before = len(accounts.list_accounts(page_db, page_team.admin))
    at = create(open_app(page_team.admin, ADMIN), "alice")
    assert any("already taken" in e for e in texts(at, "error"))
    assert len(accounts.list_accounts(page_db, page_team.admin)) == before
    assert by_label(at.text_input, "Username").value == "alice"


def test_audit_log_lists_logins_and_filters_by_action(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    accounts.authenticate(page_db, "alice", TEST_PASSWORD)
    with pytest.raises(Exception, match="Wrong username"):
        accounts.authenticate(page_db, "bruno", "nope-nope-nope")
    at = open_app(page_team.admin, ADMIN, tab="Audit log")
    log = at.dataframe[-1].value
    assert set(log["action"]) >= {"Logged in", "Login refused"}  # words, not keys (issue 14)
    assert not log["detail"].str.contains(r"[{}\"]", regex=True).any()  # no raw JSON
    refused = log.loc[log["action"] == "Login refused", "detail"].tolist()
    assert refused == ["failures: 1 · reason: wrong password"]
    by_label(at.selectbox, "Action").set_value("login_failed")
    at.run()
    assert at.dataframe[-1].value["username"].tolist() == ["bruno"]


def test_non_admins_have_no_admin_page(open_app: OpenApp, page_team: Team) -> None:
    for user in (page_team.alice, page_team.supervisor):
        at = open_app(user)
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(ADMIN)


def test_must_change_password_opens_only_the_password_form(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    accounts.reset_password(page_db, page_team.admin, page_team.alice.id, "temporary-pass-1")
    at = open_app(page_team.alice)
    assert [t.value for t in at.title] == ["My account"]
    by_label(at.text_input, "Current password").set_value("temporary-pass-1")
    by_label(at.text_input, "New password (at least 12 characters)").set_value("my-own-pass-22")
    by_label(at.text_input, "Repeat the new password").set_value("my-own-pass-22")
    next(b for b in at.button if b.label == "Change password").click()
    at.run()
    assert not texts(at, "error")
    assert not accounts.must_change_password(page_db, page_team.alice)
    assert accounts.authenticate(page_db, "alice", "my-own-pass-22").id == page_team.alice.id


def test_the_admin_page_offers_a_backup_download(open_app: OpenApp, page_team: Team) -> None:
    at = open_app(page_team.admin, ADMIN, tab="Backup")
    assert [tab.label for tab in at.tabs][-1] == "Backup"
    assert [b.proto.label for b in at.get("download_button")] == ["Download a backup"]


def test_only_the_open_admin_tab_runs(
    open_app: OpenApp, page_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Accounts tab first; the audit log is read only once its tab is open (it lives
    in the address, as the couple page's tabs do)."""
    reads: list[str] = []
    original = audit.list_events
    monkeypatch.setattr(
        audit, "list_events", lambda *a, **k: reads.append("log") or original(*a, **k)
    )
    at = open_app(page_team.admin, ADMIN)
    assert [t.label for t in at.tabs if t.children] == ["Accounts"]
    assert reads == [] and not at.get("download_button")
    at = open_app(page_team.admin, ADMIN, tab="Audit log")
    assert [t.label for t in at.tabs if t.children] == ["Audit log"]
    assert reads == ["log"]
