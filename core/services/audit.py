"""The append-only audit log: writers append, nobody edits or deletes.

Every event is chained (core.audit_chain): new events wait until their transaction
commits, then take the chain's lock (the counters row 'audit_chain', the last lock the
transaction takes), follow the newest stored event and are inserted in order.

Reads of a couple are audited per page view: read services call `record_read`, which
adds to the page run's collector (`page_view`, opened by app.py around every page) and
writes one `case_viewed` event per couple when the run ends; outside a page run it writes
at once. A refused attempt on a couple (core.services.access) is audited the same way,
in its own transaction, so the refused call's rollback does not take it along.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, event, select
from sqlalchemy import inspect as orm_state
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core import audit_chain
from core.db import Database, dialect_insert, is_read_only_error, like_pattern
from core.domain import (
    ACCESS_REFUSED,
    ACCOUNT_ROLE_LABELS,
    AUDIT_ACTION_LABELS,
    AUDIT_DETAIL_LABELS,
    AUDIT_ENTITY_LABELS,
    CASE_READ_LABELS,
    CASE_VIEWED,
    REFUSED_LABELS,
    CaseRead,
    Role,
    words,
)
from core.errors import ReadOnlyDatabase
from core.models import AuditEvent, Counter, Couple, utcnow
from core.queries import audit as queries
from core.services.access import Actor, load_couple, require_active, require_role, require_view

log = logging.getLogger(__name__)
_WAITING = "mend_audit_waiting"
# A rerun of the same page (a click) within this time does not log the same reads again.
READ_REPEAT = timedelta(minutes=10)
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


# --- the chain ------------------------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _hold_back_new_events(session: Session, _context: Any, _instances: Any) -> None:
    """New audit events wait for the commit; only chained ones (hash set) are flushed."""
    new = [e for e in session.new if isinstance(e, AuditEvent) and e.hash is None]
    if not new:
        return
    waiting = session.info.setdefault(_WAITING, [])
    for waiting_event in sorted(new, key=lambda e: orm_state(e).insert_order):
        session.expunge(waiting_event)
        waiting.append(waiting_event)


@event.listens_for(Session, "before_commit")
def _append_to_chain(session: Session) -> None:
    session.flush()  # every other write first: the chain's lock is the transaction's last
    waiting = session.info.pop(_WAITING, None)
    if not waiting:
        return
    counters = Counter.__table__
    insert = dialect_insert(session)(counters).values(
        name=audit_chain.CHAIN_COUNTER, value=len(waiting)
    )
    session.execute(  # locks the chain until this transaction ends (on SQLite: the write lock)
        insert.on_conflict_do_update(
            index_elements=[counters.c.name],
            set_={"value": counters.c.value + len(waiting)},
        )
    )
    newest = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    previous = audit_chain.GENESIS if newest is None else (newest.hash or "")
    for waiting_event in waiting:
        waiting_event.at = waiting_event.at or utcnow()
        waiting_event.detail = waiting_event.detail or ""
        waiting_event.prev_hash = previous
        waiting_event.hash = previous = audit_chain.link(
            previous,
            audit_chain.canonical(
                waiting_event.at,
                waiting_event.actor_id,
                waiting_event.actor_username,
                waiting_event.action,
                waiting_event.entity,
                waiting_event.entity_id,
                waiting_event.detail,
            ),
        )
        session.add(waiting_event)
        session.flush()  # one at a time: ids follow the chain's order


@event.listens_for(Session, "after_soft_rollback")
def _drop_waiting(session: Session, _previous: Any) -> None:
    session.info.pop(_WAITING, None)


def verify_chain(db: Database) -> audit_chain.Verdict:
    """Walk every event in id order (operators: `python -m core.cli verify-audit`)."""
    columns = [getattr(AuditEvent, name) for name in audit_chain.ChainedRow.__annotations__]
    with db.read() as session:
        chained = session.scalar(
            select(Counter.value).where(Counter.name == audit_chain.CHAIN_COUNTER)
        )
        rows = session.execute(select(*columns).order_by(AuditEvent.id)).yield_per(1000)
        return audit_chain.walk((audit_chain.ChainedRow(*row) for row in rows), chained)


# --- reads and refusals, one event per couple and page view --------------------------------


@dataclass
class _PageReads:
    actor: Actor
    viewed: dict[int, set[str]] = field(default_factory=dict)
    refused: dict[tuple[int, str], str] = field(default_factory=dict)  # (couple, doing): code


_page: ContextVar[_PageReads | None] = ContextVar("mend_page_reads", default=None)


def record_read(db: Database, actor: Actor, couple_id: int, what: CaseRead | str) -> None:
    """`actor` read part `what` of a couple (after its access check): one event per couple
    and page view lists every part read; outside a page run, one event now. Reports and
    exports call this too (what=CaseRead.REPORT / CaseRead.EXPORT)."""
    part = CaseRead(what).value
    page = _page.get()
    if page is not None and page.actor.id == actor.id:
        page.viewed.setdefault(couple_id, set()).add(part)
        return
    _append(db, [_viewed_event(actor, couple_id, {part})])


def record_refusal(bind: Any, actor: Actor, couple_id: int, case_code: str, doing: str) -> None:
    """A refused attempt on a couple (access.require_view / require_edit), written in its
    own transaction on `bind` (the refused call's engine) or with its page view."""
    page = _page.get()
    if page is not None and page.actor.id == actor.id:
        page.refused[(couple_id, doing)] = case_code
        return
    _append_now(bind, [_refused_event(actor, couple_id, case_code, doing)])


@contextmanager
def page_view(
    db: Database, actor: Actor | None, *, page: str, memory: MutableMapping[str, Any]
) -> Iterator[None]:
    """Collect the couple reads and refusals of one page run and write them when it ends.
    `memory` (the browser session's) keeps what this page already logged: a rerun of the
    same page with the same reads within READ_REPEAT logs nothing new."""
    if actor is None:
        yield
        return
    reads = _PageReads(actor)
    token = _page.set(reads)
    failed = False
    try:
        yield
    except BaseException:
        failed = True  # st.stop and st.rerun end a run this way too
        raise
    finally:
        _page.reset(token)
        try:
            _write_page(db, reads, page, memory)
        except Exception:
            if not failed:
                raise
            log.exception("could not write the audit events of a failed page run")


def _write_page(
    db: Database, reads: _PageReads, page: str, memory: MutableMapping[str, Any]
) -> None:
    now = utcnow()
    logged: dict[int, tuple[frozenset[str], datetime]] = (
        memory.get("logged", {}) if memory.get("page") == page else {}
    )
    fresh = {
        couple_id: frozenset(parts)
        for couple_id, parts in reads.viewed.items()
        if not (
            (last := logged.get(couple_id)) and parts <= last[0] and now - last[1] < READ_REPEAT
        )
    }
    events = [_viewed_event(reads.actor, i, parts) for i, parts in fresh.items()]
    events += [
        _refused_event(reads.actor, couple_id, code, doing)
        for (couple_id, doing), code in reads.refused.items()
    ]
    if events:
        _append(db, events)
    memory["page"], memory["logged"] = page, logged | {i: (p, now) for i, p in fresh.items()}


def _viewed_event(actor: Actor, couple_id: int, parts: set[str] | frozenset[str]) -> AuditEvent:
    order = list(CaseRead)
    viewed = sorted(parts, key=lambda part: order.index(CaseRead(part)))
    return _couple_event(actor, CASE_VIEWED, couple_id, {"viewed": viewed})


def _refused_event(actor: Actor, couple_id: int, case_code: str, doing: str) -> AuditEvent:
    return _couple_event(actor, ACCESS_REFUSED, couple_id, {"case_code": case_code, "doing": doing})


def _couple_event(actor: Actor, action: str, couple_id: int, detail: dict[str, Any]) -> AuditEvent:
    return AuditEvent(
        actor_id=actor.id,
        actor_username=actor.username,
        action=action,
        entity="couple",
        entity_id=str(couple_id),
        detail=detail,  # made JSON with the case code in _append_now
    )


def _append(db: Database, events: list[AuditEvent]) -> None:
    """Append `events` in a transaction of their own (a read's: nothing else to commit).
    In read-only mode reads go on: the server log keeps them instead."""
    try:
        with db.transaction() as session:
            _add_with_case_codes(session, events)
    except ReadOnlyDatabase:
        _log_unrecorded(events)


def _append_now(bind: Engine | Any, events: list[AuditEvent]) -> None:
    """Append `events` in a transaction of their own on `bind` (a refused call's engine
    or connection, whose own transaction rolls back)."""
    try:
        with Session(bind) as session, session.begin():
            _add_with_case_codes(session, events)
    except DBAPIError as error:
        if not is_read_only_error(error):
            raise
        _log_unrecorded(events)


def _log_unrecorded(events: list[AuditEvent]) -> None:
    for unrecorded in events:
        log.warning(
            "Read-only mode: account %s %s couple %s; not in the audit log",
            unrecorded.actor_id,
            "was refused" if unrecorded.action == ACCESS_REFUSED else "read",
            unrecorded.entity_id,
        )


def _add_with_case_codes(session: Session, events: list[AuditEvent]) -> None:
    """Add `events` to `session`; each detail gets its couple's case code."""
    ids = {int(e.entity_id) for e in events if e.entity_id is not None}
    found = session.execute(select(Couple.id, Couple.case_code).where(Couple.id.in_(ids)))
    codes = {couple_id: code for couple_id, code in found}
    for pending in events:
        detail = dict(pending.detail) if isinstance(pending.detail, dict) else {}
        detail.setdefault("case_code", codes.get(int(pending.entity_id or 0), ""))
        pending.detail = json.dumps(detail, sort_keys=True)
        session.add(pending)


def list_events(
    db: Database,
    actor: Actor,
    *,
    action: str | None = None,
    username: str | None = None,
    since: date | None = None,
    until: date | None = None,
    case_code: str | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """Newest first; admins only. `case_code`: only events about that couple (every event
    about a couple names its case code in its detail)."""
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
    if case_code and case_code.strip():
        named = like_pattern(json.dumps({"case_code": case_code.strip().upper()})[1:-1])
        query = query.where(AuditEvent.detail.like(named, escape="\\"))
    if since:
        query = query.where(AuditEvent.at >= _start_of(since))
    if until:
        query = query.where(AuditEvent.at < _start_of(until + timedelta(days=1)))
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    with db.read() as session:
        require_active(session, actor)
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
        require_active(session, actor)
        return list(
            session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
        )


CASE_VIEW_COLUMNS = ["at", "name", "role", "what"]


def case_views(db: Database, actor: Actor, couple_id: int, *, limit: int = 200) -> pd.DataFrame:
    """Who looked at this case, newest first: when (UTC), name, role and what they read
    (or tried). For the couple's counsellor, supervisors and admins."""
    with db.read() as session:
        require_active(session, actor)
        require_view(actor, load_couple(session, couple_id))
        frame = queries.case_views(session, couple_id, limit=limit)
    details = [json.loads(text) if text else {} for text in frame["detail"]]
    return pd.DataFrame(
        {
            "at": frame["at"],
            "name": frame["name"].fillna(frame["username"]),
            "role": [ACCOUNT_ROLE_LABELS.get(Role(r), "") if r else "" for r in frame["role"]],
            "what": [
                _what(action, detail)
                for action, detail in zip(frame["action"], details, strict=True)
            ],
        },
        columns=CASE_VIEW_COLUMNS,
    )


def _what(action: str, detail: dict[str, Any]) -> str:
    if action == ACCESS_REFUSED:
        return REFUSED_LABELS.get(detail.get("doing", ""), REFUSED_LABELS["open"])
    return ", ".join(CASE_READ_LABELS[CaseRead(part)] for part in detail.get("viewed", []))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
