"""The clinic's reference in force: reliable-change constants and the expected band as a
stored, dated snapshot, so statuses do not shift with every new rating and a past status
can be explained by the constants of its day.

A snapshot is computed from every rating in the clinic and appended (never changed):
  - at the first start (`python -m core.cli init-db`, reason "first start") or else the
    first time the reference is read (reason "first computed"),
  - when it is read and the latest is older than MEND_REFERENCE_MAX_AGE_DAYS (default 7),
  - when a supervisor or admin asks (`recompute_reference`),
  - on a schedule: `python -m core.cli refresh-reference` (cron).
Each one is audited. Re-exported by core.services.progress_views, where the pages use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import frame_codec, progress
from core.config import load_settings
from core.db import Database
from core.domain import Role
from core.errors import NotFound
from core.models import ReferenceSnapshot, utcnow
from core.queries import ratings as rating_queries
from core.queries import reference as reference_queries
from core.services import audit
from core.services.access import Actor, require_active, require_role

FIRST_COMPUTED = "first computed"
FIRST_START = "first start"  # stored by `python -m core.cli init-db`
SCHEDULE = "schedule"
SYSTEM_NAME = "system"  # who computed the snapshots nobody asked for
AUDIT_ACTION = "reference_computed"
# Serialises the "none yet or too old" check-then-store on PostgreSQL (an arbitrary key).
_ADVISORY_LOCK = 0x4D454E44


@dataclass(frozen=True)
class ClinicReference:
    """Constants and expected band from the whole clinic's ratings (aggregates only), as
    stored in snapshot `snapshot_id` at `computed_at` (UTC). A reference built in memory
    (tests, what-if analyses) has no snapshot: None and ""."""

    constants: pd.DataFrame
    band: pd.DataFrame
    computed_at: datetime | None = None
    snapshot_id: int | None = None
    reason: str = ""
    n_couples: int = 0
    n_ratings: int = 0

    def judging(self, today: date) -> tuple[int, date]:
        """What a status judged by this reference on `today` is keyed by in the caches."""
        # A reference built in memory has no snapshot id: its identity keys it instead.
        return (self.snapshot_id or id(self), today)


def requested_by(actor: Actor) -> str:
    return f"requested by {actor.username}"


def too_old(days: int) -> str:
    return f"automatic: the latest was over {days} day{'s' if days != 1 else ''} old"


def clinic_reference(db: Database, *, now: datetime | None = None) -> ClinicReference:
    """The latest stored snapshot; stores one first when there is none yet or the latest
    is older than the configured age."""
    return reference_snapshot(db, current_reference_id(db, now=now))


def reference_in_force(db: Database, *, now: datetime | None = None) -> int | None:
    """The id of the stored snapshot in force, or None when one must be computed first
    (none yet, or the latest is too old): one cheap query, so a page can tell slow work
    (current_reference_id storing one) from the usual read."""
    with db.read() as session:
        key = reference_queries.latest_key(session)
    if key is None:
        return None
    fresh = _fresh(key, now or utcnow(), load_settings().reference_max_age_days)
    return key[0] if fresh or not db.writable else None  # read-only: the last one stays


def current_reference_id(
    db: Database, *, now: datetime | None = None, first_reason: str = FIRST_COMPUTED
) -> int:
    """The id of the snapshot in force: one cheap query, the key for cached reads. Computes
    and stores a snapshot first when none exists yet (`first_reason`) or the latest is too
    old."""
    in_force = reference_in_force(db, now=now)
    if in_force is not None:
        return in_force
    max_age = load_settings().reference_max_age_days
    now = now or utcnow()
    with db.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(_ADVISORY_LOCK)))
        key = reference_queries.latest_key(session)  # another session may have stored one
        if _fresh(key, now, max_age):
            return key[0]  # type: ignore[index]
        return _store(session, None, first_reason if key is None else too_old(max_age))


def reference_snapshot(db: Database, snapshot_id: int) -> ClinicReference:
    """One stored snapshot, rebuilt exactly as it was computed."""
    with db.read() as session:
        stored = reference_queries.by_id(session, snapshot_id)
    if stored is None:
        raise NotFound(f"There is no reference snapshot #{snapshot_id}.")
    info = stored.info
    return ClinicReference(
        constants=stored.constants,
        band=stored.band,
        computed_at=info.computed_at,
        snapshot_id=info.id,
        reason=info.reason,
        n_couples=info.n_couples,
        n_ratings=info.n_ratings,
    )


def recompute_reference(db: Database, actor: Actor) -> ClinicReference:
    """Compute the reference from every rating now and put it in force (supervisors and
    admins). Statuses are judged against it from the next read on."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN, doing="recompute the clinic's reference")
    with db.transaction() as session:
        require_active(session, actor)
        snapshot_id = _store(session, actor, requested_by(actor))
    return reference_snapshot(db, snapshot_id)


def refresh_reference(db: Database, *, reason: str = SCHEDULE) -> ClinicReference:
    """The system's recompute (python -m core.cli refresh-reference, run by cron)."""
    with db.transaction() as session:
        snapshot_id = _store(session, None, reason)
    return reference_snapshot(db, snapshot_id)


def reference_history(db: Database, actor: Actor, *, limit: int = 20) -> pd.DataFrame:
    """The newest snapshots (without their frames), newest first; supervisors and admins."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN, doing="see the reference's history")
    with db.read() as session:
        require_active(session, actor)
        infos = reference_queries.history(session, limit)
    columns = ["id", "computed_at", "computed_by", "reason", "n_couples", "n_ratings"]
    table = pd.DataFrame([[getattr(info, c) for c in columns] for info in infos], columns=columns)
    table["computed_by"] = table["computed_by"].fillna(SYSTEM_NAME)
    return table


def _fresh(key: tuple[int, datetime] | None, now: datetime, max_age_days: int) -> bool:
    if key is None:
        return False
    return max_age_days <= 0 or now - key[1] <= timedelta(days=max_age_days)


def _store(session: Session, actor: Actor | None, reason: str) -> int:
    """Compute from every rating in the clinic, append the snapshot, audit it."""
    frame = rating_queries.clinic_frame(session)
    constants = progress.clinic_constants(frame)
    band = progress.empirical_band(frame, constants)
    constants_payload, constants_dtypes = frame_codec.encode(constants)
    band_payload, band_dtypes = frame_codec.encode(band)
    row = ReferenceSnapshot(
        computed_at=utcnow(),
        computed_by_id=actor.id if actor else None,
        reason=reason,
        n_couples=int(frame["couple_id"].nunique()),
        n_ratings=len(frame),
        constants=constants_payload,
        band=band_payload,
        dtypes={"constants": constants_dtypes, "band": band_dtypes},
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        AUDIT_ACTION,
        "reference_snapshot",
        row.id,
        {"reason": reason, "n_couples": row.n_couples, "n_ratings": row.n_ratings},
        username=SYSTEM_NAME,
    )
    return row.id
