"""The clinic's stored reference snapshots (constants and expected band) as frames.

latest_key(session)               (id, computed_at) of the newest snapshot, or None: one
                                  cheap query, the key for cached reads
latest(session)                   the newest snapshot with its frames, or None
by_id(session, snapshot_id)       one snapshot with its frames, or None
history(session, limit)           the newest snapshots without their frames (newest first)

Snapshots are written by core.services.reference and never changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core import frame_codec
from core.models import Counsellor, ReferenceSnapshot


@dataclass(frozen=True)
class SnapshotInfo:
    """What a snapshot is, without its frames."""

    id: int
    computed_at: datetime  # UTC
    computed_by: str | None  # the user's display name; None for the system
    reason: str
    n_couples: int
    n_ratings: int


@dataclass(frozen=True)
class StoredReference:
    info: SnapshotInfo
    constants: pd.DataFrame
    band: pd.DataFrame


# Newest = highest id: rows are only ever appended, so ids follow the order of storing.
INFO_COLUMNS = (
    ReferenceSnapshot.id,
    ReferenceSnapshot.computed_at,
    Counsellor.display_name.label("computed_by"),
    ReferenceSnapshot.reason,
    ReferenceSnapshot.n_couples,
    ReferenceSnapshot.n_ratings,
)


def latest_key(session: Session) -> tuple[int, datetime] | None:
    row = session.execute(
        select(ReferenceSnapshot.id, ReferenceSnapshot.computed_at)
        .order_by(ReferenceSnapshot.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row.id, row.computed_at)


def latest(session: Session) -> StoredReference | None:
    key = latest_key(session)
    return None if key is None else by_id(session, key[0])


def by_id(session: Session, snapshot_id: int) -> StoredReference | None:
    row = session.execute(
        _info_query()
        .add_columns(ReferenceSnapshot.constants, ReferenceSnapshot.band, ReferenceSnapshot.dtypes)
        .where(ReferenceSnapshot.id == snapshot_id)
    ).first()
    if row is None:
        return None
    return StoredReference(
        info=SnapshotInfo(*row[: len(INFO_COLUMNS)]),
        constants=frame_codec.decode(row.constants, row.dtypes["constants"]),
        band=frame_codec.decode(row.band, row.dtypes["band"]),
    )


def history(session: Session, limit: int = 20) -> list[SnapshotInfo]:
    rows = session.execute(_info_query().order_by(ReferenceSnapshot.id.desc()).limit(limit))
    return [SnapshotInfo(*row) for row in rows]


def _info_query() -> Select[Any]:
    return select(*INFO_COLUMNS).outerjoin(
        Counsellor, Counsellor.id == ReferenceSnapshot.computed_by_id
    )
