"""The append-only audit log: writers append, nobody edits or deletes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import Database, like_pattern
from core.domain import (
    AUDIT_ACTION_LABELS,
    AUDIT_DETAIL_LABELS,
    AUDIT_ENTITY_LABELS,
    Role,
    words,
)
from core.models import AuditEvent, utcnow
from core.services.access import Actor, require_role

AUDIT_COLUMNS = ["at", "username", "action", "entity", "entity_id", "detail"]


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object | None = None,
    detail: dict[str, Any] | str = "",
    *,
    username: str | None = None,
) -> None:
    """Append one event in the caller's transaction (so it commits with the write)."""
    text = detail if isinstance(detail, str) else json.dumps(detail, default=str, sort_keys=True)
    session.add(
        AuditEvent(
            at=utcnow(),
            actor_id=actor.id if actor else None,
            actor_username=(actor.username if actor else username) or "(unknown)",
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            detail=text,
        )
    )


def list_events(
    db: Database,
    actor: Actor,
    *,
    action: str | None = None,
    username: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """Newest first; admins only."""
    require_role(actor, Role.ADMIN, doing="read the audit log")
    query = select(
        AuditEvent.at,
        AuditEvent.actor_username.label("username"),
        AuditEvent.action,
        AuditEvent.entity,
        AuditEvent.entity_id,
        AuditEvent.detail,
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if username:
        query = query.where(
            AuditEvent.actor_username.ilike(like_pattern(username.strip()), escape="\\")
        )
    if since:
        query = query.where(AuditEvent.at >= _start_of(since))
    if until:
        query = query.where(AuditEvent.at < _start_of(until + timedelta(days=1)))
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    with db.read() as session:
        rows = session.execute(query).all()
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def readable(events: pd.DataFrame) -> pd.DataFrame:
    """`list_events` as a person reads it: actions and records in words, the detail as
    "case: C-0042 · from: assigned · to: done" instead of JSON."""
    shown = events.copy()
    shown["action"] = shown["action"].map(action_label)
    shown["entity"] = shown["entity"].map(lambda e: AUDIT_ENTITY_LABELS.get(e, words(e)))
    shown["detail"] = shown["detail"].map(detail_words)
    return shown


def action_label(action: str) -> str:
    return AUDIT_ACTION_LABELS.get(action, words(action).capitalize())


def detail_words(detail: str | None) -> str:
    """An event's JSON detail in words; plain text stays as it is."""
    try:
        parsed = json.loads(detail or "")
    except ValueError:
        return detail or ""
    if not isinstance(parsed, dict):
        return str(parsed)
    return " · ".join(
        f"{AUDIT_DETAIL_LABELS.get(key, words(key))}: {_value_words(value)}"
        for key, value in parsed.items()
        if value not in (None, "", [], {})
    )


def _value_words(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(words(str(item)) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{words(k)} {v}" for k, v in value.items())
    text = str(value)
    return words(text) if text.isidentifier() else text


def known_actions(db: Database, actor: Actor) -> list[str]:
    require_role(actor, Role.ADMIN, doing="read the audit log")
    with db.read() as session:
        return list(
            session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
        )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
