"""Mend's pure password rules (core.passwords)."""

from __future__ import annotations

import pytest

from core.passwords import (
    CONTAINS_USERNAME,
    MIN_DISTINCT_CHARACTERS,
    TOO_COMMON,
    TOO_LITTLE_VARIETY,
    common_passwords,
    password_problem,
)


def test_the_shipped_list_holds_a_few_hundred_lower_case_entries() -> None:
    common = common_passwords()
    assert 300 <= len(common) <= 2000
    assert all(entry == entry.lower().strip() and entry for entry in common)
    assert {"password", "123456", "qwerty", "letmein", "iloveyou"} <= common


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "PASSWORD1234",
        "Password2024!",
        "!!password!!",
        "123456789012",
        "qwertyuiop12",
        "passwordpassword",
        "QwertyQwertyQwerty",
        "P@ssw0rd12345",
        "iloveyou1234",
    ],
)
def test_common_passwords_and_their_decorations_are_refused(password: str) -> None:
    assert password_problem(password, "dana") == TOO_COMMON


@pytest.mark.parametrize("password", ["a" * 12, " " * 12, "abababababab", "1212121212ab"])
def test_too_little_variety_is_refused(password: str) -> None:
    assert len(set(password)) < MIN_DISTINCT_CHARACTERS
    assert password_problem(password, "dana") == TOO_LITTLE_VARIETY
    assert "Mend's rule" in TOO_LITTLE_VARIETY


def test_five_different_characters_are_enough_variety() -> None:
    assert password_problem("abcdeabcdeab", "dana") is None


@pytest.mark.parametrize("password", ["dana-rules-ok", "xxDANAxx-pass", "my Dana pass 1"])
def test_a_password_containing_the_username_is_refused(password: str) -> None:
    assert password_problem(password, "dana") == CONTAINS_USERNAME
    assert password_problem(password, " DANA ") == CONTAINS_USERNAME


@pytest.mark.parametrize(
    "password", ["a-fresh-unusual-pass", "copper kettle morning", "counsel-demo-1", "test-pass-123"]
)
def test_unusual_passwords_pass(password: str) -> None:
    assert password_problem(password, "dana") is None


@pytest.mark.parametrize("username", ["dana-mend-2026", "robin.ashdown"])
def test_a_password_equal_to_the_username_is_refused(username: str) -> None:
    """Issue 11, item 9: `password == username` was accepted."""
    assert password_problem(username, username) == CONTAINS_USERNAME
    assert password_problem(username.upper(), username) == CONTAINS_USERNAME
