"""Homework between sessions: assigning exercises, progress, review, adherence.

An assignment gives one exercise *version* to partner A, B or both; its text
never changes afterwards. Only the couple's own counsellor assigns and updates
homework, and not while the case is closed. Status changes carry the version
the counsellor saw (optimistic locking): a stale one changes nothing.

Safety gate: while the couple has an open safety concern, a joint exercise or
one that asks the hurt partner to be vulnerable is refused (`SafetyGateError`)
unless the counsellor gives an override reason, which is stored on the
assignment and audited as its own "safety_override" event.

`apply_reviews` runs the same operations inside a caller's open transaction, so
the session form saves its note and the homework review together or not at all.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.orm.exc import StaleDataError

from core.adherence import adherence
from core.adherence import adherence_by_week as weekly_adherence
from core.db import Database
from core.domain import (
    ASSIGNMENT_STATUS_LABELS,
    CONCERN_LABELS,
    INTENDED_ROLE_LABELS,
    AssignmentStatus,
    AssignmentTarget,
    BreachPattern,
    CoupleStatus,
    PartnerRole,
    ScreenStatus,
)
from core.errors import ConflictError, NotFound, ValidationError
from core.homework_rules import (
    TARGET_PARTNERS,
    answered,
    clean_answers,
    is_gated,
    role_mismatches,
    unknown_prompts,
)
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
from core.schemas import (
    AssignmentIn,
    CommentIn,
    CompletionIn,
    HomeworkReviewIn,
    SafetyOverrideIn,
    StatusUpdateIn,
    parse,
)
from core.services import audit, exercises, safety
from core.services.access import Actor, load_couple, require_active, require_edit, require_view
from core.services.exercises import ExerciseView
from core.suggestions import CoupleProfile, Suggestion, suggest_exercises

OPEN_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)
DEFAULT_DUE_DAYS = 7
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


class SafetyGateError(ValidationError):
    """A gated exercise was refused because of an open safety concern."""

    def __init__(self, message: str, *, concerns: str) -> None:
        super().__init__(message, field_errors={"safety_override_reason": "needed"})
        self.concerns = concerns


class ConfirmationNeeded(ValidationError):
    """An individual exercise meant for one role goes to a partner in another role."""

    def __init__(self, message: str, *, partners: tuple[str, ...]) -> None:
        super().__init__(message, field_errors={"target": "role mismatch"})
        self.partners = partners


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

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_label(self) -> str:
        return ASSIGNMENT_STATUS_LABELS[self.status]

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


# --- loading ---


def _load_couple(session: Session, couple_id: int) -> Couple:
    return load_couple(
        session, couple_id, selectinload(Couple.partners), selectinload(Couple.breaches)
    )


def _couple_to_read(session: Session, actor: Actor, couple_id: int) -> Couple:
    couple = _load_couple(session, couple_id)
    require_view(actor, couple)
    return couple


def _couple_to_change(session: Session, actor: Actor, couple_id: int) -> Couple:
    """The couple, if the actor is its counsellor and the case is not closed."""
    require_active(session, actor)
    couple = _load_couple(session, couple_id)
    require_edit(actor, couple)
    if couple.status == CoupleStatus.CLOSED:
        raise ValidationError(
            f"{couple.case_code} is closed: homework cannot be assigned or updated. "
            "Reopen the case first."
        )
    return couple


def _views(session: Session, *where: Any) -> list[AssignmentView]:
    """Assignments matching `where`, with their exercise text and completion counts."""
    counts = (
        select(AssignmentCompletion.assignment_id, func.count().label("done"))
        .group_by(AssignmentCompletion.assignment_id)
        .subquery()
    )
    rows = session.execute(
        select(Assignment, ExerciseVersion, Couple.case_code, counts.c.done)
        .join(ExerciseVersion, ExerciseVersion.id == Assignment.exercise_version_id)
        .join(Couple, Couple.id == Assignment.couple_id)
        .outerjoin(counts, counts.c.assignment_id == Assignment.id)
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
    return [
        _view(assignment, version, case_code, done or 0, names)
        for assignment, version, case_code, done in rows
    ]


def _view(
    assignment: Assignment,
    version: ExerciseVersion,
    case_code: str,
    completions: int,
    names: Mapping[tuple[int, str], str],
) -> AssignmentView:
    target = AssignmentTarget(assignment.target)
    couple_id = assignment.couple_id
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
        status=AssignmentStatus(assignment.status),
        skip_reason=assignment.skip_reason,
        personal_note=assignment.personal_note,
        counsellor_comment=assignment.counsellor_comment,
        safety_override_reason=assignment.safety_override_reason,
        completions=completions,
        version=assignment.version,
    )


def _view_one(session: Session, assignment_id: int) -> AssignmentView:
    found = _views(session, Assignment.id == assignment_id)
    if not found:
        raise NotFound("That homework assignment does not exist.")
    return found[0]


# --- due dates ---


def usual_interval(session_dates: Iterable[date]) -> int | None:
    """The median gap in days between distinct session dates (None with fewer than two)."""
    days = sorted(set(session_dates))
    gaps = [(later - earlier).days for earlier, later in itertools.pairwise(days)]
    if not gaps:
        return None
    return max(1, round(statistics.median(gaps)))


def default_due_date(db: Database, actor: Actor, couple_id: int, today: date) -> date:
    """The next expected session (last session + the couple's usual interval, the
    median gap of their recent sessions) when that is after today; else a week."""
    with db.read() as session:
        _couple_to_read(session, actor, couple_id)
        recent = list(
            session.scalars(
                select(SessionRow.session_date)
                .where(SessionRow.couple_id == couple_id)
                .distinct()
                .order_by(SessionRow.session_date.desc())
                .limit(RECENT_SESSIONS)
            )
        )
    interval = usual_interval(recent)
    if interval is not None:
        expected = max(recent) + timedelta(days=interval)
        if expected > today:
            return expected
    return today + timedelta(days=DEFAULT_DUE_DAYS)


# --- assigning ---


def assign(
    db: Database,
    actor: Actor,
    couple_id: int,
    data: AssignmentIn | Mapping[str, Any],
    *,
    confirm_role_mismatch: bool = False,
    safety_override_reason: str | None = None,
    today: date | None = None,
) -> AssignmentView:
    """Give the exercise's current version to partner A, B or both. `today`: the
    counsellor's local date (a later assignment date is refused)."""
    given = parse(AssignmentIn, data, today=today)
    override = parse(
        SafetyOverrideIn, {"safety_override_reason": safety_override_reason}
    ).safety_override_reason
    with db.transaction() as session:
        couple = _couple_to_change(session, actor, couple_id)
        exercise = session.get(Exercise, given.exercise_id)
        if exercise is None:
            raise NotFound("That exercise does not exist.")
        version = session.scalar(
            select(ExerciseVersion).where(
                ExerciseVersion.exercise_id == exercise.id,
                ExerciseVersion.version == exercise.current_version,
            )
        )
        assert version is not None, exercise.slug
        _refuse_unassignable(couple, exercise, version, given)
        gated = is_gated(version) and safety.has_open_concern(session, couple.id)
        concerns = _concern_summary(session, couple.id) if gated else ""
        if gated and override is None:
            raise SafetyGateError(_gate_message(couple, version, concerns), concerns=concerns)
        mismatched = _role_mismatches(couple, version, given.target)
        if mismatched and not confirm_role_mismatch:
            raise ConfirmationNeeded(
                _mismatch_message(version, mismatched), partners=tuple(p.label for p in mismatched)
            )
        assignment = Assignment(
            couple_id=couple.id,
            exercise_version_id=version.id,
            target=given.target,
            assigned_on=given.assigned_on,
            due_on=given.due_on,
            status=AssignmentStatus.ASSIGNED,
            personal_note=given.personal_note,
            counsellor_comment="",
            safety_override_reason=override if gated else None,
            assigned_by_id=actor.id,
        )
        session.add(assignment)
        session.flush()
        audit.record(
            session,
            actor,
            "homework_assigned",
            "assignment",
            assignment.id,
            {
                "case_code": couple.case_code,
                "exercise": exercise.slug,
                "version": version.version,
                "target": given.target.value,
                "due_on": given.due_on,
                "role_mismatch_confirmed": bool(mismatched),
            },
        )
        if gated:
            audit.record(
                session,
                actor,
                "safety_override",
                "assignment",
                assignment.id,
                {
                    "case_code": couple.case_code,
                    "exercise": exercise.slug,
                    "reason": override,
                    "open_concern": concerns,
                },
            )
        return _view_one(session, assignment.id)


