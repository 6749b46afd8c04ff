"""The couple page's Progress tab kept per couple (progress_views.couple_progress,
progress_charts and couple_status over progress_cache.CoupleMemo), on SQLite and
PostgreSQL: nothing is read or built twice while its inputs stand, and every write that
changes what the tab shows is on the next call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from core.db import Database
from core.domain import CASE_VIEWED
from core.errors import MendError
from core.models import AuditEvent
from core.services import couples, exercises, homework, progress_cache, progress_views, sessions
from core.services.access import Actor
from core.services.couples import CoupleView
from core.services.reference import ClinicReference
from tests.conftest import Team, intake_form
from tests.homework_support import homework_form
from tests.progress_support import rating_reads
from tests.sessions_support import INTAKE, TODAY, session_form


@pytest.fixture
def rated(db: Database, team: Team) -> CoupleView:
    """Alice's couple with two joint sessions with ratings (weeks 0 and 2)."""
    couple = couples.create_couple(db, team.alice, intake_form(intake_date=INTAKE))
    for day in (0, 14):
        sessions.record_session(
            db, team.alice, couple.id, session_form(session_date=INTAKE + timedelta(days=day))
        )
    return couple


@pytest.fixture
def reference(db: Database) -> ClinicReference:
    return progress_views.clinic_reference(db)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    return rating_reads(monkeypatch)


def progress_of(
    db: Database, user: Actor, couple: CoupleView, reference: ClinicReference, **options: Any
) -> progress_views.CoupleProgress:
    return progress_views.couple_progress(
        db, user, couple.id, today=TODAY, reference=reference, **options
    )


def fresh(
    db: Database, user: Actor, couple: CoupleView, reference: ClinicReference, **options: Any
) -> progress_views.CoupleProgress:
    """The same call with nothing kept: what a first view computes."""
    progress_cache.clear(db)
    return progress_of(db, user, couple, reference, **options)


def assert_same(kept: progress_views.CoupleProgress, full: progress_views.CoupleProgress) -> None:
    for name in ("ratings", "changes", "milestones", "partners", "adherence_by_week"):
        pd.testing.assert_frame_equal(getattr(kept, name), getattr(full, name))
    assert (kept.status, kept.reason, kept.asymmetry) == (full.status, full.reason, full.asymmetry)


def test_a_second_view_reads_no_rating_and_equals_a_fresh_one(
    db: Database, team: Team, rated: CoupleView, reference: ClinicReference, reads: list[list[int]]
) -> None:
    first = progress_of(db, team.alice, rated, reference)
    second = progress_of(db, team.supervisor, rated, reference)  # anyone who may see it
    assert reads == [[rated.id]]
    assert second.ratings is first.ratings  # kept, not recomputed
    assert len(second.ratings) == 12  # two sessions, three measures, two partners
    assert_same(second, fresh(db, team.alice, rated, reference))


def test_the_page_is_told_only_when_the_analysis_is_computed(
    db: Database, team: Team, rated: CoupleView, reference: ClinicReference
) -> None:
    """`analysing` (the Progress tab's spinner) wraps the analysis when it is computed,
    and is never entered for a kept one (the usual view)."""
    told: list[str] = []

    @contextmanager
    def analysing() -> Iterator[None]:
        told.append("entered")
        yield

    progress_of(db, team.alice, rated, reference, analysing=analysing)
    assert told == ["entered"]  # nothing kept yet
    progress_of(db, team.supervisor, rated, reference, analysing=analysing)
    assert told == ["entered"]  # kept: nothing to wait for
    sessions.record_session(
        db, team.alice, rated.id, session_form(session_date=INTAKE + timedelta(days=42))
    )
    progress_of(db, team.alice, rated, reference, analysing=analysing)
    assert told == ["entered", "entered"]  # a new rating: analysed again


def test_a_new_rating_is_in_the_next_view(
    db: Database, team: Team, rated: CoupleView, reference: ClinicReference, reads: list[list[int]]
) -> None:
    before = progress_of(db, team.alice, rated, reference)
    figures = progress_views.progress_charts(db, before, "csi4", reference=reference)
    sessions.record_session(
        db, team.alice, rated.id, session_form(session_date=INTAKE + timedelta(days=42))
    )
    after = progress_of(db, team.alice, rated, reference)
    assert reads == [[rated.id], [rated.id]]
    assert len(after.ratings) == len(before.ratings) + 6
    assert progress_views.progress_charts(db, after, "csi4", reference=reference).trend is not (
        figures.trend
    )
    assert_same(after, fresh(db, team.alice, rated, reference))


