"""Reading homework: one couple's assignments, adherence and the Homework tab in one read;
what is due across the caseload.

Every read of a couple checks the actor may see it; caseload reads pass the actor's
`caseload_scope` to the queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from core.adherence import adherence
from core.adherence import adherence_by_week as weekly_adherence
from core.db import Database
from core.domain import CaseRead
from core.models import Partner
from core.paging import TablePage
from core.queries import homework as queries
from core.queries.exercises import ExerciseView, assignable_exercises
from core.queries.homework import AssignmentDetail, AssignmentView
from core.services import audit, progress_cache
from core.services.access import Actor, caseload_scope, require_active
from core.services.homework._couple import may_change, may_read, to_read
from core.services.homework.giving import SUGGESTIONS, next_due_date, profile_of, suggest
from core.suggestions import Suggestion

# --- one couple ---


def assignment(db: Database, actor: Actor, assignment_id: int) -> AssignmentView:
    with db.read() as session:
        view = queries.assignment_view(session, assignment_id)
        may_read(session, actor, view.couple_id)
        return view


def couple_assignments(db: Database, actor: Actor, couple_id: int) -> list[AssignmentView]:
    """Every assignment of a couple: open ones first by due date, then the rest, newest first."""
    with db.read() as session:
        may_read(session, actor, couple_id)
        return queries.couple_assignments(session, couple_id)


def couple_homework(db: Database, actor: Actor, couple_id: int, today: date) -> pd.DataFrame:
    """One row per assignment: open ones first by due date, then the rest, newest first."""
    return queries.homework_frame(couple_assignments(db, actor, couple_id), today)


def assignment_detail(db: Database, actor: Actor, assignment_id: int) -> AssignmentDetail:
    """An assignment with the exact text it was given and every completion's answers."""
    with db.read() as session:
        view = queries.assignment_view(session, assignment_id)
        may_read(session, actor, view.couple_id)
        detail = queries.assignment_detail(session, view)
    audit.record_read(db, actor, view.couple_id, CaseRead.HOMEWORK)
    return detail


def due_for_review(db: Database, actor: Actor, couple_id: int, on: date) -> list[AssignmentView]:
    """Open homework due on or before `on` (for the session form's review)."""
    with db.read() as session:
        may_read(session, actor, couple_id)
        return queries.due_for_review(session, couple_id, on)


def couple_adherence(db: Database, actor: Actor, couple_id: int, today: date) -> pd.DataFrame:
    """`core.adherence.adherence` for one couple, with each partner's name."""
    with db.read() as session:
        couple = to_read(session, actor, couple_id)
        given, done = queries.adherence_inputs(session, couple_id)
        names = _names(couple.partners)
    return _kept_adherence(db, couple_id, given, done, today, names)


def adherence_by_week(db: Database, actor: Actor, couple_id: int, today: date) -> pd.DataFrame:
    """Cumulative adherence per partner at the end of each week since intake (for the
    chart): partner_label, partner_name, week, done, expected, rate. Weeks before the
    first assignment are left out."""
    with db.read() as session:
        couple = to_read(session, actor, couple_id)
        given, done = queries.adherence_inputs(session, couple_id)
        names, intake = _names(couple.partners), couple.intake_date
    return weekly_adherence(given, done, intake, today, names)


def _names(partners: Iterable[Partner]) -> dict[str, str]:
    return {partner.label: partner.name for partner in partners}


def _kept_adherence(
    db: Database,
    couple_id: int,
    given: pd.DataFrame,
    done: pd.DataFrame,
    today: date,
    names: dict[str, str],
) -> pd.DataFrame:
    """`adherence` with each partner's name, kept for the couple under its inputs (its
    homework and completions as just read, today and the names): the Homework tab shows
    it on every run, and one couple's pandas pass costs several times the tab's reads.
    Shared between viewers: read it, never change it."""
    key = (
        progress_cache.rows_key(given),
        progress_cache.rows_key(done),
        today,
        tuple(names.items()),
    )

    def named() -> pd.DataFrame:
        frame = adherence(given, done, today)
        frame.insert(1, "name", frame["partner"].map(names))
        return frame

    return progress_cache.memo_for(db, "adherence_today").get(couple_id, key, named)


# --- the Homework tab ---


@dataclass(frozen=True, eq=False)
class HomeworkTab:
    """Everything the couple page's Homework tab draws, read at one moment."""

    couple_id: int
    may_edit: bool  # the actor is the couple's counsellor and the case is not closed
    assignments: tuple[AssignmentView, ...]  # open first by due date, then newest first
    current: pd.DataFrame  # open homework (HOMEWORK_COLUMNS), as couple_homework/split_current
    history: pd.DataFrame  # done or skipped homework, newest first
    adherence: pd.DataFrame  # partner, name, expected, done, rate (as couple_adherence)
    suggestions: tuple[Suggestion, ...]
    exercises: tuple[ExerciseView, ...]  # the assign form's choices: current, unretired
    default_due: date  # the assign form's due date
    concern_open: bool  # an open safety concern: gated exercises need an override

    @property
    def has_homework(self) -> bool:
        return bool(self.assignments)


def homework_tab(
    db: Database, actor: Actor, couple_id: int, today: date, *, progress_status: str | None = None
) -> HomeworkTab:
    """The Homework tab of one couple in one read: current and past homework, adherence
    so far (adherence by week is the Progress tab's chart, not read here), suggestions
    and the assign form's choices. `progress_status`: the couple's progress status,
    which the couple page passes on from the kept analysis of its Progress tab
    (`progress_views.couple_status`), so this read stays cheap; None when unknown (see
    `giving.profile_of`)."""
    with db.read() as session:
        couple = to_read(session, actor, couple_id)
        views = queries.couple_assignments(session, couple_id)
        given, done = queries.adherence_inputs(session, couple_id)
        profile = profile_of(session, couple, today, progress_status=progress_status)
        library = assignable_exercises(session)
        due = next_due_date(session, couple_id, today)
        names = _names(couple.partners)
        may_edit = may_change(actor, couple)
    audit.record_read(db, actor, couple_id, CaseRead.HOMEWORK)
    current, history = queries.split_current(queries.homework_frame(views, today))
    return HomeworkTab(
        couple_id=couple_id,
        may_edit=may_edit,
        assignments=tuple(views),
        current=current,
        history=history,
        adherence=_kept_adherence(db, couple_id, given, done, today, names),
        suggestions=tuple(suggest(profile, library, k=SUGGESTIONS)),
        exercises=tuple(library),
        default_due=due,
        concern_open=profile.concern_open,
    )


# --- the caseload ---


def overdue_counts(db: Database, actor: Actor, today: date) -> dict[int, int]:
    """Open homework past its due date, per couple the actor may see (closed cases left out)."""
    with db.read() as session:
        require_active(session, actor)
        return queries.overdue_counts(session, caseload_scope(actor), today)


def homework_due(
    db: Database, actor: Actor, today: date, page: int = 1, *, size: int = 0
) -> TablePage:
    """Page `page` (clamped; `size` rows, core.paging.PAGE_ROWS by default) of the open
    homework overdue or due within a week across the actor's caseload, by due date."""
    with db.read() as session:
        require_active(session, actor)
        return queries.homework_due(session, caseload_scope(actor), today, page, size)