def _refuse_unassignable(
    couple: Couple, exercise: Exercise, version: ExerciseVersion, given: AssignmentIn
) -> None:
    if exercise.retired:
        raise ValidationError(
            f"{version.title!r} is retired and can no longer be assigned; choose another "
            "exercise (homework already given keeps it)."
        )
    if given.assigned_on < couple.intake_date:
        raise ValidationError(
            f"The assignment date cannot be before the intake date ({couple.intake_date:%d %b %Y})."
        )
    if version.joint and given.target is not AssignmentTarget.BOTH:
        raise ValidationError(f"{version.title!r} is done together: assign it to both partners.")


def _concern_summary(session: Session, couple_id: int) -> str:
    rows = session.execute(
        select(SafetyScreen, Partner)
        .join(Partner, Partner.id == SafetyScreen.partner_id)
        .where(Partner.couple_id == couple_id, SafetyScreen.status == ScreenStatus.OPEN)
        .order_by(SafetyScreen.screened_on, SafetyScreen.id)
    ).all()
    parts = []
    for screen, partner in rows:
        flags = [label for flag, label in CONCERN_LABELS.items() if getattr(screen, flag)]
        what = ", ".join(flags).lower() or "concern"
        parts.append(
            f"{what} for {partner.name} (partner {partner.label}), "
            f"screened {screen.screened_on:%d %b %Y}"
        )
    return "; ".join(parts)