def test_edited_partners_a_new_day_or_reference_recompute(
    db: Database, team: Team, rated: CoupleView, reference: ClinicReference, reads: list[list[int]]
) -> None:
    progress_of(db, team.alice, rated, reference)
    renamed = intake_form(
        intake_date=INTAKE,
        partner_a={"name": "Kitty", "pronouns": "they/them", "role": "hurt"},
    )
    couples.update_couple(db, team.alice, rated.id, renamed, expected_version=rated.version)
    named = progress_of(db, team.alice, rated, reference)
    assert set(named.ratings["partner_name"]) == {"Kitty", "Lou"}
    assert "Kitty" in named.reason or "Lou" in named.reason
    progress_views.couple_progress(
        db, team.alice, rated.id, today=TODAY + timedelta(days=1), reference=reference
    )
    other = ClinicReference(reference.constants.copy(), reference.band.copy())
    progress_of(db, team.alice, rated, other)
    anonymous = progress_of(db, team.alice, rated, reference, names=False)
    assert set(anonymous.ratings["partner_name"]) == {"Partner A", "Partner B"}
    assert reads == [[rated.id]] * 5


def test_homework_changes_the_adherence_only(
    db: Database, team: Team, rated: CoupleView, reference: ClinicReference, reads: list[list[int]]
) -> None:
    exercises.sync_catalogue(db)
    before = progress_of(db, team.alice, rated, reference)
    assert before.adherence_by_week.empty
    given = homework.assign(
        db,
        team.alice,
        rated.id,
        homework_form(
            db,
            "state-of-the-union",
            assigned_on=TODAY - timedelta(days=7),
            due_on=TODAY + timedelta(days=7),
        ),
        today=TODAY,
    )
    homework.record_completion(db, team.alice, given.id, "A", TODAY, {}, today=TODAY)
    after = progress_of(db, team.alice, rated, reference)
    assert reads == [[rated.id]]  # the ratings' analysis is kept
    assert not after.adherence_by_week.empty
    figures = progress_views.progress_charts(db, after, "csi4", reference=reference)
    assert figures.adherence is not None
    again = progress_of(db, team.alice, rated, reference)
    assert again.adherence_by_week is after.adherence_by_week
    kept = progress_views.progress_charts(db, again, "csi4", reference=reference)
    assert kept.trend is figures.trend and kept.adherence is figures.adherence  # not rebuilt
    assert_same(after, fresh(db, team.alice, rated, reference))


def test_access_is_checked_and_the_read_audited_on_every_call(
    db: Database, team: Team, rated: CoupleView, reference: ClinicReference
) -> None:
    progress_of(db, team.alice, rated, reference)
    with pytest.raises(MendError):
        progress_of(db, team.bruno, rated, reference)  # another counsellor's: refused
    with pytest.raises(MendError):
        progress_views.couple_status(db, team.bruno, rated.id, today=TODAY, reference=reference)
    progress_of(db, team.supervisor, rated, reference)
    with db.read() as session:
        readers = session.scalars(
            select(AuditEvent.actor_username)
            .where(AuditEvent.action == CASE_VIEWED)
            .order_by(AuditEvent.id)
        ).all()
    assert readers == ["alice", "super1"]


def test_the_status_for_the_homework_tab_is_the_progress_tabs(
    db: Database, team: Team, rated: CoupleView, reference: ClinicReference, reads: list[list[int]]
) -> None:
    status = progress_views.couple_status(
        db, team.alice, rated.id, today=TODAY, reference=reference
    )
    assert status == progress_of(db, team.alice, rated, reference).status
    assert reads == [[rated.id]]  # one analysis for both


def test_the_memo_keeps_the_latest_couples_only() -> None:
    memo = progress_cache.CoupleMemo(size=2)
    built: list[int] = []

    def build(value: int) -> int:
        built.append(value)
        return value

    for couple_id in (1, 2, 1, 3, 1, 2):
        assert memo.get(couple_id, "key", lambda c=couple_id: build(c)) == couple_id
    assert built == [1, 2, 3, 2]  # 1 kept as the most recently used; 2 forgotten for 3
    assert len(memo) == 2
    assert memo.get(1, "new key", lambda: build(10)) == 10  # another key: built again
