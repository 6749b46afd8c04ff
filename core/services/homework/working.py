"""Working on homework: status, completions with the partners' answers, reviews.

Only the couple's own counsellor updates homework, and not while the case is
closed. Status changes and reviews carry the version the counsellor saw
(optimistic locking): a stale one changes nothing.

`apply_reviews` runs the same operations inside a caller's open transaction, so
the session form saves its note and the homework review together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import Database
from core.domain import (
    ASSIGNMENT_STATUS_LABELS,
    SOURCE_CHECK_IN,
    SOURCE_SESSION,
    AssignmentStatus,
    AssignmentTarget,
    SafetyDecision,
)
from core.errors import ConflictError, NotFound, ValidationError
from core.homework_rules import TARGET_PARTNERS, answered, clean_answers, unknown_prompts
from core.models import (
    Assignment,
    AssignmentCompletion,
    Couple,
    ExerciseVersion,
    Partner,
    utcnow,
)
from core.queries import homework as queries
from core.queries.homework import AssignmentView
from core.schemas import (
    CommentIn,
    CompletionIn,
    HomeworkReviewIn,
    SafetyDecisionIn,
    StatusUpdateIn,
    parse,
)
from core.services import audit
from core.services.access import Actor
from core.services.conflicts import flush_or_conflict
from core.services.homework._couple import to_change


@dataclass(frozen=True)
class LinkUse:
    """A partner's own answer through a check-in link: audited under the link (no
    account), recorded for the counsellor who made the link, marked "check-in"."""

    link_id: int
    made_by_id: int

    @property
    def username(self) -> str:
        return f"check-in link {self.link_id}"


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
    couple = to_change(session, actor, assignment.couple_id)
    text = session.get(ExerciseVersion, assignment.exercise_version_id)
    assert text is not None
    return _Open(assignment, couple, text)


def _check_version(opened: _Open, expected_version: int) -> None:
    current = opened.assignment
    if current.version != expected_version:
        raise ConflictError(_updated_meanwhile(opened.title, AssignmentStatus(current.status)))


def _updated_meanwhile(title: str, status: AssignmentStatus) -> str:
    return (
        f"{title!r} was updated by someone else after you opened it (it is now "
        f"{ASSIGNMENT_STATUS_LABELS[status].lower()}). Nothing was changed: "
        "check the saved homework and try again."
    )


def _flush(session: Session, opened: _Open) -> None:
    """Flush the assignment's changes. If another save of the same version committed
    first (the UPDATE matched no row), the version check's own message, with the
    status the other save left."""
    title, assignment_id = opened.title, opened.assignment.id  # a failed flush expires rows

    def message(fresh: Session) -> str:
        saved = fresh.get(Assignment, assignment_id)
        assert saved is not None  # assignments are never deleted
        return _updated_meanwhile(title, AssignmentStatus(saved.status))

    flush_or_conflict(session, message)


def _change_status(
    session: Session,
    actor: Actor | None,
    opened: _Open,
    status: AssignmentStatus | str,
    skip_reason: str | None,
    *,
    link: LinkUse | None = None,
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
            **({"source": SOURCE_CHECK_IN} if link else {}),
        },
        username=link.username if link else None,
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
    actor: Actor | None,
    opened: _Open,
    partner_label: str,
    completed_on: date,
    answers: Mapping[str, str],
    *,
    link: LinkUse | None = None,
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
            recorded_by_id=link.made_by_id if link else _who(actor),
            source=SOURCE_CHECK_IN if link else SOURCE_SESSION,
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
            **({"source": SOURCE_CHECK_IN} if link else {}),
        },
        username=link.username if link else None,
    )
    done_by = {partner_id for partner_id, _day in earlier} | {partner.id}
    everyone = {opened.partner(label).id for label in assigned_to}
    if once and done_by >= everyone:
        _change_status(session, actor, opened, AssignmentStatus.DONE, None, link=link)
    elif AssignmentStatus(assignment.status) is not AssignmentStatus.DONE:
        _change_status(session, actor, opened, AssignmentStatus.IN_PROGRESS, None, link=link)


def _who(actor: Actor | None) -> int:
    assert actor is not None  # without a link, a counsellor records it
    return actor.id


def record_from_link(
    session: Session,
    link: LinkUse,
    assignment: Assignment,
    couple: Couple,
    partner_label: str,
    on: date,
    *,
    done: bool,
    answers: Mapping[str, str],
    skip_reason: str | None,
) -> None:
    """A partner's reflection through their check-in link, inside the caller's
    transaction: done (a completion with their answers, marked "check-in") or skipped
    with their reason. The caller has checked the link's scope and the safety rules."""
    text = session.get(ExerciseVersion, assignment.exercise_version_id)
    assert text is not None
    opened = _Open(assignment, couple, text)
    if done:
        _add_completion(session, None, opened, partner_label, on, answers, link=link)
    else:
        _change_status(session, None, opened, AssignmentStatus.SKIPPED, skip_reason, link=link)
    _flush(session, opened)


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
        return queries.assignment_view(session, assignment_id)


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


def decide_safety(
    db: Database,
    actor: Actor,
    assignment_id: int,
    decision: SafetyDecision | str | None,
    *,
    reason: str | None = None,
    expected_version: int,
) -> AssignmentView:
    """Pause or continue open homework that the safety gate would now stop (a concern
    opened after it was given: safety_hold "ask"); continuing needs a reason. Stored on
    the assignment (who, when, why) and audited as "homework_safety_decision"."""
    given = parse(SafetyDecisionIn, {"decision": decision, "reason": reason})

    def change(session: Session, opened: _Open) -> None:
        view = queries.assignment_view(session, opened.assignment.id)
        if view.safety_hold is None:
            raise ValidationError(
                f"{opened.title!r} needs no safety decision: no open concern stops it."
            )
        assignment = opened.assignment
        assert given.decision is not None  # SafetyDecisionIn refuses a missing one
        assignment.safety_decision = given.decision
        assignment.decided_at = utcnow()
        assignment.decided_by_id = actor.id
        assignment.decision_reason = given.reason
        audit.record(
            session,
            actor,
            "homework_safety_decision",
            "assignment",
            assignment.id,
            {
                "case_code": opened.couple.case_code,
                "decision": given.decision.value,
                "reason": given.reason,
            },
        )

    return _change_one(db, actor, assignment_id, expected_version, change)


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
        views.append(queries.assignment_view(session, item.assignment_id))
    return views
