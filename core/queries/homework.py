"""Read side of homework: SELECT -> view objects and frames, inside a caller's session.

No access checks here: the services (core.services.homework) check the actor may
see the couple, and pass a `scope` clause (access.caseload_scope) to the queries
that span couples. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, aliased

from core import paging
from core.adherence import (
    ASSIGNMENT_INPUT_COLUMNS,
    COMPLETION_INPUT_COLUMNS,
    PAUSE_COLUMNS,
    pause_windows,
)
from core.domain import (
    ASSIGNMENT_STATUS_LABELS,
    SAFETY_HOLD_LABELS,
    AssignmentStatus,
    AssignmentTarget,
    CoupleStatus,
    SafetyDecision,
)
from core.errors import NotFound
from core.homework_rules import TARGET_PARTNERS, safety_hold
from core.models import (
    Assignment,
    AssignmentCompletion,
    Counsellor,
    Couple,
    Exercise,
    ExerciseVersion,
    Partner,
    SafetyScreen,
)
from core.models import Session as SessionRow
from core.paging import TablePage, page_count
from core.queries.exercises import ExerciseView, version_view
from core.queries.safety import concern_since, has_open_concern

OPEN_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)
DUE_SOON_DAYS = 7
RECENT_SESSIONS = 6  # the usual interval is the median gap between these

HOMEWORK_COLUMNS = [
    "id",
    "exercise",
    "step",
    "target",
    "assigned_on",
    "due_on",
    "status",
    "safety",
    "overdue",
    "completions",
    "frequency",
    "personal_note",
    "safety_override_reason",
    "counsellor_comment",
    "skip_reason",
    "version",
    "exercise_version",
    "status_code",
    "open",
]
DUE_COLUMNS = [
    "assignment_id",
    "couple_id",
    "case_code",
    "partners",
    "counsellor",
    "exercise",
    "target",
    "due_on",
    "status",
    "overdue",
]


# --- views ---


@dataclass(frozen=True)
class AssignmentView:
    id: int
    couple_id: int
    case_code: str
    exercise_id: int
    version_id: int
    exercise_title: str
    exercise_version: int
    repair_step: str
    frequency: str
    joint: bool
    asks_vulnerability: bool
    prompts: tuple[str, ...]
    target: AssignmentTarget
    target_label: str
    partners: tuple[tuple[str, str], ...]  # (label, name) of the partners it is for
    assigned_on: date
    due_on: date
    status: AssignmentStatus
    skip_reason: str | None
    personal_note: str
    counsellor_comment: str
    safety_override_reason: str | None
    completions: int
    version: int
    safety_hold: str | None = None  # homework_rules.safety_hold: "ask", "pause", "continue"
    decision_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_label(self) -> str:
        return ASSIGNMENT_STATUS_LABELS[self.status]

    @property
    def safety_label(self) -> str:
        """What the safety gate says of it now, in words ("" when it does not apply)."""
        return SAFETY_HOLD_LABELS.get(self.safety_hold or "", "")

    def overdue(self, today: date) -> bool:
        return self.is_open and self.due_on < today


@dataclass(frozen=True)
class CompletionView:
    id: int
    partner_label: str
    partner_name: str
    completed_on: date
    answers: dict[str, str]


@dataclass(frozen=True)
class AssignmentDetail:
    assignment: AssignmentView
    exercise: ExerciseView  # the version the couple was given
    completions: tuple[CompletionView, ...]


def target_label(target: str, name_a: str, name_b: str) -> str:
    if target == "A":
        return f"{name_a} (A)"
    if target == "B":
        return f"{name_b} (B)"
    return f"Both: {name_a} & {name_b}"


# --- assignments ---


def assignment_views(session: Session, *where: Any) -> list[AssignmentView]:
    """Assignments matching `where`, with their exercise text and completion counts,
    by due date."""
    # Counted per assignment found (its index): a grouped count of every completion
    # in the clinic, joined afterwards, read them all on each call.
    done = (
        select(func.count())
        .where(AssignmentCompletion.assignment_id == Assignment.id)
        .correlate(Assignment)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Assignment, ExerciseVersion, Couple.case_code, done)
        .join(ExerciseVersion, ExerciseVersion.id == Assignment.exercise_version_id)
        .join(Couple, Couple.id == Assignment.couple_id)
        .where(*where)
        .order_by(Assignment.due_on, Assignment.id)
    ).all()
    couple_ids = {assignment.couple_id for assignment, *_rest in rows}
    names = {
        (couple_id, label): name
        for couple_id, label, name in session.execute(
            select(Partner.couple_id, Partner.label, Partner.name).where(
                Partner.couple_id.in_(couple_ids)
            )
        )
    }
    since = concern_since(session, couple_ids)
    return [
        _view(assignment, version, case_code, done or 0, names, since.get(assignment.couple_id))
        for assignment, version, case_code, done in rows
    ]


def _view(
    assignment: Assignment,
    version: ExerciseVersion,
    case_code: str,
    completions: int,
    names: Mapping[tuple[int, str], str],
    concern_opened: datetime | None = None,
) -> AssignmentView:
    target = AssignmentTarget(assignment.target)
    couple_id = assignment.couple_id
    status = AssignmentStatus(assignment.status)
    hold = safety_hold(
        version,
        is_open=status in OPEN_STATUSES,
        concern_since=concern_opened,
        assigned_at=assignment.created_at,
        overridden=bool(assignment.safety_override_reason),
        decision=assignment.safety_decision,
        decided_at=assignment.decided_at,
    )
    return AssignmentView(
        id=assignment.id,
        couple_id=couple_id,
        case_code=case_code,
        exercise_id=version.exercise_id,
        version_id=version.id,
        exercise_title=version.title,
        exercise_version=version.version,
        repair_step=version.repair_step,
        frequency=version.frequency,
        joint=version.joint,
        asks_vulnerability=version.asks_vulnerability,
        prompts=tuple(version.prompts),
        target=target,
        target_label=target_label(
            target.value, names.get((couple_id, "A"), "A"), names.get((couple_id, "B"), "B")
        ),
        partners=tuple(
            (label, names.get((couple_id, label), label)) for label in TARGET_PARTNERS[target]
        ),
        assigned_on=assignment.assigned_on,
        due_on=assignment.due_on,
        status=status,
        skip_reason=assignment.skip_reason,
        personal_note=assignment.personal_note,
        counsellor_comment=assignment.counsellor_comment,
        safety_override_reason=assignment.safety_override_reason,
        completions=completions,
        version=assignment.version,
        safety_hold=hold,
        decision_reason=assignment.decision_reason,
    )


def assignment_view(session: Session, assignment_id: int) -> AssignmentView:
    found = assignment_views(session, Assignment.id == assignment_id)
    if not found:
        raise NotFound("That homework assignment does not exist.")
    return found[0]


def couple_assignments(session: Session, couple_id: int) -> list[AssignmentView]:
    """Every assignment of a couple: open ones first by due date, then the rest, newest first."""
    views = assignment_views(session, Assignment.couple_id == couple_id)
    finished = [view for view in views if not view.is_open]
    return [view for view in views if view.is_open] + finished[::-1]


def due_for_review(session: Session, couple_id: int, on: date) -> list[AssignmentView]:
    """A couple's open homework due on or before `on`."""
    return assignment_views(
        session,
        Assignment.couple_id == couple_id,
        Assignment.status.in_(OPEN_STATUSES),
        Assignment.due_on <= on,
    )


