"""The audit log's hash chain, pure: each event's hash covers its content and the hash of
the event before it, so an edited, removed or forged event breaks the chain from there.

hash = sha256(prev_hash + canonical(event)); the first event follows GENESIS. Events are
chained in id order (core.services.audit appends them one transaction at a time), and a
counter (counters row 'audit_chain') keeps how many were chained, so a removed tail shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64
CHAIN_COUNTER = "audit_chain"


@dataclass(frozen=True)
class ChainedRow:
    """What the chain covers of one audit event, with its stored links."""

    id: int
    at: datetime
    actor_id: int | None
    actor_username: str
    action: str
    entity: str
    entity_id: str | None
    detail: str
    prev_hash: str | None
    hash: str | None


def canonical(
    at: datetime,
    actor_id: int | None,
    actor_username: str,
    action: str,
    entity: str,
    entity_id: str | None,
    detail: str,
) -> str:
    """One event's content as one fixed text (the time in UTC, microseconds kept)."""
    moment = at.astimezone(UTC) if at.tzinfo else at
    fields = [moment.isoformat(), actor_id, actor_username, action, entity, entity_id, detail]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def link(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def row_hash(row: ChainedRow, prev_hash: str) -> str:
    return link(
        prev_hash,
        canonical(
            row.at,
            row.actor_id,
            row.actor_username,
            row.action,
            row.entity,
            row.entity_id,
            row.detail,
        ),
    )


@dataclass(frozen=True)
class Verdict:
    """The outcome of walking the chain: `broken_at` is None when it holds."""

    rows: int
    head: str
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not self.problem


def walk(rows: Iterable[ChainedRow], chained: int | None) -> Verdict:
    """Check every row in id order; stop at the first that does not hold. `chained`: how
    many events the counter says were appended (None: no counter row)."""
    previous, previous_id, count = GENESIS, None, 0
    for row in rows:
        count += 1
        if row.prev_hash != previous:
            after = f"event #{previous_id}" if previous_id else "the start of the log"
            return Verdict(
                count,
                previous,
                row.id,
                f"event #{row.id} does not follow {after}: an event between them was "
                "removed, or this one was inserted outside the chain",
            )
        if row.hash != row_hash(row, previous):
            return Verdict(
                count,
                previous,
                row.id,
                f"event #{row.id} does not match its hash: it was edited or forged",
            )
        previous, previous_id = row.hash, row.id
    if chained is not None and chained != count:
        return Verdict(
            count,
            previous,
            None,
            f"{chained} events were chained but {count} are stored: "
            + ("events at the end were removed" if chained > count else "events were added"),
        )
    return Verdict(count, previous)
