"""Synthetic homework: assignments, completions and reflections, safety gate respected."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.demo.data import ANSWER_LINES, HOMEWORK_PHASES
from core.domain import (
    AssignmentStatus,
    PartnerRole,
)
from core.homework_rules import is_gated
from core.models import (
    Assignment,
    AssignmentCompletion,
    Couple,
    Exercise,
    ExerciseVersion,
    Partner,
)
from core.models import Session as SessionRow
from core.queries.safety import open_concern_couples


def add_homework(session: Session, rng: random.Random, today: date) -> int:
    """Give each seen couple a few catalogue exercises along their timeline, with
    completions that follow how engaged the couple is; respects the safety gate."""
    versions = (
        session.execute(
            select(ExerciseVersion)
            .join(Exercise, Exercise.id == ExerciseVersion.exercise_id)
            .where(Exercise.current_version == ExerciseVersion.version, Exercise.retired.is_(False))
            .order_by(ExerciseVersion.id)
        )
        .scalars()
        .all()
    )
    gated = set(session.scalars(open_concern_couples()))
    seen = session.execute(
        select(
            Couple.id, Couple.intake_date, Couple.counsellor_id, func.max(SessionRow.session_date)
        )
        .join(SessionRow, SessionRow.couple_id == Couple.id)
        .group_by(Couple.id, Couple.intake_date, Couple.counsellor_id)
        .order_by(Couple.id)
    ).all()
    roles = {(p.couple_id, p.label): p for p in session.scalars(select(Partner))}
    rows, done = [], []
    for couple_id, intake, counsellor_id, last in seen:
        engaged = rng.choice((0.9, 0.8, 0.7, 0.35))
        weeks = (last - intake).days // 7
        for number in range(min(4, 1 + weeks // 5)):
            assigned = intake + timedelta(weeks=number * 5 + 1)
            if assigned > last:
                break
            version = _pick_exercise(
                rng, versions, (assigned - intake).days // 7, couple_id in gated
            )
            target = _target(rng, version, roles[(couple_id, "A")].role)
            due = assigned + timedelta(days=13 if version.frequency == "daily" else 7)
            status, reason = _outcome(rng, engaged, due, today)
            rows.append(
                {
                    "couple_id": couple_id,
                    "exercise_version_id": version.id,
                    "target": target,
                    "assigned_on": assigned,
                    "due_on": due,
                    "status": status,
                    "skip_reason": reason,
                    "personal_note": "",
                    "counsellor_comment": "",
                    "assigned_by_id": counsellor_id,
                    "version": 1,
                }
            )
            done.append(
                _completions(
                    rng,
                    version,
                    target,
                    assigned,
                    min(due, today),
                    status,
                    engaged,
                    roles,
                    couple_id,
                    counsellor_id,
                )
            )
    if not rows:
        return 0
    ids = session.scalars(
        insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True), rows
    ).all()
    completions = [dict(c, assignment_id=i) for i, cs in zip(ids, done, strict=True) for c in cs]
    if completions:
        session.execute(insert(AssignmentCompletion), completions)
    return len(rows)


def _pick_exercise(
    rng: random.Random, versions: list[ExerciseVersion], week: int, concern: bool
) -> ExerciseVersion:
    phase = next(name for limit, name in HOMEWORK_PHASES if week < limit)
    fitting = [v for v in versions if v.phase == phase and not (concern and is_gated(v))]
    safe = [v for v in versions if not is_gated(v)]
    return rng.choice(fitting or safe)


def _target(rng: random.Random, version: ExerciseVersion, role_a: PartnerRole) -> str:
    if version.joint or version.intended_role == "both":
        return "both"
    if version.intended_role in ("hurt", "broke_trust"):
        a_fits = role_a in (PartnerRole.BOTH, PartnerRole(version.intended_role))
        return "A" if a_fits else "B"
    return rng.choice(("A", "B"))


def _outcome(
    rng: random.Random, engaged: float, due: date, today: date
) -> tuple[AssignmentStatus, str | None]:
    if due >= today:
        return rng.choice((AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)), None
    roll = rng.random()
    if roll < engaged:
        return AssignmentStatus.DONE, None
    if roll < engaged + (1 - engaged) / 2:
        return AssignmentStatus.SKIPPED, "Did not find a calm moment this week."
    return AssignmentStatus.ASSIGNED, None  # overdue: never reviewed


def _completions(
    rng: random.Random,
    version: ExerciseVersion,
    target: str,
    start: date,
    end: date,
    status: AssignmentStatus,
    engaged: float,
    roles: dict[tuple[int, str], Partner],
    couple_id: int,
    counsellor_id: int,
) -> list[dict[str, Any]]:
    if status is AssignmentStatus.SKIPPED or end < start:
        return []
    step = {"daily": 1, "weekly": 7}.get(version.frequency)
    days = (
        [start]
        if step is None
        else [start + timedelta(days=d) for d in range(0, (end - start).days + 1, step)]
    )
    labels = ("A", "B") if target == "both" else (target,)
    rows = []
    for label in labels:
        for day in days:
            if status is not AssignmentStatus.DONE and rng.random() > engaged / 2:
                continue
            if step is not None and rng.random() > engaged:
                continue
            rows.append(
                {
                    "partner_id": roles[(couple_id, label)].id,
                    "completed_on": day,
                    "answers": {p: rng.choice(ANSWER_LINES) for p in version.prompts[:2]},
                    "recorded_by_id": counsellor_id,
                }
            )
    return rows