def completion_views(session: Session, assignment_id: int) -> tuple[CompletionView, ...]:
    """Every completion of an assignment with its answers, oldest first."""
    rows = session.execute(
        select(AssignmentCompletion, Partner)
        .join(Partner, Partner.id == AssignmentCompletion.partner_id)
        .where(AssignmentCompletion.assignment_id == assignment_id)
        .order_by(AssignmentCompletion.completed_on, AssignmentCompletion.id)
    ).all()
    return tuple(
        CompletionView(c.id, p.label, p.name, c.completed_on, dict(c.answers or {}))
        for c, p in rows
    )


def assignment_detail(session: Session, view: AssignmentView) -> AssignmentDetail:
    """An assignment with the exact text it was given and every completion's answers."""
    return AssignmentDetail(
        view, version_view(session, view.version_id), completion_views(session, view.id)
    )


# --- a couple's homework as a table ---


def homework_frame(views: Sequence[AssignmentView], today: date) -> pd.DataFrame:
    """One row per assignment, in the order given (HOMEWORK_COLUMNS)."""
    return pd.DataFrame([_row(view, today) for view in views], columns=HOMEWORK_COLUMNS)


def couple_homework(session: Session, couple_id: int, today: date) -> pd.DataFrame:
    """One row per assignment: open ones first by due date, then the rest, newest first."""
    return homework_frame(couple_assignments(session, couple_id), today)