def _gate_message(couple: Couple, version: ExerciseVersion, concerns: str) -> str:
    why = (
        "is a joint exercise"
        if version.joint
        else "asks the hurt partner to be vulnerable with the other partner"
    )
    return (
        f"{couple.case_code} has an open safety concern ({concerns}). {version.title!r} {why}, "
        "so it is not assigned while the concern is open. If you have weighed the risk, "
        "you can assign it with a safety override: give your reason, which is recorded on "
        "the assignment and in the audit log."
    )


def _role_mismatches(
    couple: Couple, version: ExerciseVersion, target: AssignmentTarget
) -> list[Partner]:
    """Partners given an individual exercise meant for the other role ("both" fits any)."""
    labels = role_mismatches(
        [(partner.label, partner.role) for partner in couple.partners],
        version.intended_role,
        joint=version.joint,
        target=target.value,
    )
    return [partner for partner in couple.partners if partner.label in labels]


def _mismatch_message(version: ExerciseVersion, partners: list[Partner]) -> str:
    who = " and ".join(
        f"{p.name} (partner {p.label}) is recorded as "
        f"{INTENDED_ROLE_LABELS[PartnerRole(p.role).value].lower()}"
        for p in partners
    )
    return (
        f"{version.title!r} is meant for the "
        f"{INTENDED_ROLE_LABELS[version.intended_role].lower()}, "
        f"but {who}. Assign it anyway?"
    )


# --- changing an assignment ---


@dataclass
class _Open:
    """An assignment opened for a change inside a transaction."""

    assignment: Assignment
    couple: Couple
    text: ExerciseVersion

    @property
    def title(self) -> str:
        return self.text.title

    def partner(self, label: str) -> Partner:
        return next(p for p in self.couple.partners if p.label == label)


def _open(
    session: Session, actor: Actor, assignment_id: int, *, couple_id: int | None = None
) -> _Open:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("That homework assignment does not exist.")
    if couple_id is not None and assignment.couple_id != couple_id:
        raise ValidationError("That homework belongs to another couple.")
    couple = _couple_to_change(session, actor, assignment.couple_id)
    text = session.get(ExerciseVersion, assignment.exercise_version_id)
    assert text is not None
    return _Open(assignment, couple, text)


