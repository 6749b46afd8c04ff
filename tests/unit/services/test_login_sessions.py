"""Remembered logins (core.services.login_sessions through accounts): a cookie's token
logs its own account in again until logout, deactivation, a password reset or the idle
timeout revokes it; the database holds its sha256 only. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from core.db import Database
from core.domain import Role
from core.errors import AuthenticationError
from core.login_tokens import token_hash
from core.models import AuditEvent, Counsellor, LoginSession
from core.services import accounts, login_sessions
from tests.conftest import TEST_PASSWORD, Team

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _log_in(db: Database, username: str = "alice", *, now: datetime = T0) -> str:
    _, token = accounts.log_in(db, username, TEST_PASSWORD, now=now)
    return token


def _rows(db: Database) -> list[LoginSession]:
    with db.read() as session:
        return list(session.scalars(select(LoginSession).order_by(LoginSession.id)))


def _actions(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_login_opens_a_remembered_session_that_resumes_the_same_account(
    db: Database, team: Team
) -> None:
    token = _log_in(db)
    later = T0 + timedelta(minutes=10)

    assert login_sessions.resume(db, token, now=later) == team.alice
    [row] = _rows(db)
    assert (row.account_id, row.role, row.created_at) == (team.alice.id, Role.COUNSELLOR, T0)
    assert row.last_seen_at == later
    assert row.revoked_at is None
    [resumed] = _actions(db, "login_resumed")
    assert resumed.actor_id == team.alice.id


def test_only_the_tokens_hash_is_stored(db: Database, team: Team) -> None:
    token = _log_in(db)
    [row] = _rows(db)
    assert row.token_hash == token_hash(token)
    with db.read() as session:
        stored = [
            str(v) for r in session.execute(select(LoginSession)) for v in r[0].__dict__.values()
        ]
        audit = [e.detail for e in session.scalars(select(AuditEvent))]
    assert not any(token in value for value in stored + audit)


def test_every_login_gets_its_own_token(db: Database, team: Team) -> None:
    tokens = {_log_in(db) for _ in range(3)}
    assert len(tokens) == 3
    assert len({row.token_hash for row in _rows(db)}) == 3


def test_a_token_of_one_account_never_resumes_another(db: Database, team: Team) -> None:
    alices, brunos = _log_in(db, "alice"), _log_in(db, "bruno")
    assert login_sessions.resume(db, alices, now=T0) == team.alice
    assert login_sessions.resume(db, brunos, now=T0) == team.bruno
    # Bruno's logout with Alice's token ends nothing of Alice's.
    accounts.log_out(db, team.bruno, token=alices)
    assert login_sessions.resume(db, alices, now=T0) == team.alice
    assert not login_sessions.in_force(db, team.bruno, alices)


@pytest.mark.parametrize("token", ["", "not-a-token", "A" * 43, "x" * 500])
def test_an_unknown_or_malformed_token_logs_nobody_in(db: Database, team: Team, token: str) -> None:
    _log_in(db)
    assert login_sessions.resume(db, token, now=T0) == "unknown"
    assert _actions(db, "login_resumed") == []


def test_logout_revokes_at_once(db: Database, team: Team) -> None:
    token = _log_in(db)
    accounts.log_out(db, team.alice, token=token)
    assert login_sessions.resume(db, token, now=T0) == "revoked"
    assert not login_sessions.in_force(db, team.alice, token)
    [row] = _rows(db)
    assert row.revoke_reason == "logout"
    assert row.revoked_at is not None


def test_deactivation_revokes_every_session_of_the_account(db: Database, team: Team) -> None:
    first, second, brunos = _log_in(db), _log_in(db), _log_in(db, "bruno")
    accounts.set_active(db, team.admin, team.alice.id, False)

    assert login_sessions.resume(db, first, now=T0) == "revoked"
    assert login_sessions.resume(db, second, now=T0) == "revoked"
    assert login_sessions.resume(db, brunos, now=T0) == team.bruno
    reasons = {row.account_id: row.revoke_reason for row in _rows(db)}
    assert reasons == {team.alice.id: "deactivated", team.bruno.id: None}
    # Reactivating the account does not bring an old cookie back.
    accounts.set_active(db, team.admin, team.alice.id, True)
    assert login_sessions.resume(db, first, now=T0) == "revoked"


def test_a_password_reset_revokes_every_session_of_the_account(db: Database, team: Team) -> None:
    token = _log_in(db)
    accounts.reset_password(db, team.admin, team.alice.id, "a-temporary-unusual-pass")
    assert login_sessions.resume(db, token, now=T0) == "revoked"
    [row] = _rows(db)
    assert row.revoke_reason == "password reset"


def test_a_login_idle_past_the_timeout_is_revoked_when_it_tries_to_resume(
    db: Database, team: Team
) -> None:
    token = _log_in(db)
    assert login_sessions.resume(db, token, now=T0 + timedelta(minutes=31)) == "idle"
    assert login_sessions.resume(db, token, now=T0 + timedelta(minutes=32)) == "revoked"
    [row] = _rows(db)
    assert row.revoke_reason == "idle"
    [logout] = _actions(db, "logout")
    assert json.loads(logout.detail) == {"reason": "idle"}


def test_the_idle_timeout_of_an_open_tab_revokes_its_login(db: Database, team: Team) -> None:
    token = _log_in(db)
    accounts.log_out(db, team.alice, reason="idle", token=token)
    assert login_sessions.resume(db, token, now=T0) == "revoked"
    assert _rows(db)[0].revoke_reason == "idle"


def test_the_idle_timeout_follows_the_setting(
    db: Database, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEND_IDLE_MINUTES", "5")
    token = _log_in(db)
    assert login_sessions.resume(db, token, now=T0 + timedelta(minutes=4)) == team.alice
    assert login_sessions.resume(db, token, now=T0 + timedelta(minutes=10)) == "idle"


def test_a_changed_role_refuses_and_revokes(db: Database, team: Team) -> None:
    token = _log_in(db)
    with db.transaction() as session:
        session.execute(
            update(Counsellor).where(Counsellor.id == team.alice.id).values(role=Role.SUPERVISOR)
        )
    assert login_sessions.resume(db, token, now=T0) == "role changed"
    assert login_sessions.resume(db, token, now=T0) == "revoked"


def test_use_is_written_at_most_once_a_minute(db: Database, team: Team) -> None:
    token = _log_in(db)
    login_sessions.touch(db, token, now=T0 + timedelta(seconds=30))
    assert _rows(db)[0].last_seen_at == T0
    login_sessions.touch(db, token, now=T0 + timedelta(seconds=90))
    assert _rows(db)[0].last_seen_at == T0 + timedelta(seconds=90)
    # A used login stays resumable past the timeout counted from the login itself.
    assert login_sessions.resume(db, token, now=T0 + timedelta(minutes=31)) == team.alice


def test_a_revoked_login_is_not_touched_back_to_life(db: Database, team: Team) -> None:
    token = _log_in(db)
    accounts.log_out(db, team.alice, token=token)
    login_sessions.touch(db, token, now=T0 + timedelta(minutes=5))
    assert login_sessions.resume(db, token, now=T0 + timedelta(minutes=5)) == "revoked"


def test_a_refused_login_opens_no_session(db: Database, team: Team) -> None:
    with pytest.raises(AuthenticationError):
        accounts.log_in(db, "alice", "not-the-password", now=T0)
    assert _rows(db) == []
