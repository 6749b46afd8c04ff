"""The stored reference snapshots (core.queries.reference) on SQLite and PostgreSQL: the
newest one, one by id, the history, frames rebuilt exactly, and the append-only guard."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pandas.testing import assert_frame_equal
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core import progress
from core.db import Database
from core.demo import load_demo
from core.models import ReferenceSnapshot
from core.queries import reference as reference_queries
from core.queries.ratings import clinic_frame
from core.services import reference
from tests.conftest import Team


def exactly(left, right) -> None:  # type: ignore[no-untyped-def]
    assert_frame_equal(left, right, check_exact=True, check_index_type=True)


def test_an_empty_clinic_has_no_snapshot(db: Database) -> None:
    with db.read() as session:
        assert reference_queries.latest_key(session) is None
        assert reference_queries.latest(session) is None
        assert reference_queries.by_id(session, 1) is None
        assert reference_queries.history(session) == []


def test_latest_by_id_and_history(db: Database, team: Team) -> None:
    first = reference.refresh_reference(db, reason="first computed")
    second = reference.recompute_reference(db, team.supervisor)
    with db.read() as session:
        key = reference_queries.latest_key(session)
        newest = reference_queries.latest(session)
        older = reference_queries.by_id(session, first.snapshot_id)  # type: ignore[arg-type]
        history = reference_queries.history(session)
    assert key == (second.snapshot_id, second.computed_at)
    assert newest is not None and newest.info.id == second.snapshot_id
    assert newest.info.computed_by == team.supervisor.display_name
    assert newest.info.reason == f"requested by {team.supervisor.username}"
    assert older is not None and older.info.computed_by is None
    assert older.info.reason == "first computed"
    assert older.info.computed_at.utcoffset() == timedelta(0)
    assert [info.id for info in history] == [second.snapshot_id, first.snapshot_id]


def test_snapshots_rebuild_the_frames_exactly(db: Database) -> None:
    """On a demo clinic (constants and band estimated from its data), the stored frames
    equal the ones computed from the same ratings, dtypes included."""
    load_demo(db, couples=40, seed=3, today=date(2026, 11, 2))
    with db.read() as session:
        frame = clinic_frame(session)
    constants = progress.clinic_constants(frame)
    band = progress.empirical_band(frame, constants)

    stored = reference.refresh_reference(db)
    with db.read() as session:
        again = reference_queries.latest(session)
    assert again is not None
    for kept in (stored, again):
        exactly(kept.constants, constants)
        exactly(kept.band, band)
    assert (stored.n_couples, stored.n_ratings) == (frame["couple_id"].nunique(), len(frame))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE reference_snapshots SET reason = 'edited'",
        "UPDATE reference_snapshots SET constants = band",
        "DELETE FROM reference_snapshots",
    ],
)
def test_the_database_refuses_to_change_a_snapshot(db: Database, statement: str) -> None:
    reference.refresh_reference(db)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(statement))
    with db.read() as session:
        assert session.scalars(select(ReferenceSnapshot.reason)).all() == ["schedule"]


def test_the_orm_cannot_delete_a_snapshot_either(db: Database) -> None:
    reference.refresh_reference(db)
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as session:
        session.delete(session.scalars(select(ReferenceSnapshot)).one())
