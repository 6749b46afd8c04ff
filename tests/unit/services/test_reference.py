"""The clinic's reference in force (core.services.reference, re-exported by progress_views)
on SQLite and PostgreSQL: stored once and then read, unchanged by new ratings until a
recompute, recomputed by supervisors and admins only, refreshed when too old, audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pandas.testing import assert_frame_equal
from sqlalchemy import func, select

from core import progress
from core.db import Database
from core.demo import load_demo
from core.errors import NotFound, PermissionDenied
from core.models import AuditEvent, Counsellor, ReferenceSnapshot
from core.queries.ratings import clinic_frame
from core.services import accounts, couples, progress_views, reference
from core.services.access import Actor
from tests.conftest import Team, intake_form
from tests.reference_support import stored_snapshots as snapshots
from tests.unit.queries.test_ratings import add_rating

DAY = timedelta(days=1)


def audited(db: Database) -> list[tuple[str, str, str | None]]:
    with db.read() as session:
        rows = session.execute(
            select(AuditEvent.actor_username, AuditEvent.entity_id, AuditEvent.detail)
            .where(AuditEvent.action == reference.AUDIT_ACTION)
            .order_by(AuditEvent.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def computed_now(db: Database) -> tuple:  # type: ignore[type-arg]
    with db.read() as session:
        frame = clinic_frame(session)
    constants = progress.clinic_constants(frame)
    return constants, progress.empirical_band(frame, constants)


def same_frames(kept: progress_views.ClinicReference, frames: tuple) -> None:  # type: ignore[type-arg]
    assert_frame_equal(kept.constants, frames[0], check_exact=True)
    assert_frame_equal(kept.band, frames[1], check_exact=True)


def demo_account(db: Database, username: str) -> Actor:
    with db.read() as session:
        user = session.scalars(select(Counsellor).where(Counsellor.username == username))
        return Actor.of(user.one())


# --- the first read stores one; later reads return it ---------------------------------------


def test_the_first_read_computes_stores_and_audits_a_snapshot(db: Database, team: Team) -> None:
    first = progress_views.clinic_reference(db)
    assert isinstance(first, progress_views.ClinicReference)
    assert first.snapshot_id is not None and first.reason == reference.FIRST_COMPUTED
    assert first.computed_at is not None and first.computed_at.utcoffset() == timedelta(0)
    assert (first.n_couples, first.n_ratings) == (0, 0)
    same_frames(first, computed_now(db))

    again = progress_views.clinic_reference(db)
    assert again.snapshot_id == first.snapshot_id
    assert snapshots(db) == [(first.snapshot_id, "first computed", None)]
    [(who, entity_id, detail)] = audited(db)
    assert (who, entity_id) == ("system", str(first.snapshot_id)) and "first computed" in detail


def test_a_new_rating_does_not_change_the_reference_until_a_recompute(db: Database) -> None:
    load_demo(db, couples=40, seed=2, today=date(2026, 11, 2))
    supervisor = demo_account(db, "supervisor")
    before = progress_views.clinic_reference(db)
    frames_before = computed_now(db)
    same_frames(before, frames_before)

    counsellor = demo_account(db, "counsellor1")
    couple = couples.create_couple(db, counsellor, intake_form(intake_date=date(2026, 10, 5)))
    for label, total in (("A", 0), ("B", 21)):
        add_rating(db, supervisor, couple, label, date(2026, 10, 5), total)
        add_rating(db, supervisor, couple, label, date(2026, 10, 5), total, "five_cs")

    kept = progress_views.clinic_reference(db)
    assert kept.snapshot_id == before.snapshot_id and kept.n_ratings == before.n_ratings
    same_frames(kept, frames_before)  # not the frames the new ratings would give

    fresh = progress_views.recompute_reference(db, supervisor)
    assert fresh.snapshot_id != before.snapshot_id
    assert fresh.n_ratings == before.n_ratings + 4 and fresh.n_couples == before.n_couples + 1
    same_frames(fresh, computed_now(db))
    assert progress_views.clinic_reference(db).snapshot_id == fresh.snapshot_id
    # The earlier snapshot stays stored, as it was: past statuses can still be explained.
    same_frames(progress_views.reference_snapshot(db, before.snapshot_id), frames_before)  # type: ignore[arg-type]


def test_an_unknown_snapshot_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound, match="#99"):
        progress_views.reference_snapshot(db, 99)


# --- recompute: supervisors and admins, active ones ------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_supervisors_and_admins_recompute(db: Database, team: Team, who: str) -> None:
    actor: Actor = getattr(team, who)
    first = progress_views.clinic_reference(db)
    fresh = progress_views.recompute_reference(db, actor)
    assert fresh.snapshot_id == first.snapshot_id + 1  # type: ignore[operator]
    assert fresh.reason == f"requested by {actor.username}"
    assert snapshots(db)[-1] == (fresh.snapshot_id, fresh.reason, actor.id)
    assert audited(db)[-1][:2] == (actor.username, str(fresh.snapshot_id))
    assert progress_views.clinic_reference(db).snapshot_id == fresh.snapshot_id


def test_counsellors_may_not_recompute(db: Database, team: Team) -> None:
    with pytest.raises(PermissionDenied, match="recompute the clinic's reference"):
        progress_views.recompute_reference(db, team.alice)
    assert snapshots(db) == []


def test_a_deactivated_supervisor_may_not_recompute(db: Database, team: Team) -> None:
    accounts.set_active(db, team.admin, team.supervisor.id, False)
    with pytest.raises(PermissionDenied, match="no longer active"):
        progress_views.recompute_reference(db, team.supervisor)  # the Actor still says supervisor
    assert snapshots(db) == [] and audited(db) == []


def test_the_history_is_for_supervisors_and_admins(db: Database, team: Team) -> None:
    first = progress_views.clinic_reference(db)
    fresh = progress_views.recompute_reference(db, team.admin)
    history = progress_views.reference_history(db, team.supervisor)
    assert history["id"].tolist() == [fresh.snapshot_id, first.snapshot_id]
    assert history["computed_by"].tolist() == [team.admin.display_name, "system"]
    with pytest.raises(PermissionDenied):
        progress_views.reference_history(db, team.alice)


# --- the schedule and the age-based refresh ----------------------------------------------------


def test_the_scheduled_refresh_stores_a_system_snapshot(db: Database) -> None:
    fresh = reference.refresh_reference(db)
    assert fresh.reason == reference.SCHEDULE == "schedule"
    assert snapshots(db) == [(fresh.snapshot_id, "schedule", None)]


def test_a_snapshot_older_than_the_maximum_age_is_refreshed_when_read(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MEND_REFERENCE_MAX_AGE_DAYS", raising=False)
    first = progress_views.clinic_reference(db)
    assert first.computed_at is not None
    at_seven_days = first.computed_at + 7 * DAY
    assert progress_views.clinic_reference(db, now=at_seven_days).snapshot_id == first.snapshot_id

    later = progress_views.clinic_reference(db, now=at_seven_days + DAY)
    assert later.snapshot_id != first.snapshot_id
    assert later.reason == "automatic: the latest was over 7 days old"
    # The new one is dated when it was computed (now, for real) and is in force from then.
    assert later.computed_at is not None and later.computed_at < at_seven_days
    assert progress_views.clinic_reference(db, now=later.computed_at).snapshot_id == (
        later.snapshot_id
    )
    assert len(snapshots(db)) == 2 and len(audited(db)) == 2


def test_the_maximum_age_is_configurable(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEND_REFERENCE_MAX_AGE_DAYS", "1")
    first = progress_views.clinic_reference(db)
    assert first.computed_at is not None
    refreshed = progress_views.clinic_reference(db, now=first.computed_at + 2 * DAY)
    assert refreshed.reason == "automatic: the latest was over 1 day old"

    monkeypatch.setenv("MEND_REFERENCE_MAX_AGE_DAYS", "0")  # off: schedule and supervisors only
    far = first.computed_at + 400 * DAY
    assert progress_views.clinic_reference(db, now=far).snapshot_id == refreshed.snapshot_id

    monkeypatch.setenv("MEND_REFERENCE_MAX_AGE_DAYS", "a week")
    with pytest.raises(ValueError, match="MEND_REFERENCE_MAX_AGE_DAYS must be a whole number"):
        progress_views.clinic_reference(db)


def test_the_cache_key_is_the_snapshot_in_force(db: Database) -> None:
    key = progress_views.current_reference_id(db)
    assert progress_views.current_reference_id(db) == key
    assert progress_views.clinic_reference(db).snapshot_id == key
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ReferenceSnapshot)) == 1


def test_the_snapshot_in_force_is_read_without_computing_one(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """reference_in_force (what a page checks before it shows a spinner) never stores one:
    None while there is none or the latest is too old, and then current_reference_id
    computes it."""
    monkeypatch.setenv("MEND_REFERENCE_MAX_AGE_DAYS", "1")
    assert progress_views.reference_in_force(db) is None
    assert snapshots(db) == []
    first = progress_views.clinic_reference(db)
    assert first.computed_at is not None
    assert progress_views.reference_in_force(db) == first.snapshot_id
    later = first.computed_at + 2 * DAY
    assert progress_views.reference_in_force(db, now=later) is None
    assert len(snapshots(db)) == 1
    assert progress_views.current_reference_id(db, now=later) != first.snapshot_id
    assert len(snapshots(db)) == 2


def test_a_read_only_database_keeps_its_latest_snapshot_in_force(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEND_REFERENCE_MAX_AGE_DAYS", "1")
    first = progress_views.clinic_reference(db)
    assert first.computed_at is not None
    monkeypatch.setattr(db, "_writable", False)
    assert progress_views.reference_in_force(db, now=first.computed_at + 9 * DAY) == (
        first.snapshot_id
    )


def test_a_reference_built_in_memory_still_works(db: Database) -> None:
    """Callers that build a ClinicReference from frames (analyses, tests) keep working."""
    constants, band = computed_now(db)
    built = progress_views.ClinicReference(constants, band)
    assert built.snapshot_id is None and built.computed_at is None and built.reason == ""
