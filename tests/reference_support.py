"""Shared by the reference-snapshot tests: what is stored, read straight from the table."""

from __future__ import annotations

from sqlalchemy import select

from core.db import Database
from core.models import ReferenceSnapshot


def stored_snapshots(db: Database) -> list[tuple[int, str, int | None]]:
    """(id, reason, computed_by_id) of every stored snapshot, oldest first."""
    with db.read() as session:
        rows = session.execute(
            select(
                ReferenceSnapshot.id, ReferenceSnapshot.reason, ReferenceSnapshot.computed_by_id
            ).order_by(ReferenceSnapshot.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]
