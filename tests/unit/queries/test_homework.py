"""Homework queries (core.queries.homework): SELECTs inside a caller's session, with the
caseload as a scope clause. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, true

from core.db import Database
from core.errors import NotFound
from core.models import Couple
from core.queries import homework as queries
from core.services import homework
from core.services.access import caseload_scope
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.homework_support import DAY, TODAY, WEEK, add_session, give


def test_overdue_query_joins_into_a_caseload_listing(
    db: Database, team: Team, caseload: dict[str, int]
) -> None:
    overdue = queries.overdue_query(TODAY).subquery()
    with db.read() as session:
        rows = session.execute(
            select(Couple.case_code, func.coalesce(overdue.c.overdue, 0))
            .outerjoin(overdue, overdue.c.couple_id == Couple.id)
            .order_by(Couple.case_code)
        ).all()
    # C-0002 is closed: its homework no longer counts as overdue.
    assert [tuple(row) for row in rows] == [("C-0001", 1), ("C-0002", 0), ("C-0003", 1)]


def test_overdue_counts_and_homework_due_take_the_scope(
    db: Database, team: Team, caseload: dict[str, int]
) -> None:
    with db.read() as session:
        assert queries.overdue_counts(session, caseload_scope(team.alice), TODAY) == {
            caseload["alice"]: 1
        }
        assert queries.overdue_counts(session, true(), TODAY) == {
            caseload["alice"]: 1,
            caseload["bruno"]: 1,
        }
        only_pia = Couple.id == caseload["bruno"]
        assert queries.overdue_counts(session, only_pia, TODAY) == {caseload["bruno"]: 1}
        due = queries.homework_due(session, caseload_scope(team.bruno), TODAY).rows
        everyone = queries.homework_due(session, true(), TODAY).rows
    assert list(due.columns) == queries.DUE_COLUMNS
    assert due["case_code"].tolist() == ["C-0003"] and due["partners"].tolist() == ["Pia & Lou"]
    assert everyone["case_code"].tolist() == ["C-0003", "C-0001", "C-0001"]


def test_couple_assignments_open_first_then_newest(
    db: Database, team: Team, couple: CoupleView
) -> None:
    first = give(db, team, couple, "apology-letter", target="B", due_on=TODAY + DAY)
    homework.record_completion(db, team.alice, first.id, "B", TODAY, {})
    later = give(db, team, couple, "self-care-support-plan", target="A", due_on=TODAY + 2 * DAY)
    homework.set_status(
        db, team.alice, later.id, "skipped", skip_reason="x", expected_version=later.version
    )
    talk = give(db, team, couple, "state-of-the-union", due_on=TODAY + 3 * DAY)
    with db.read() as session:
        views = queries.couple_assignments(session, couple.id)
        frame = queries.couple_homework(session, couple.id, TODAY)
        due = queries.due_for_review(session, couple.id, TODAY + WEEK)
        with pytest.raises(NotFound):
            queries.assignment_view(session, 9999)
    assert [view.id for view in views] == [talk.id, later.id, first.id]
    assert frame["id"].tolist() == [talk.id, later.id, first.id]
    assert [view.id for view in due] == [talk.id]
    assert views[2].completions == 1 and views[2].partners == (("B", "Lou"),)


def test_assignment_detail_reads_the_given_version_and_completions(
    db: Database, team: Team, couple: CoupleView
) -> None:
    talk = give(db, team, couple, "state-of-the-union", assigned_on=TODAY - WEEK)
    prompt = talk.prompts[0]
    homework.record_completion(db, team.alice, talk.id, "B", TODAY, {prompt: " Calm "})
    homework.record_completion(db, team.alice, talk.id, "A", TODAY - DAY, {})
    with db.read() as session:
        detail = queries.assignment_detail(session, queries.assignment_view(session, talk.id))
    assert detail.exercise.version_id == talk.version_id
    assert [(c.partner_label, c.answers) for c in detail.completions] == [
        ("A", {}),
        ("B", {prompt: "Calm"}),
    ]


def test_adherence_inputs_are_the_frames_core_adherence_takes(
    db: Database, team: Team, couple: CoupleView
) -> None:
    log = give(db, team, couple, "kept-promises-log", target="B", assigned_on=TODAY - DAY)
    homework.record_completion(db, team.alice, log.id, "B", TODAY, {})
    with db.read() as session:
        given, done = queries.adherence_inputs(session, couple.id)
        dates = queries.recent_session_dates(session, couple.id)
        taken = queries.given_exercises(session, couple.id)
    assert given.to_dict("records") == [
        {
            "id": log.id,
            "target": "B",
            "frequency": "daily",
            "assigned_on": TODAY - DAY,
            "due_on": TODAY + WEEK,
            "status": "in_progress",
            "paused_from": None,
            "paused_until": None,
        }
    ]
    assert done.to_dict("records") == [
        {"assignment_id": log.id, "partner_label": "B", "completed_on": TODAY}
    ]
    assert dates == []
    assert taken == [("kept-promises-log", "5", "in_progress")]


def test_recent_session_dates_are_the_latest_distinct_ones(
    db: Database, team: Team, couple: CoupleView
) -> None:
    days = [TODAY - timedelta(days=7 * weeks) for weeks in range(8)]
    for day in [*days, days[0]]:
        add_session(db, couple.id, team.alice.id, day)
    with db.read() as session:
        assert queries.recent_session_dates(session, couple.id) == days[: queries.RECENT_SESSIONS]


def test_adherence_inputs_come_in_one_order_whatever_the_order_they_were_saved(
    db: Database, team: Team, couple: CoupleView
) -> None:
    """The Progress tab keeps the adherence keyed by these rows: PostgreSQL returned the
    completions of one couple in a different order from one read to the next, so the
    key never matched at 20,000 couples and every run recomputed it."""
    first = give(db, team, couple, "state-of-the-union", assigned_on=TODAY - 2 * DAY)
    second = give(db, team, couple, "state-of-the-union", assigned_on=TODAY - DAY)
    homework.record_completion(db, team.alice, second.id, "B", TODAY, {})
    homework.record_completion(db, team.alice, first.id, "B", TODAY, {})
    homework.record_completion(db, team.alice, first.id, "A", TODAY, {})
    with db.read() as session:
        given, done = queries.adherence_inputs(session, couple.id)
    assert given["id"].tolist() == sorted([first.id, second.id])
    assert list(zip(done["assignment_id"], done["partner_label"], strict=True)) == sorted(
        [(first.id, "A"), (first.id, "B"), (second.id, "B")]
    )