def _check_version(opened: _Open, expected_version: int) -> None:
    current = opened.assignment
    if current.version != expected_version:
        raise ConflictError(
            f"{opened.title!r} was updated by someone else after you opened it (it is now "
            f"{ASSIGNMENT_STATUS_LABELS[AssignmentStatus(current.status)].lower()}). "
            "Nothing was changed: "
            "check the saved homework and try again."
        )


def _flush(session: Session, opened: _Open) -> None:
    title = opened.title  # read now: a failed flush expires the loaded rows
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(
            f"{title!r} was updated by someone else while you were saving. "
            "Nothing was changed; reload and try again."
        ) from None


def _change_status(
    session: Session,
    actor: Actor,
    opened: _Open,
    status: AssignmentStatus | str,
    skip_reason: str | None,
) -> None:
    update = parse(StatusUpdateIn, {"status": status, "skip_reason": skip_reason})
    new, reason = update.status, update.skip_reason
    assignment = opened.assignment
    old = AssignmentStatus(assignment.status)
    reason = reason if new is AssignmentStatus.SKIPPED else None
    if old is new and assignment.skip_reason == reason:
        return
    assignment.status = new
    assignment.skip_reason = reason
    audit.record(
        session,
        actor,
        "homework_status_changed",
        "assignment",
        assignment.id,
        {
            "case_code": opened.couple.case_code,
            "from": old.value,
            "to": new.value,
            "reason": reason,
        },
    )


def _clean_answers(opened: _Open, answers: Mapping[str, str]) -> dict[str, str]:
    prompts = list(opened.text.prompts)
    unknown = unknown_prompts(prompts, answers)
    if unknown:
        raise ValidationError(
            f"{unknown[0]!r} is not one of the questions of {opened.title!r} "
            f"(version {opened.text.version}); answers go with the exercise's own questions."
        )
    # In the exercise's order, without unanswered questions.
    return clean_answers(prompts, answers)


def _add_completion(
    session: Session,
    actor: Actor,
    opened: _Open,
    partner_label: str,
    completed_on: date,
    answers: Mapping[str, str],
) -> None:
    assignment = opened.assignment
    assigned_to = TARGET_PARTNERS[AssignmentTarget(assignment.target).value]
    partner = opened.partner(partner_label)
    if partner_label not in assigned_to:
        other = opened.partner(assigned_to[0])
        raise ValidationError(
            f"{opened.title!r} was assigned to {other.name} (partner {other.label}) only, "
            f"not to {partner.name}; a reflection cannot be recorded for {partner.name}."
        )
    if completed_on < assignment.assigned_on:
        raise ValidationError(
            f"The completion date cannot be before the assignment date "
            f"({assignment.assigned_on:%d %b %Y})."
        )
    cleaned = _clean_answers(opened, answers)
    earlier = session.execute(
        select(AssignmentCompletion.partner_id, AssignmentCompletion.completed_on).where(
            AssignmentCompletion.assignment_id == assignment.id
        )
    ).all()
    if (partner.id, completed_on) in earlier:
        raise ValidationError(
            f"A completion by {partner.name} on {completed_on:%d %b %Y} is already recorded."
        )
    once = opened.text.frequency == "once"
    if once and any(partner_id == partner.id for partner_id, _day in earlier):
        raise ValidationError(
            f"{partner.name} has already completed {opened.title!r}, a one-time exercise."
        )
    session.add(
        AssignmentCompletion(
            assignment_id=assignment.id,
            partner_id=partner.id,
            completed_on=completed_on,
            answers=cleaned,
            recorded_by_id=actor.id,
        )
    )
    audit.record(
        session,
        actor,
        "homework_completion_recorded",
        "assignment",
        assignment.id,
        {
            "case_code": opened.couple.case_code,
            "partner": partner_label,
            "completed_on": completed_on,
            "answers": len(cleaned),
        },
    )
    done_by = {partner_id for partner_id, _day in earlier} | {partner.id}
    everyone = {opened.partner(label).id for label in assigned_to}
    if once and done_by >= everyone:
        _change_status(session, actor, opened, AssignmentStatus.DONE, None)
    elif AssignmentStatus(assignment.status) is not AssignmentStatus.DONE:
        _change_status(session, actor, opened, AssignmentStatus.IN_PROGRESS, None)


