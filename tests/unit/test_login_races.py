"""Parallel password guesses against the lock-out (core.services.accounts.authenticate),
on SQLite and PostgreSQL: the failure count must not lose updates."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.db import Database
from core.errors import AuthenticationError
from core.models import AuditEvent, Counsellor
from core.services import accounts
from tests.conftest import TEST_PASSWORD, Team

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
GUESSES = 30


@pytest.fixture
def counted_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the service checks; each check is slowed down a little, as argon2
    is, so that parallel guesses really overlap."""
    checked: list[str] = []
    lock = threading.Lock()
    real = accounts._password_matches

    def slow_check(stored_hash: str, password: str) -> bool:
        with lock:
            checked.append(password)
        time.sleep(0.05)
        return real(stored_hash, password)

    monkeypatch.setattr(accounts, "_password_matches", slow_check)
    return checked


def _guess_in_parallel(db: Database, passwords: list[str]) -> list[str]:
    start = threading.Barrier(len(passwords))

    def guess(password: str) -> str:
        start.wait()
        try:
            accounts.authenticate(db, "alice", password, now=T0)
        except AuthenticationError as refused:
            return str(refused)
        return "logged in"

    with ThreadPoolExecutor(max_workers=len(passwords)) as pool:
        return list(pool.map(guess, passwords))


def test_thirty_parallel_guesses_check_at_most_five_passwords(
    db: Database, team: Team, counted_checks: list[str]
) -> None:
    outcomes = _guess_in_parallel(db, [f"guess-number-{n:02d}" for n in range(GUESSES)])

    assert len(counted_checks) <= 5
    assert "logged in" not in outcomes
    # Every refusal says the same; the audit tells the ones refused as locked apart.
    assert set(outcomes) == {accounts.login_refused_message()}
    with db.read() as session:
        reasons = [
            json.loads(detail)["reason"]
            for detail in session.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == "login_failed")
            )
        ]
        alice = session.get(Counsellor, team.alice.id)
        assert alice is not None and alice.locked_until is not None
    assert reasons.count("locked") >= GUESSES - 5


def test_the_right_password_among_parallel_guesses_cannot_sneak_past_the_lock(
    db: Database, team: Team, counted_checks: list[str]
) -> None:
    """Between two successful logins at most five wrong passwords are ever checked, also
    when the right password is among parallel guesses (a success rightly clears the
    count, so the guesses after it start a new run of at most five)."""
    passwords = [f"guess-number-{n:02d}" for n in range(GUESSES - 1)] + [TEST_PASSWORD]
    _guess_in_parallel(db, passwords)
    runs = "\n".join(counted_checks).split(TEST_PASSWORD)
    wrong_in_a_row = [len([p for p in run.split("\n") if p]) for run in runs]
    assert max(wrong_in_a_row) <= 5
    assert len(counted_checks) <= 5 + 1 + 5


@pytest.mark.parametrize("username", ["ali\x00ce", "\x00", "alice\x1b[2J"])
def test_a_control_character_in_the_username_is_a_plain_refusal(
    db: Database, team: Team, username: str
) -> None:
    """PostgreSQL cannot store NUL: the login form must still answer in plain words."""
    with pytest.raises(AuthenticationError, match="Wrong username or password"):
        accounts.authenticate(db, username, TEST_PASSWORD, now=T0)
