"""Giving homework: assigning an exercise through the safety gate, due dates, suggestions.

An assignment gives one exercise *version* to partner A, B or both; its text
never changes afterwards. Only the couple's own counsellor assigns, and not
while the case is closed.

Safety gate: while the couple has an open safety concern, a joint exercise or
one that asks the hurt partner to be vulnerable (`homework_rules.is_gated`) is
refused (`SafetyGateError`) unless the counsellor gives an override reason,
which is stored on the assignment and audited as its own "safety_override" event.
An individual exercise meant for the other role asks for confirmation
(`ConfirmationNeeded`).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.catalogue import catalogue_tags
from core.db import Database
from core.domain import (
    CONCERN_LABELS,
    INTENDED_ROLE_LABELS,
    AssignmentStatus,
    AssignmentTarget,
    BreachPattern,
    PartnerRole,
    ScreenStatus,
    weeks_in_care,
)
from core.errors import NotFound, ValidationError
from core.homework_rules import is_gated, role_mismatches
from core.measures import PCPTSD5
from core.models import Assignment, Couple, Exercise, ExerciseVersion, Partner, SafetyScreen
from core.queries import homework as queries
from core.queries import safety as safety_queries
from core.queries.exercises import ExerciseView, assignable_exercises
from core.queries.homework import AssignmentView
from core.schemas import AssignmentIn, SafetyOverrideIn, parse
from core.services import audit, safety
from core.services.access import Actor
from core.services.homework._couple import may_read, to_change, to_read
from core.suggestions import CoupleProfile, Suggestion, suggest_exercises

DEFAULT_DUE_DAYS = 7
SUGGESTIONS = 3


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
        may_read(session, actor, couple_id)
        return next_due_date(session, couple_id, today)


def next_due_date(session: Session, couple_id: int, today: date) -> date:
    """`default_due_date` inside a caller's session (access already checked)."""
    recent = queries.recent_session_dates(session, couple_id)
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
        couple = to_change(session, actor, couple_id)
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
        return queries.assignment_view(session, assignment.id)


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


# --- suggestions ---


def couple_profile(
    db: Database, actor: Actor, couple_id: int, today: date, *, progress_status: str | None = None
) -> CoupleProfile:
    """What `core.suggestions` needs to know about a couple."""
    with db.read() as session:
        couple = to_read(session, actor, couple_id)
        return profile_of(session, couple, today, progress_status=progress_status)


def profile_of(
    session: Session, couple: Couple, today: date, *, progress_status: str | None = None
) -> CoupleProfile:
    """`couple_profile` inside a caller's session (access already checked).

    The safety part comes from the safety screens: any open screen (the gate applies),
    the concern types ticked on open screens, and the partners whose latest PC-PTSD-5
    total is at or above the cut-off (`core.measures.PCPTSD5`, MEND_PCPTSD5_CUTOFF).
    `progress_status`: the couple's status from `progress_views.couple_status` (its
    Progress tab's analysis), which the couple page passes on; None when unknown (the
    progress rule then does not apply)."""
    given = queries.given_exercises(session, couple.id)
    done = AssignmentStatus.DONE.value
    concern_open, concerns = safety_queries.open_concern_types(session, couple.id)
    scores = safety_queries.latest_ptsd_scores(session, couple.id)
    return CoupleProfile(
        partner_roles=tuple(queries.value(partner.role) for partner in couple.partners),
        breach_types=frozenset(queries.value(b.breach_type) for b in couple.breaches),
        repeated=queries.value(couple.pattern) == BreachPattern.REPEATED.value,
        weeks_in_care=weeks_in_care(couple.intake_date, today),
        completed_steps=frozenset(step for _slug, step, status in given if status == done),
        taken_slugs=frozenset(
            slug for slug, _step, status in given if status != AssignmentStatus.SKIPPED
        ),
        safety_concern=concern_open,
        concerns=concerns,
        progress_status=progress_status,
        trauma_positive_roles=frozenset(
            queries.value(partner.role)
            for partner in couple.partners
            if partner.id in scores and PCPTSD5.in_clinical_range(scores[partner.id])
        ),
    )


def suggestions(
    db: Database,
    actor: Actor,
    couple_id: int,
    today: date,
    *,
    k: int = SUGGESTIONS,
    progress_status: str | None = None,
) -> list[Suggestion]:
    """The next `k` exercises for a couple from the library's current, unretired exercises.
    `progress_status`: see `profile_of`."""
    with db.read() as session:
        couple = to_read(session, actor, couple_id)
        profile = profile_of(session, couple, today, progress_status=progress_status)
        library = assignable_exercises(session)
    return suggest(profile, library, k=k)


def suggest(
    profile: CoupleProfile, library: Iterable[ExerciseView], *, k: int = SUGGESTIONS
) -> list[Suggestion]:
    """`core.suggestions.suggest_exercises` with the built-in catalogue's tags (tags are
    not stored on versions; a custom exercise gets `homework_rules.default_tags`)."""
    return suggest_exercises(profile, library, k=k, tags=catalogue_tags())