def _comment(session: Session, actor: Actor, opened: _Open, comment: str) -> None:
    text = parse(CommentIn, {"comment": comment}).comment
    opened.assignment.counsellor_comment = text
    audit.record(
        session,
        actor,
        "homework_reviewed",
        "assignment",
        opened.assignment.id,
        {"case_code": opened.couple.case_code},
    )


Change = Callable[[Session, _Open], None]


def _change_one(
    db: Database,
    actor: Actor,
    assignment_id: int,
    expected_version: int | None,
    change: Change,
) -> AssignmentView:
    """One change to one assignment in its own transaction."""
    with db.transaction() as session:
        opened = _open(session, actor, assignment_id)
        if expected_version is not None:
            _check_version(opened, expected_version)
        change(session, opened)
        _flush(session, opened)
        return _view_one(session, assignment_id)


def set_status(
    db: Database,
    actor: Actor,
    assignment_id: int,
    status: AssignmentStatus | str,
    *,
    skip_reason: str | None = None,
    expected_version: int,
) -> AssignmentView:
    """Mark homework assigned, in progress, done or skipped (skipping needs a reason)."""
    return _change_one(
        db,
        actor,
        assignment_id,
        expected_version,
        lambda session, opened: _change_status(session, actor, opened, status, skip_reason),
    )


def record_completion(
    db: Database,
    actor: Actor,
    assignment_id: int,
    partner_label: str,
    completed_on: date,
    answers: Mapping[str, str],
    *,
    today: date | None = None,
) -> AssignmentView:
    """One partner did the exercise on `completed_on`, answering some of its questions.

    A one-time exercise is done when every partner it was given to completed it
    (in progress until then); a recurring one keeps each completion and moves to
    in progress. `today`: the counsellor's local date (a later completion is refused).
    """
    given = parse(
        CompletionIn,
        {"partner_label": partner_label, "completed_on": completed_on, "answers": answers},
        today=today,
    )
    return _change_one(
        db,
        actor,
        assignment_id,
        None,
        lambda session, opened: _add_completion(
            session, actor, opened, given.partner_label, given.completed_on, given.answers
        ),
    )


def review(
    db: Database, actor: Actor, assignment_id: int, comment: str, *, expected_version: int
) -> AssignmentView:
    """The counsellor's review comment (replaces an earlier one)."""
    return _change_one(
        db,
        actor,
        assignment_id,
        expected_version,
        lambda session, opened: _comment(session, actor, opened, comment),
    )


def apply_reviews(
    session: Session,
    actor: Actor,
    couple_id: int,
    reviews: Sequence[HomeworkReviewIn | Mapping[str, Any]],
    on: date,
) -> list[AssignmentView]:
    """Review homework inside the caller's open transaction (the session form).

    For each review, in order: the partners' answers become completions dated
    `on`, then the status changes (if given), then the comment is saved. Any
    refusal raises, so the caller's whole transaction rolls back.
    """
    parsed = [parse(HomeworkReviewIn, item) for item in reviews]
    if len({item.assignment_id for item in parsed}) != len(parsed):
        raise ValidationError("The same homework is reviewed twice in this form.")
    views = []
    for item in parsed:
        opened = _open(session, actor, item.assignment_id, couple_id=couple_id)
        _check_version(opened, item.expected_version)
        for label, answers in answered(item.answers).items():
            _add_completion(session, actor, opened, label, on, answers)
        if item.status is not None:
            _change_status(session, actor, opened, item.status, item.skip_reason)
        if item.comment.strip():
            _comment(session, actor, opened, item.comment)
        _flush(session, opened)
        views.append(_view_one(session, item.assignment_id))
    return views


def review_hook(
    reviews: Sequence[HomeworkReviewIn | Mapping[str, Any]],
) -> Callable[[Session, Actor, int, date], None]:
    """`apply_reviews` in the shape `sessions.record_session(review_homework=...)` calls:
    (session, actor, couple_id, session_date)."""

    def hook(session: Session, actor: Actor, couple_id: int, on: date) -> None:
        apply_reviews(session, actor, couple_id, reviews, on)

    return hook


# --- reading ---


