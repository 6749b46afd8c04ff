"""Pure rules of a remembered login (no database): the token a browser keeps in its
cookie, the only form in which the server stores it (its sha256), when a remembered
login may resume, and how often its use is written down."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

# How often a remembered login's last use is written: at most once a minute, not per rerun.
TOUCH_EVERY = timedelta(minutes=1)
# secrets.token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-]; anything else is not ours.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")

# Why a remembered login may not resume (stored as revoke_reason, shown in the audit).
REVOKED = "revoked"
DEACTIVATED = "deactivated"
ROLE_CHANGED = "role changed"
IDLE = "idle"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the server keeps: the token itself never reaches the database."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(value: object) -> bool:
    """A cookie value worth looking up (a browser may send anything)."""
    return isinstance(value, str) and _TOKEN_SHAPE.fullmatch(value) is not None


def resume_refusal(
    *,
    revoked: bool,
    active: bool,
    role_then: str,
    role_now: str,
    last_seen: datetime,
    now: datetime,
    idle_minutes: int,
) -> str | None:
    """Why a remembered login may not resume, or None when it may."""
    if revoked:
        return REVOKED
    if not active:
        return DEACTIVATED
    if role_now != role_then:
        return ROLE_CHANGED
    if now - last_seen > timedelta(minutes=idle_minutes):
        return IDLE
    return None


def due_for_touch(last_written: datetime | None, now: datetime) -> bool:
    """Whether this use is worth writing down (the last write was a minute or more ago)."""
    return last_written is None or now - last_written >= TOUCH_EVERY
