"""Remembered logins: a reload or a new tab of the same browser stays logged in.

The browser keeps a random token in a cookie; the `login_sessions` table keeps only its
sha256 (core.login_tokens), with the account, the role it was opened with and when it
was last used. A remembered login resumes only while it is not revoked, the account is
active with the same role, and it was used within MEND_IDLE_MINUTES. Logout,
deactivation, a password reset and the idle timeout revoke it at once, server-side, so an
old cookie is useless."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.config import load_settings
from core.db import Database
from core.login_tokens import (
    TOUCH_EVERY,
    looks_like_token,
    new_token,
    resume_refusal,
    token_hash,
)
from core.models import Counsellor, LoginSession, utcnow
from core.services import audit
from core.services.access import Actor


def open_session(session: Session, actor: Actor, now: datetime) -> str:
    """A new remembered login in the caller's transaction; the token for the cookie (the
    only time it exists in clear)."""
    token = new_token()
    session.add(
        LoginSession(
            account_id=actor.id,
            token_hash=token_hash(token),
            role=actor.role,
            created_at=now,
            last_seen_at=now,
        )
    )
    return token


def resume(db: Database, token: object, *, now: datetime | None = None) -> Actor | str:
    """The account a cookie's token logs in again (audited as a resumed session), or why
    not ("unknown", or a core.login_tokens reason). A login idle past the timeout, or whose
    account was deactivated or changed role, is revoked on the way."""
    now = now or utcnow()
    if not looks_like_token(token):
        return "unknown"
    assert isinstance(token, str)
    with db.transaction() as session:
        hashed = token_hash(token)
        row = session.scalar(select(LoginSession).where(LoginSession.token_hash == hashed))
        if row is None:
            return "unknown"
        user = session.get(Counsellor, row.account_id)
        assert user is not None  # accounts are deactivated, never deleted
        refusal = resume_refusal(
            revoked=row.revoked_at is not None,
            active=user.active,
            role_then=row.role,
            role_now=user.role,
            last_seen=row.last_seen_at,
            now=now,
            idle_minutes=load_settings().idle_minutes,
        )
        actor = Actor.of(user)
        if refusal is not None:
            if row.revoked_at is None:
                _revoke(session, LoginSession.id == row.id, refusal, now)
                audit.record(session, actor, "logout", "account", user.id, {"reason": refusal})
            return refusal
        row.last_seen_at = now
        audit.record(session, actor, "login_resumed", "account", user.id)
        return actor


def in_force(db: Database, actor: Actor, token: str) -> bool:
    """Whether an open tab's remembered login still stands (not revoked in another tab,
    by an administrator or by a reset)."""
    with db.read() as session:
        revoked_at = session.execute(
            select(LoginSession.revoked_at).where(
                LoginSession.token_hash == token_hash(token),
                LoginSession.account_id == actor.id,
            )
        ).one_or_none()
    return revoked_at is not None and revoked_at[0] is None


def touch(db: Database, token: str, *, now: datetime | None = None) -> None:
    """Note that the login is in use; written at most once a minute (TOUCH_EVERY)."""
    now = now or utcnow()
    with db.transaction() as session:
        session.execute(
            update(LoginSession)
            .where(
                LoginSession.token_hash == token_hash(token),
                LoginSession.revoked_at.is_(None),
                LoginSession.last_seen_at <= now - TOUCH_EVERY,
            )
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )


def revoke_token(session: Session, actor: Actor, token: str, reason: str, now: datetime) -> None:
    """End one remembered login of `actor` (logout, idle): a token of another account is
    left alone."""
    where = (LoginSession.token_hash == token_hash(token)) & (LoginSession.account_id == actor.id)
    _revoke(session, where, reason, now)


def revoke_account(session: Session, account_id: int, reason: str, now: datetime) -> int:
    """End every remembered login of an account (deactivated, password reset); how many."""
    return _revoke(session, LoginSession.account_id == account_id, reason, now)


def _revoke(session: Session, where: object, reason: str, now: datetime) -> int:
    result = session.execute(
        update(LoginSession)
        .where(where, LoginSession.revoked_at.is_(None))  # type: ignore[arg-type]
        .values(revoked_at=now, revoke_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
