"""Reading homework (services.homework.reading): a couple's homework and adherence, the
caseload views. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from core.db import Database
from core.errors import PermissionDenied
from core.services import exercises, homework, safety
from core.services.couples import CoupleView
from core.services.homework import (
    DUE_COLUMNS,
    HOMEWORK_COLUMNS,
)
from tests.conftest import Team, audited_writes
from tests.homework_support import (
    DAY,
    TODAY,
    WEEK,
    add_session,
    close_case,
    give,
    homework_form,
    open_concern,
)

# --- reading ---


def test_couple_homework_lists_open_work_first(
    db: Database, team: Team, couple: CoupleView
) -> None:
    late = give(
        db, team, couple, "state-of-the-union", assigned_on=TODAY - 2 * WEEK, due_on=TODAY - WEEK
    )
    soon = give(db, team, couple, "kept-promises-log", target="B", due_on=TODAY + DAY)
    finished = give(db, team, couple, "apology-letter", target="B")
    homework.record_completion(db, team.alice, finished.id, "B", TODAY, {})
    frame = homework.couple_homework(db, team.supervisor, couple.id, TODAY)
    assert list(frame.columns) == HOMEWORK_COLUMNS
    assert frame["id"].tolist() == [late.id, soon.id, finished.id]
    assert frame["overdue"].tolist() == [True, False, False]
    assert frame["status"].tolist() == ["Assigned", "Assigned", "Done"]
    assert frame["completions"].tolist() == [0, 0, 1]
    assert frame["target"].tolist() == ["Both: Kit & Lou", "Lou (B)", "Lou (B)"]
    current, history = homework.split_current(frame)
    assert current["id"].tolist() == [late.id, soon.id]
    assert history["id"].tolist() == [finished.id]


def test_couple_homework_respects_access(db: Database, team: Team, couple: CoupleView) -> None:
    with pytest.raises(PermissionDenied):
        homework.couple_homework(db, team.bruno, couple.id, TODAY)
    empty = homework.couple_homework(db, team.alice, couple.id, TODAY)
    assert empty.empty and list(empty.columns) == HOMEWORK_COLUMNS


def test_due_for_review(db: Database, team: Team, couple: CoupleView) -> None:
    due = give(db, team, couple, "state-of-the-union", due_on=TODAY)
    give(db, team, couple, "kept-promises-log", target="B", due_on=TODAY + WEEK)
    finished = give(db, team, couple, "apology-letter", target="B", due_on=TODAY)
    homework.record_completion(db, team.alice, finished.id, "B", TODAY, {})
    assert [v.id for v in homework.due_for_review(db, team.alice, couple.id, TODAY)] == [due.id]
    assert len(homework.due_for_review(db, team.alice, couple.id, TODAY + WEEK)) == 2


def test_couple_adherence_per_partner(db: Database, team: Team, couple: CoupleView) -> None:
    log = give(
        db, team, couple, "kept-promises-log", target="B", assigned_on=TODAY - 3 * DAY, due_on=TODAY
    )
    for days_ago in (3, 1):
        homework.record_completion(
            db, team.alice, log.id, "B", TODAY - timedelta(days=days_ago), {}
        )
    talk = give(db, team, couple, "cooling-off-agreement")
    homework.record_completion(db, team.alice, talk.id, "A", TODAY, {})
    frame = homework.couple_adherence(db, team.supervisor, couple.id, TODAY)
    assert frame.to_dict("records") == [
        {"partner": "A", "name": "Kit", "expected": 1, "done": 1, "rate": 1.0},
        {"partner": "B", "name": "Lou", "expected": 5, "done": 2, "rate": 0.4},
    ]


def test_couple_adherence_without_homework(db: Database, team: Team, couple: CoupleView) -> None:
    frame = homework.couple_adherence(db, team.alice, couple.id, TODAY)
    assert frame["expected"].tolist() == [0, 0] and frame["rate"].isna().all()


# --- caseload ---


def test_overdue_counts_per_visible_couple(
    db: Database, team: Team, caseload: dict[str, int]
) -> None:
    assert homework.overdue_counts(db, team.alice, TODAY) == {caseload["alice"]: 1}
    assert homework.overdue_counts(db, team.bruno, TODAY) == {caseload["bruno"]: 1}
    assert homework.overdue_counts(db, team.supervisor, TODAY) == {
        caseload["alice"]: 1,
        caseload["bruno"]: 1,
    }
    assert homework.overdue_counts(db, team.alice, TODAY + 4 * DAY) == {caseload["alice"]: 2}


def test_homework_due_across_the_caseload(
    db: Database, team: Team, caseload: dict[str, int]
) -> None:
    mine = homework.homework_due(db, team.alice, TODAY).rows
    assert list(mine.columns) == DUE_COLUMNS
    assert mine["exercise"].tolist() == [
        "Weekly State of the Union conversation",
        "Kept-promises log",
    ]
    assert mine["overdue"].tolist() == [True, False]
    assert mine["target"].tolist() == ["Both: Kit & Lou", "Lou (B)"]
    everyone = homework.homework_due(db, team.supervisor, TODAY).rows
    assert everyone["case_code"].tolist() == ["C-0003", "C-0001", "C-0001"]
    assert everyone["due_on"].is_monotonic_increasing
    assert homework.homework_due(db, team.admin, TODAY - 30 * DAY).total == 0


def test_homework_due_is_counted_and_cut_a_page_at_a_time(
    db: Database, team: Team, caseload: dict[str, int]
) -> None:
    """The page asked for, in the whole list's order, with the count of every row; a page
    past the last is the last one (the list got shorter since it was chosen)."""
    whole = homework.homework_due(db, team.supervisor, TODAY).rows
    first = homework.homework_due(db, team.supervisor, TODAY, 1, size=2)
    second = homework.homework_due(db, team.supervisor, TODAY, 2, size=2)
    assert (first.total, first.pages, first.number, len(first.rows)) == (3, 2, 1, 2)
    assert (second.number, second.first, second.last) == (2, 3, 3)
    both = [*first.rows["assignment_id"], *second.rows["assignment_id"]]
    assert both == whole["assignment_id"].tolist()
    assert homework.homework_due(db, team.supervisor, TODAY, 9, size=2).number == 2
    assert homework.homework_due(db, team.supervisor, TODAY, 0, size=2).number == 1


def test_homework_due_is_empty_for_a_new_counsellor(db: Database, team: Team) -> None:
    page = homework.homework_due(db, team.bruno, TODAY)
    assert (page.total, page.pages, page.number) == (0, 1, 1)
    assert page.rows.empty and list(page.rows.columns) == DUE_COLUMNS
    assert homework.overdue_counts(db, team.bruno, TODAY) == {}


# --- adherence by week ---


def test_adherence_by_week_counts_only_completions_up_to_each_week(db, team) -> None:  # type: ignore[no-untyped-def]
    """A daily exercise given on day 0 for 14 days, done on days 0-6 only:
    week 0 (days 0-6): 7 of 7; week 1 (to day 13): 7 of 14 = 0.5."""
    from datetime import timedelta

    from core.services import couples, homework
    from tests.conftest import intake_form

    exercises.sync_catalogue(db)
    start = date.today() - timedelta(days=13)
    couple = couples.create_couple(db, team.alice, intake_form(intake_date=start))
    given = homework.assign(
        db,
        team.alice,
        couple.id,
        homework_form(
            db,
            "kept-promises-log",
            target="B",
            assigned_on=start,
            due_on=start + timedelta(days=13),
        ),
    )
    for day in range(7):
        homework.record_completion(db, team.alice, given.id, "B", start + timedelta(days=day), {})
    weekly = homework.adherence_by_week(db, team.alice, couple.id, date.today())
    partner_b = weekly.loc[weekly["partner_label"] == "B"].set_index("week")
    assert partner_b.loc[0, ["done", "expected"]].tolist() == [7, 7]
    assert partner_b.loc[1, ["done", "expected"]].tolist() == [7, 14]
    assert partner_b.loc[1, "rate"] == 0.5
    assert set(weekly["partner_label"]) == {"B"}


# --- the Homework tab in one read ---


@pytest.fixture
def busy(db: Database, team: Team, couple: CoupleView) -> CoupleView:
    """Kit and Lou with open, overdue, done and skipped homework, completions, sessions."""
    for weeks_ago in (4, 2):
        add_session(db, couple.id, team.alice.id, TODAY - timedelta(days=1 + 7 * weeks_ago))
    log = give(
        db,
        team,
        couple,
        "kept-promises-log",
        target="B",
        assigned_on=TODAY - 3 * WEEK,
        due_on=TODAY - WEEK,
    )
    for days_ago in (20, 18, 9):
        homework.record_completion(db, team.alice, log.id, "B", TODAY - days_ago * DAY, {})
    talk = give(db, team, couple, "state-of-the-union", assigned_on=TODAY - WEEK)
    homework.record_completion(db, team.alice, talk.id, "A", TODAY - DAY, {})
    letter = give(db, team, couple, "apology-letter", target="B", assigned_on=TODAY - 2 * WEEK)
    homework.record_completion(db, team.alice, letter.id, "B", TODAY - WEEK, {})
    skipped = give(db, team, couple, "defensiveness-check", target="B")
    homework.set_status(
        db, team.alice, skipped.id, "skipped", skip_reason="Not now", expected_version=1
    )
    return couple


def assert_same_as_separate_reads(db: Database, actor: Any, couple: CoupleView) -> None:
    tab = homework.homework_tab(db, actor, couple.id, TODAY)
    current, history = homework.split_current(homework.couple_homework(db, actor, couple.id, TODAY))
    pd.testing.assert_frame_equal(tab.current, current)
    pd.testing.assert_frame_equal(tab.history, history)
    pd.testing.assert_frame_equal(
        tab.adherence, homework.couple_adherence(db, actor, couple.id, TODAY)
    )
    assert tab.assignments == tuple(homework.couple_assignments(db, actor, couple.id))
    assert tab.suggestions == tuple(homework.suggestions(db, actor, couple.id, TODAY))
    assert tab.exercises == tuple(exercises.list_exercises(db, actor))
    assert tab.default_due == homework.default_due_date(db, actor, couple.id, TODAY)
    assert tab.concern_open is bool(safety.open_concerns(db, actor, couple.id))
    assert tab.couple_id == couple.id


def test_homework_tab_matches_the_separate_reads(
    db: Database, team: Team, busy: CoupleView
) -> None:
    assert_same_as_separate_reads(db, team.alice, busy)
    tab = homework.homework_tab(db, team.alice, busy.id, TODAY)
    assert tab.may_edit and tab.has_homework and not tab.concern_open
    assert len(tab.current) == 2 and len(tab.history) == 2
    assert tab.history["status"].tolist() == ["Skipped", "Done"]
    assert tab.adherence["name"].tolist() == ["Kit", "Lou"]
    assert len(tab.suggestions) == 3
    # Fortnightly sessions, the last 15 days ago: the next one is overdue, so a week.
    assert tab.default_due == TODAY + WEEK


def test_homework_tab_with_an_open_concern(db: Database, team: Team, busy: CoupleView) -> None:
    open_concern(db, team.alice, busy.id)
    assert_same_as_separate_reads(db, team.alice, busy)
    tab = homework.homework_tab(db, team.alice, busy.id, TODAY)
    assert tab.concern_open
    gated = {exercise.slug for exercise in tab.exercises if exercise.gated}
    assert gated and not {s.slug for s in tab.suggestions} & gated


def test_homework_tab_is_one_read_and_writes_only_its_audit_event(
    db: Database, team: Team, busy: CoupleView, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    real_read, real_transaction = db.read, db.transaction

    def read() -> Any:
        opened.append("read")
        return real_read()

    def transaction() -> Any:
        opened.append("transaction")
        return real_transaction()

    writes = audited_writes(db)
    monkeypatch.setattr(db, "read", read)
    monkeypatch.setattr(db, "transaction", transaction)
    tab = homework.homework_tab(db, team.alice, busy.id, TODAY)
    # One read; outside a page run its audit event is written at once, in a transaction
    # of its own (issue 11), and nothing else is written.
    assert opened == ["read", "transaction"]
    assert audited_writes(db) == writes
    assert tab.has_homework


def test_homework_tab_for_a_reader_and_a_closed_case(
    db: Database, team: Team, busy: CoupleView
) -> None:
    assert_same_as_separate_reads(db, team.supervisor, busy)
    assert not homework.homework_tab(db, team.supervisor, busy.id, TODAY).may_edit
    with pytest.raises(PermissionDenied):
        homework.homework_tab(db, team.bruno, busy.id, TODAY)
    close_case(db, team.alice, busy)
    tab = homework.homework_tab(db, team.alice, busy.id, TODAY)
    assert not tab.may_edit and tab.has_homework


def test_homework_tab_without_homework(db: Database, team: Team, couple: CoupleView) -> None:
    assert_same_as_separate_reads(db, team.alice, couple)
    tab = homework.homework_tab(db, team.alice, couple.id, TODAY)
    assert not tab.has_homework and tab.current.empty and tab.history.empty
    assert list(tab.current.columns) == HOMEWORK_COLUMNS
    assert tab.adherence["expected"].tolist() == [0, 0]
    assert tab.default_due == TODAY + WEEK
    assert tab.exercises and tab.suggestions


def test_homework_tab_keeps_its_adherence_until_the_homework_changes(
    db: Database, team: Team, busy: CoupleView, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.services.homework import reading

    scored: list[date] = []
    real = reading.adherence

    def counted(given: pd.DataFrame, done: pd.DataFrame, today: date) -> pd.DataFrame:
        scored.append(today)
        return real(given, done, today)

    monkeypatch.setattr(reading, "adherence", counted)
    first = homework.homework_tab(db, team.alice, busy.id, TODAY).adherence
    again = homework.homework_tab(db, team.supervisor, busy.id, TODAY).adherence
    assert scored == [TODAY] and again is first  # kept: the same inputs, another viewer

    talk = give(db, team, busy, "i-statement-check-in", assigned_on=TODAY - WEEK)
    homework.record_completion(db, team.alice, talk.id, "A", TODAY, {})
    after = homework.homework_tab(db, team.alice, busy.id, TODAY).adherence
    assert scored == [TODAY, TODAY]  # a new completion: scored again, and seen
    done_a = after.set_index("partner").loc["A", "done"]
    assert done_a == first.set_index("partner").loc["A", "done"] + 1
    pd.testing.assert_frame_equal(after, real(*_inputs(db, busy.id), TODAY).pipe(_with_names, busy))
    homework.homework_tab(db, team.alice, busy.id, TODAY + DAY)
    assert scored == [TODAY, TODAY, TODAY + DAY]  # another day: scored again


def _inputs(db: Database, couple_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from core.queries import homework as queries

    with db.read() as session:
        return queries.adherence_inputs(session, couple_id)


def _with_names(frame: pd.DataFrame, couple: CoupleView) -> pd.DataFrame:
    frame.insert(1, "name", frame["partner"].map({p.label: p.name for p in couple.partners}))
    return frame