def assignment(db: Database, actor: Actor, assignment_id: int) -> AssignmentView:
    with db.read() as session:
        view = _view_one(session, assignment_id)
        _couple_to_read(session, actor, view.couple_id)
        return view


def couple_homework(db: Database, actor: Actor, couple_id: int, today: date) -> pd.DataFrame:
    """One row per assignment: open ones first by due date, then the rest, newest first."""
    views = couple_assignments(db, actor, couple_id)
    return pd.DataFrame([_row(view, today) for view in views], columns=HOMEWORK_COLUMNS)


def _row(view: AssignmentView, today: date) -> dict[str, Any]:
    return {
        "id": view.id,
        "exercise": view.exercise_title,
        "step": view.repair_step,
        "target": view.target_label,
        "assigned_on": view.assigned_on,
        "due_on": view.due_on,
        "status": view.status_label,
        "overdue": view.overdue(today),
        "completions": view.completions,
        "frequency": view.frequency,
        "personal_note": view.personal_note,
        "safety_override_reason": view.safety_override_reason,
        "counsellor_comment": view.counsellor_comment,
        "skip_reason": view.skip_reason,
        "version": view.version,
        "exercise_version": view.exercise_version,
        "status_code": view.status.value,
        "open": view.is_open,
    }


def split_current(homework: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(current, history) of a `couple_homework` frame."""
    is_open = homework["open"].astype(bool)
    return homework[is_open], homework[~is_open]


def couple_assignments(db: Database, actor: Actor, couple_id: int) -> list[AssignmentView]:
    """Every assignment of a couple: open ones first by due date, then the rest, newest first."""
    with db.read() as session:
        _couple_to_read(session, actor, couple_id)
        views = _views(session, Assignment.couple_id == couple_id)
    finished = [view for view in views if not view.is_open]
    return [view for view in views if view.is_open] + finished[::-1]


def assignment_detail(db: Database, actor: Actor, assignment_id: int) -> AssignmentDetail:
    """An assignment with the exact text it was given and every completion's answers."""
    with db.read() as session:
        view = _view_one(session, assignment_id)
        _couple_to_read(session, actor, view.couple_id)
        rows = session.execute(
            select(AssignmentCompletion, Partner)
            .join(Partner, Partner.id == AssignmentCompletion.partner_id)
            .where(AssignmentCompletion.assignment_id == assignment_id)
            .order_by(AssignmentCompletion.completed_on, AssignmentCompletion.id)
        ).all()
        completions = tuple(
            CompletionView(c.id, p.label, p.name, c.completed_on, dict(c.answers or {}))
            for c, p in rows
        )
    return AssignmentDetail(view, exercises.get_version(db, actor, view.version_id), completions)


def due_for_review(db: Database, actor: Actor, couple_id: int, on: date) -> list[AssignmentView]:
    """Open homework due on or before `on` (for the session form's review)."""
    with db.read() as session:
        _couple_to_read(session, actor, couple_id)
        return _views(
            session,
            Assignment.couple_id == couple_id,
            Assignment.status.in_(OPEN_STATUSES),
            Assignment.due_on <= on,
        )


# --- adherence ---


def couple_adherence(db: Database, actor: Actor, couple_id: int, today: date) -> pd.DataFrame:
    """`adherence` for one couple, with each partner's name (two queries)."""
    given, done, names, _ = _adherence_inputs(db, actor, couple_id)
    frame = adherence(given, done, today)
    frame.insert(1, "name", frame["partner"].map(names))
    return frame


def adherence_by_week(db: Database, actor: Actor, couple_id: int, today: date) -> pd.DataFrame:
    """Cumulative adherence per partner at the end of each week since intake (for the
    chart): partner_label, partner_name, week, done, expected, rate. Weeks before the
    first assignment are left out."""
    given, done, names, intake = _adherence_inputs(db, actor, couple_id)
    return weekly_adherence(given, done, intake, today, names)


def _adherence_inputs(
    db: Database, actor: Actor, couple_id: int
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], date]:
    """The couple's assignments and completions as adherence() takes them."""
    with db.read() as session:
        couple = _couple_to_read(session, actor, couple_id)
        given = session.execute(
            select(
                Assignment.id,
                Assignment.target,
                ExerciseVersion.frequency,
                Assignment.assigned_on,
                Assignment.due_on,
                Assignment.status,
            )
            .join(ExerciseVersion, ExerciseVersion.id == Assignment.exercise_version_id)
            .where(Assignment.couple_id == couple_id)
        ).all()
        done = session.execute(
            select(
                AssignmentCompletion.assignment_id,
                Partner.label,
                AssignmentCompletion.completed_on,
            )
            .join(Partner, Partner.id == AssignmentCompletion.partner_id)
            .where(Partner.couple_id == couple_id)
        ).all()
        names = {partner.label: partner.name for partner in couple.partners}
        intake = couple.intake_date
    assignments = pd.DataFrame(
        [(i, _value(t), f, a, d, _value(s)) for i, t, f, a, d, s in given],
        columns=["id", "target", "frequency", "assigned_on", "due_on", "status"],
    )
    completions = pd.DataFrame(done, columns=["assignment_id", "partner_label", "completed_on"])
    return assignments, completions, names, intake


