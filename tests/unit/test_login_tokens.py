"""The pure rules of a remembered login (core.login_tokens), without a database."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from core.login_tokens import (
    DEACTIVATED,
    IDLE,
    REVOKED,
    ROLE_CHANGED,
    due_for_touch,
    looks_like_token,
    new_token,
    resume_refusal,
    token_hash,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _refusal(**overrides: object) -> str | None:
    facts: dict[str, object] = {
        "revoked": False,
        "active": True,
        "role_then": "counsellor",
        "role_now": "counsellor",
        "last_seen": NOW - timedelta(minutes=5),
        "now": NOW,
        "idle_minutes": 30,
    }
    facts.update(overrides)
    return resume_refusal(**facts)  # type: ignore[arg-type]


def test_a_new_token_is_random_url_safe_and_of_the_expected_shape() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(looks_like_token(token) for token in tokens)


def test_the_server_keeps_the_sha256_of_the_token_only() -> None:
    token = new_token()
    assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token not in token_hash(token)
    assert len(token_hash(token)) == 64


@pytest.mark.parametrize(
    "value", [None, "", "short", "x" * 43 + "!", "a" * 44, "a;b=c" + "a" * 38, 42]
)
def test_a_value_of_another_shape_is_not_looked_up(value: object) -> None:
    assert not looks_like_token(value)


def test_a_valid_recent_login_may_resume() -> None:
    assert _refusal() is None


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"revoked": True}, REVOKED),
        ({"active": False}, DEACTIVATED),
        ({"role_now": "supervisor"}, ROLE_CHANGED),
        ({"last_seen": NOW - timedelta(minutes=31)}, IDLE),
        ({"revoked": True, "active": False}, REVOKED),
    ],
)
def test_each_reason_refuses_a_resume(overrides: dict[str, object], reason: str) -> None:
    assert _refusal(**overrides) == reason


@pytest.mark.parametrize(("minutes", "refused"), [(30, False), (31, True)])
def test_idle_counts_from_the_last_use(minutes: int, refused: bool) -> None:
    last_seen = NOW - timedelta(minutes=minutes)
    assert (_refusal(last_seen=last_seen) == IDLE) is refused


@pytest.mark.parametrize(
    ("seconds_ago", "due"), [(None, True), (0, False), (59, False), (60, True), (600, True)]
)
def test_use_is_written_at_most_once_a_minute(seconds_ago: int | None, due: bool) -> None:
    last = None if seconds_ago is None else NOW - timedelta(seconds=seconds_ago)
    assert due_for_touch(last, NOW) is due
