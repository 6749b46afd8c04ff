"""Every refused login looks and costs the same (issue 11, item 9): unknown username,
wrong password, deactivated and locked accounts get one message and one argon2
verification each, so neither the words nor the time tell which it was."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.db import Database
from core.errors import AuthenticationError
from core.models import AuditEvent
from core.services import accounts
from tests.conftest import TEST_PASSWORD, Team

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class CountingHasher:
    """Wraps the real argon2 hasher and records the hash of every verification."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.verified: list[str] = []

    def verify(self, stored_hash: str, password: str) -> bool:
        self.verified.append(stored_hash)
        return self.real.verify(stored_hash, password)  # type: ignore[attr-defined]

    def hash(self, password: str) -> str:
        return self.real.hash(password)  # type: ignore[attr-defined]


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    accounts._dummy_hash()  # made once per process, before counting starts
    counting = CountingHasher(accounts._hasher)
    monkeypatch.setattr(accounts, "_hasher", counting)
    return counting


def _lock(db: Database, team: Team) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(db, "alice", "not-the-password", now=T0)


def _deactivate(db: Database, team: Team) -> None:
    accounts.set_active(db, team.admin, team.alice.id, False)


# Each failure kind: how to prepare it, the username typed, the password typed, the reason
# the audit keeps.
FAILURES: dict[str, tuple[Callable[[Database, Team], None] | None, str, str, str]] = {
    "unknown username": (None, "nobody-here", TEST_PASSWORD, "unknown username"),
    "wrong password": (None, "alice", "not-the-password", "wrong password"),
    "deactivated": (_deactivate, "alice", TEST_PASSWORD, "inactive"),
    "locked": (_lock, "alice", TEST_PASSWORD, "locked"),
}


def _refusal(db: Database, team: Team, kind: str) -> str:
    prepare, username, password, _ = FAILURES[kind]
    if prepare:
        prepare(db, team)
    with pytest.raises(AuthenticationError) as caught:
        accounts.authenticate(db, username, password, now=T0)
    return str(caught.value)


def test_the_four_failure_kinds_get_one_and_the_same_message(db: Database, team: Team) -> None:
    messages = set()
    for kind in FAILURES:
        messages.add(_refusal(db, team, kind))
        accounts.unlock(db, team.admin, team.alice.id)
        accounts.set_active(db, team.admin, team.alice.id, True)
    (message,) = messages
    assert message.startswith("Wrong username or password")
    assert "locked" in message and "deactivated" in message
    assert "Five wrong passwords" in message and "15 minutes" in message


@pytest.mark.parametrize("kind", list(FAILURES))
def test_the_audit_keeps_the_true_reason(db: Database, team: Team, kind: str) -> None:
    _refusal(db, team, kind)
    with db.read() as session:
        last = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "login_failed")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert last is not None
    assert json.loads(last.detail)["reason"] == FAILURES[kind][3]


def _refuse(db: Database, team: Team, kind: str, hasher: CountingHasher) -> None:
    """Set up one kind of failure, then fail to log in, counting only that attempt."""
    prepare = FAILURES[kind][0]
    if prepare:
        prepare(db, team)
    hasher.verified.clear()
    _, username, password, _ = FAILURES[kind]
    with pytest.raises(AuthenticationError):
        accounts.authenticate(db, username, password, now=T0)


@pytest.mark.parametrize("kind", list(FAILURES))
def test_every_failure_costs_exactly_one_argon2_verification(
    db: Database, team: Team, kind: str, hasher: CountingHasher
) -> None:
    _refuse(db, team, kind, hasher)
    assert len(hasher.verified) == 1


@pytest.mark.parametrize("kind", ["unknown username", "deactivated", "locked"])
def test_refusals_before_any_check_verify_against_the_dummy_hash(
    db: Database, team: Team, kind: str, hasher: CountingHasher
) -> None:
    _refuse(db, team, kind, hasher)
    assert hasher.verified == [accounts._dummy_hash()]


def test_a_wrong_password_is_checked_against_the_accounts_own_hash(
    db: Database, team: Team, hasher: CountingHasher
) -> None:
    with pytest.raises(AuthenticationError):
        accounts.authenticate(db, "alice", "not-the-password", now=T0)
    assert len(hasher.verified) == 1
    assert hasher.verified != [accounts._dummy_hash()]


def test_a_control_character_in_the_username_also_costs_a_verification(
    db: Database, team: Team, hasher: CountingHasher
) -> None:
    with pytest.raises(AuthenticationError):
        accounts.authenticate(db, "ali\x00ce", TEST_PASSWORD, now=T0)
    assert hasher.verified == [accounts._dummy_hash()]


def test_the_dummy_hash_uses_the_same_argon2_parameters_as_real_hashes() -> None:
    real = accounts.hash_password("some-password-here")
    dummy = accounts._dummy_hash()
    assert real.split("$")[:4] == dummy.split("$")[:4]  # algorithm, version, m/t/p
