"""Mend's password rules, pure: no database, no hashing.

The length rule lives in `core.schemas.PasswordIn` (MIN_PASSWORD_LENGTH); the rules here
need more than the password alone (the username) or a list shipped in the repo:

- not one of the common passwords in `data/common-passwords.txt`, nor one of them with
  only digits or symbols added before or after it, nor one of them repeated;
- not containing the username (ignoring case);
- at least MIN_DISTINCT_CHARACTERS different characters (Mend's rule: `aaaaaaaaaaaa`
  or `abababababab` is long but no harder to guess than a short password).
"""

from __future__ import annotations

import re
from functools import cache

from core.config import PROJECT_ROOT

COMMON_PASSWORDS_FILE = PROJECT_ROOT / "data" / "common-passwords.txt"
MIN_DISTINCT_CHARACTERS = 5

# Digits, symbols and spaces around a word: "Summer2024!" is "summer" to a guesser.
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")

TOO_COMMON = (
    "Password is too common: it is on Mend's list of common passwords, or is one of them "
    "with digits or symbols added or repeated. Choose something unusual, such as a few "
    "unrelated words."
)
TOO_LITTLE_VARIETY = (
    f"Password has too little variety (Mend's rule: at least {MIN_DISTINCT_CHARACTERS} "
    "different characters)."
)
CONTAINS_USERNAME = "Password must not contain the username."


def rules_text(min_length: int) -> str:
    """The rules in one sentence, for the forms' help."""
    return (
        f"At least {min_length} characters and {MIN_DISTINCT_CHARACTERS} different ones; "
        "not a common password and not containing the username."
    )


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def _is_common(password: str) -> bool:
    common = common_passwords()
    lowered = password.lower()
    bare = _DECORATION.sub("", lowered)
    for candidate in {lowered, lowered.strip(), bare}:
        if not candidate:
            continue
        if candidate in common:
            return True
        for times in range(2, 5):  # "passwordpassword", "qwertyqwertyqwerty"
            size, rest = divmod(len(candidate), times)
            if not rest and candidate[:size] * times == candidate and candidate[:size] in common:
                return True
    return False


def password_problem(password: str, username: str) -> str | None:
    """The first rule `password` breaks, as a message for the form; None when it passes.
    Length is checked by the schema before this."""
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return TOO_LITTLE_VARIETY
    if _is_common(password):
        return TOO_COMMON
    typed = username.strip().lower()
    if typed and typed in password.lower():
        return CONTAINS_USERNAME
    return None