def _value(member: Any) -> str:
    return str(getattr(member, "value", member))


# --- the caseload ---


def _on_caseload(query: Any, actor: Actor) -> Any:
    """Only couples the actor may see (the query already joins Couple)."""
    return query if actor.sees_every_caseload else query.where(Couple.counsellor_id == actor.id)


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


def overdue_counts(db: Database, actor: Actor, today: date) -> dict[int, int]:
    """Open homework past its due date, per couple the actor may see (closed cases left out)."""
    with db.read() as session:
        require_active(session, actor)
        rows = session.execute(_on_caseload(overdue_query(today), actor))
        return {couple_id: count for couple_id, count in rows}


def homework_due(db: Database, actor: Actor, today: date) -> pd.DataFrame:
    """Open homework overdue or due within a week across the actor's caseload, by due date."""
    partner_a, partner_b = aliased(Partner), aliased(Partner)
    query = (
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
        )
        .order_by(Assignment.due_on, Couple.case_code, Assignment.id)
    )
    with db.read() as session:
        require_active(session, actor)
        rows = session.execute(_on_caseload(query, actor)).all()
    return pd.DataFrame(
        [
            {
                "assignment_id": assignment_id,
                "couple_id": couple_id,
                "case_code": case_code,
                "partners": f"{name_a} & {name_b}",
                "counsellor": counsellor,
                "exercise": title,
                "target": target_label(_value(target), name_a, name_b),
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


# --- suggestions ---


def couple_profile(db: Database, actor: Actor, couple_id: int, today: date) -> CoupleProfile:
    """What `core.suggestions` needs to know about a couple."""
    with db.read() as session:
        couple = _couple_to_read(session, actor, couple_id)
        given = session.execute(
            select(Exercise.slug, ExerciseVersion.repair_step, Assignment.status)
            .join(ExerciseVersion, ExerciseVersion.id == Assignment.exercise_version_id)
            .join(Exercise, Exercise.id == ExerciseVersion.exercise_id)
            .where(Assignment.couple_id == couple_id)
        ).all()
        concern = safety.has_open_concern(session, couple_id)
    done = AssignmentStatus.DONE.value
    return CoupleProfile(
        partner_roles=tuple(_value(partner.role) for partner in couple.partners),
        breach_types=frozenset(_value(b.breach_type) for b in couple.breaches),
        repeated=_value(couple.pattern) == BreachPattern.REPEATED.value,
        weeks_in_care=max(0, (today - couple.intake_date).days // 7),
        completed_steps=frozenset(step for _slug, step, status in given if _value(status) == done),
        taken_slugs=frozenset(
            slug for slug, _step, status in given if _value(status) != AssignmentStatus.SKIPPED
        ),
        safety_concern=concern,
    )


def suggestions(
    db: Database, actor: Actor, couple_id: int, today: date, *, k: int = 3
) -> list[Suggestion]:
    """The next `k` exercises for a couple from the library's current, unretired exercises."""
    profile = couple_profile(db, actor, couple_id, today)
    return suggest_exercises(profile, exercises.list_exercises(db, actor), k=k)