def _row(view: AssignmentView, today: date) -> dict[str, Any]:
    return {
        "id": view.id,
        "exercise": view.exercise_title,
        "step": view.repair_step,
        "target": view.target_label,
        "assigned_on": view.assigned_on,
        "due_on": view.due_on,
        "status": view.status_label,
        "safety": view.safety_label,
        "overdue": view.overdue(today),
        "completions": view.completions,
        "frequency": view.frequency,
        "personal_note": view.personal_note,
        "safety_override_reason": view.safety_override_reason or "",
        "counsellor_comment": view.counsellor_comment,
        "skip_reason": view.skip_reason or "",
        "version": view.version,
        "exercise_version": view.exercise_version,
        "status_code": view.status.value,
        "open": view.is_open,
    }


def split_current(homework: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(current, history) of a `couple_homework` frame."""
    is_open = homework["open"].astype(bool)
    return homework[is_open], homework[~is_open]


# --- what the analyses read ---


def adherence_inputs(session: Session, couple_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A couple's assignments and completions as core.adherence takes them."""
    given = session.execute(
        select(
            Assignment.id,
            Assignment.target,
            ExerciseVersion.frequency,
            Assignment.assigned_on,
            Assignment.due_on,
            Assignment.status,
            Assignment.safety_decision,
            Assignment.decided_at,
        )
        .join(ExerciseVersion, ExerciseVersion.id == Assignment.exercise_version_id)
        .where(Assignment.couple_id == couple_id)
        .order_by(Assignment.id)
    ).all()
    # In a fixed order: the Progress tab keeps the adherence keyed by these rows, and
    # PostgreSQL returned the completions in another order from one read to the next.
    done = session.execute(
        select(
            AssignmentCompletion.assignment_id,
            Partner.label,
            AssignmentCompletion.completed_on,
        )
        .join(Partner, Partner.id == AssignmentCompletion.partner_id)
        .where(Partner.couple_id == couple_id)
        .order_by(AssignmentCompletion.assignment_id, Partner.label, AssignmentCompletion.id)
    ).all()
    completions = pd.DataFrame(done, columns=COMPLETION_INPUT_COLUMNS)
    # No pause (the usual case): no pause column to merge in, built in one frame.
    assignments = pd.DataFrame(
        [(i, value(t), f, a, d, value(s), None, None) for i, t, f, a, d, s, _, _ in given],
        columns=ASSIGNMENT_INPUT_COLUMNS,
    )
    paused = [(i, at) for i, *_rest, decision, at in given if decision == SafetyDecision.PAUSE]
    if not paused:
        return assignments, completions
    windows = pause_windows(
        pd.DataFrame(paused, columns=["id", "decided_at"]), _screens(session, couple_id)
    )
    assignments = assignments.drop(columns=PAUSE_COLUMNS).merge(windows, how="left", on="id")
    pauses = assignments[PAUSE_COLUMNS].astype(object)
    assignments[PAUSE_COLUMNS] = pauses.where(pauses.notna(), None)
    return assignments[ASSIGNMENT_INPUT_COLUMNS], completions


def _screens(session: Session, couple_id: int) -> pd.DataFrame:
    """A couple's safety screens (created_at, resolved_at), as
    core.adherence.pause_windows takes them."""
    screens = session.execute(
        select(SafetyScreen.created_at, SafetyScreen.resolved_at)
        .join(Partner, Partner.id == SafetyScreen.partner_id)
        .where(Partner.couple_id == couple_id)
    ).all()
    return pd.DataFrame(screens, columns=["created_at", "resolved_at"])


def recent_session_dates(session: Session, couple_id: int) -> list[date]:
    """The couple's latest RECENT_SESSIONS distinct session dates, newest first."""
    return list(
        session.scalars(
            select(SessionRow.session_date)
            .where(SessionRow.couple_id == couple_id)
            .distinct()
            .order_by(SessionRow.session_date.desc())
            .limit(RECENT_SESSIONS)
        )
    )


def given_exercises(session: Session, couple_id: int) -> list[tuple[str, str, str]]:
    """(slug, repair step, status) of every exercise the couple was given."""
    rows = session.execute(
        select(Exercise.slug, ExerciseVersion.repair_step, Assignment.status)
        .join(ExerciseVersion, ExerciseVersion.id == Assignment.exercise_version_id)
        .join(Exercise, Exercise.id == ExerciseVersion.exercise_id)
        .where(Assignment.couple_id == couple_id)
    ).all()
    return [(slug, step, value(status)) for slug, step, status in rows]


def value(member: Any) -> str:
    """An enum member's value (or the text itself)."""
    return str(getattr(member, "value", member))


# --- across the caseload ---


def safety_holds(session: Session, scope: ColumnElement[bool]) -> dict[int, int]:
    """Per couple in `scope` with an open concern: open homework awaiting the counsellor's
    pause-or-continue decision (safety_hold "ask")."""
    concerned = session.scalars(select(Couple.id).where(has_open_concern(), scope)).all()
    if not concerned:
        return {}
    views = assignment_views(
        session, Assignment.couple_id.in_(concerned), Assignment.status.in_(OPEN_STATUSES)
    )
    counts: dict[int, int] = {}
    for view in views:
        if view.safety_hold == "ask":
            counts[view.couple_id] = counts.get(view.couple_id, 0) + 1
    return counts


def overdue_query(today: date) -> Select[Any]:
    """(couple_id, overdue): open homework past its due date, per couple that is not
    closed. Usable as a subquery in caseload listings (outer-join on couple_id; a
    couple without a row has 0)."""
    return (
        select(Assignment.couple_id, func.count(Assignment.id).label("overdue"))
        .join(Couple, Couple.id == Assignment.couple_id)
        .where(
            Assignment.status.in_(OPEN_STATUSES),
            Assignment.due_on < today,
            Couple.status != CoupleStatus.CLOSED,
        )
        .group_by(Assignment.couple_id)
    )


def overdue_counts(session: Session, scope: ColumnElement[bool], today: date) -> dict[int, int]:
    """Open homework past its due date, per couple in `scope` (closed cases left out)."""
    rows = session.execute(overdue_query(today).where(scope))
    return {couple_id: count for couple_id, count in rows}


def homework_due(
    session: Session, scope: ColumnElement[bool], today: date, number: int = 1, size: int = 0
) -> TablePage:
    """Page `number` (clamped) of the open homework overdue or due within DUE_SOON_DAYS of
    couples in `scope` that are not closed, by due date (DUE_COLUMNS), `size` rows a page
    (core.paging.PAGE_ROWS by default): counted and cut in SQL, so a supervisor's 7,500
    assignments at 20,000 couples cost one page's rows, not every row."""
    partner_a, partner_b = aliased(Partner), aliased(Partner)
    due = (
        select(
            Assignment.id,
            Couple.id,
            Couple.case_code,
            partner_a.name,
            partner_b.name,
            Counsellor.display_name,
            ExerciseVersion.title,
            Assignment.target,
            Assignment.due_on,
            Assignment.status,
        )
        .join(Couple, Couple.id == Assignment.couple_id)
        .join(Counsellor, Counsellor.id == Couple.counsellor_id)
        .join(ExerciseVersion, ExerciseVersion.id == Assignment.exercise_version_id)
        .join(partner_a, (partner_a.couple_id == Couple.id) & (partner_a.label == "A"))
        .join(partner_b, (partner_b.couple_id == Couple.id) & (partner_b.label == "B"))
        .where(
            Assignment.status.in_(OPEN_STATUSES),
            Assignment.due_on <= today + timedelta(days=DUE_SOON_DAYS),
            Couple.status != CoupleStatus.CLOSED,
            scope,
        )
    )
    size = size or paging.PAGE_ROWS  # read at the call: a test may lower it
    total = session.scalar(select(func.count()).select_from(due.subquery())) or 0
    pages = page_count(total, size)
    number = min(max(int(number), 1), pages)
    rows = session.execute(
        due.order_by(Assignment.due_on, Couple.case_code, Assignment.id)
        .limit(size)
        .offset((number - 1) * size)
    ).all()
    frame = pd.DataFrame(
        [
            {
                "assignment_id": assignment_id,
                "couple_id": couple_id,
                "case_code": case_code,
                "partners": f"{name_a} & {name_b}",
                "counsellor": counsellor,
                "exercise": title,
                "target": target_label(value(target), name_a, name_b),
                "due_on": due_on,
                "status": ASSIGNMENT_STATUS_LABELS[AssignmentStatus(status)],
                "overdue": due_on < today,
            }
            for (
                assignment_id,
                couple_id,
                case_code,
                name_a,
                name_b,
                counsellor,
                title,
                target,
                due_on,
                status,
            ) in rows
        ],
        columns=DUE_COLUMNS,
    )
    return TablePage(frame, number, pages, total, size)
