"""Deterministic synthetic caseload for demos, tests and benchmarks.

    python -m core.demo --couples 40 --seed 1 [--database-url URL]

Every name is generic and invented; no real client is represented. The same
seed and reference date always give the same caseload.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from core.config import load_settings
from core.db import Database, upgrade_schema
from core.domain import (
    AssignmentStatus,
    Attendees,
    BreachPattern,
    BreachType,
    CoupleStatus,
    Modality,
    NoteStatus,
    PartnerRole,
    Role,
    ScreenStatus,
)
from core.homework_rules import is_gated
from core.models import (
    Assignment,
    AssignmentCompletion,
    Counsellor,
    Couple,
    CoupleBreach,
    Exercise,
    ExerciseVersion,
    Measurement,
    Partner,
    SafetyScreen,
)
from core.models import Session as SessionRow
from core.services import audit, exercises, safety
from core.services.accounts import DEMO_ACCOUNTS, hash_password

COUPLES_PER_EXTRA_COUNSELLOR = 25

FIRST_NAMES = (
    "Alex",
    "Sam",
    "Jordan",
    "Casey",
    "Morgan",
    "Taylor",
    "Riley",
    "Jamie",
    "Quinn",
    "Avery",
    "Rowan",
    "Sasha",
    "Drew",
    "Kai",
    "Noor",
    "Ira",
    "Lee",
    "Rene",
    "Toni",
    "Eli",
    "Mika",
    "Nico",
    "Pat",
    "Robin",
    "Shay",
    "Teo",
    "Uma",
    "Vic",
    "Wren",
    "Zan",
    "Ari",
    "Bo",
    "Cam",
    "Dee",
    "Emery",
    "Finn",
    "Gale",
    "Hollis",
    "Indy",
    "Jess",
)
PRONOUNS = ("she/her", "he/him", "they/them", "she/her", "he/him")
GOALS = (
    "Decide together whether to continue; rebuild day-to-day honesty.",
    "Understand what led to the breach and agree new boundaries.",
    "Restore a sense of safety at home and reduce arguments about the past.",
    "Rebuild emotional closeness and plan the next year together.",
    "Learn to talk about hard topics without shutting down.",
)
FIVE_CS = ("care", "communication", "character", "consistency", "competence")
CSI4_ITEMS = ("q1", "q2", "q3", "q4")
CSI4_MAX = {"q1": 6, "q2": 5, "q3": 5, "q4": 5}


@dataclass(frozen=True)
class Trajectory:
    """How a couple's ratings move: share of the possible gain reached by week 26."""

    name: str
    gain_at_26: float
    drop_out_week: int | None = None


TRAJECTORIES = (
    (0.58, Trajectory("improving", 0.65)),
    (0.17, Trajectory("plateau", 0.08)),
    (0.12, Trajectory("worsening", -0.35)),
    (0.13, Trajectory("drop-out", 0.15, drop_out_week=8)),
)


@dataclass
class DemoSummary:
    counsellors: int = 0
    couples: int = 0
    sessions: int = 0
    measurements: int = 0
    screens: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def is_empty(db: Database) -> bool:
    with db.read() as session:
        return not session.scalar(select(func.count()).select_from(Counsellor))


def load_demo(
    db: Database, *, couples: int = 40, seed: int = 1, today: date | None = None
) -> DemoSummary:
    """Fill an empty database with accounts and a synthetic caseload."""
    if couples < 0:
        raise ValueError("couples must be zero or more")
    if not is_empty(db):
        raise RuntimeError("the database already has accounts; demo data goes into an empty one")
    rng = random.Random(seed)
    today = today or date.today()
    summary = DemoSummary()
    exercises.sync_catalogue(db)
    with db.transaction() as session:
        counsellor_ids = _add_accounts(session, couples)
        summary.counsellors = len(counsellor_ids)
        for start in range(0, couples, 250):
            batch = range(start, min(couples, start + 250))
            _add_couples(session, rng, today, counsellor_ids, batch, summary)
        # A separate stream, so adding homework never changes the rest of a seed's data.
        summary.extra["assignments"] = _add_homework(session, random.Random(seed + 7919), today)
        audit.record(
            session,
            None,
            "demo_loaded",
            "database",
            None,
            {"couples": couples, "seed": seed},
            username="system",
        )
    return summary


def _add_accounts(session: Session, couples: int) -> list[int]:
    rows = [
        {
            "username": u,
            "display_name": n,
            "role": r,
            "password_hash": hash_password(p),
            "active": True,
            "failed_logins": 0,
            "must_change_password": False,
        }
        for u, n, r, p in DEMO_ACCOUNTS
    ]
    extra = max(0, couples // COUPLES_PER_EXTRA_COUNSELLOR - 2)
    # Extra counsellors for clinic-scale data share one unusable hash: nobody logs in as them.
    locked_hash = hash_password(f"no-login-{random.Random(couples).random()}")
    rows += [
        {
            "username": f"counsellor{n + 3}",
            "display_name": f"Counsellor {n + 3} (demo)",
            "role": Role.COUNSELLOR,
            "password_hash": locked_hash,
            "active": True,
            "failed_logins": 0,
            "must_change_password": False,
        }
        for n in range(extra)
    ]
    ids = session.scalars(
        insert(Counsellor).returning(Counsellor.id, sort_by_parameter_order=True), rows
    ).all()
    return [i for i, row in zip(ids, rows, strict=True) if row["role"] is Role.COUNSELLOR]


def _pick_trajectory(rng: random.Random) -> Trajectory:
    roll, cumulative = rng.random(), 0.0
    for share, trajectory in TRAJECTORIES:
        cumulative += share
        if roll < cumulative:
            return trajectory
    return TRAJECTORIES[0][1]


@dataclass(frozen=True)
class _Plan:
    couple: dict[str, Any]
    partners: tuple[dict[str, Any], dict[str, Any]]
    breaches: list[BreachType]
    trajectory: Trajectory
    interval_weeks: int
    weeks_seen: int
    open_concern: bool


def _plan_couple(rng: random.Random, number: int, today: date, counsellor_ids: list[int]) -> _Plan:
    intake = today - timedelta(days=rng.randint(3, 700))
    weeks = (today - intake).days // 7
    trajectory = _pick_trajectory(rng)
    breaches = rng.sample(list(BreachType), k=rng.choice((1, 1, 2, 2, 3)))
    abuse = BreachType.EMOTIONAL_ABUSE in breaches
    status, weeks_seen = _status_for(rng, trajectory, weeks)
    name_a, name_b = rng.sample(FIRST_NAMES, 2)
    role_a, role_b = rng.choice(
        [(PartnerRole.HURT, PartnerRole.BROKE_TRUST)] * 4
        + [(PartnerRole.BROKE_TRUST, PartnerRole.HURT)] * 3
        + [(PartnerRole.BOTH, PartnerRole.BOTH), (PartnerRole.HURT, PartnerRole.BOTH)]
    )
    couple = {
        "case_code": f"C-{number:04d}",
        "counsellor_id": counsellor_ids[number % len(counsellor_ids)],
        "intake_date": intake,
        "status": status,
        "pattern": BreachPattern.REPEATED if rng.random() < 0.35 else BreachPattern.ONE_TIME,
        "goals": rng.choice(GOALS),
        "closing_reason": _closing_reason(trajectory) if status is CoupleStatus.CLOSED else None,
        "version": 1,
    }
    partners = (
        {
            "label": "A",
            "name": name_a,
            "pronouns": rng.choice(PRONOUNS),
            "role": role_a,
            "contact": "",
        },
        {
            "label": "B",
            "name": name_b,
            "pronouns": rng.choice(PRONOUNS),
            "role": role_b,
            "contact": "",
        },
    )
    return _Plan(
        couple,
        partners,
        breaches,
        trajectory,
        rng.choice((1, 1, 2)),
        weeks_seen,
        open_concern=(abuse and rng.random() < 0.7) or rng.random() < 0.04,
    )


def _status_for(rng: random.Random, trajectory: Trajectory, weeks: int) -> tuple[CoupleStatus, int]:
    if weeks < 2:
        return CoupleStatus.INTAKE, weeks
    if trajectory.drop_out_week is not None and weeks > trajectory.drop_out_week:
        return CoupleStatus.CLOSED, trajectory.drop_out_week
    if weeks > 52 and rng.random() < 0.6:
        return CoupleStatus.CLOSED, rng.randint(30, 52)
    if rng.random() < 0.07:
        return CoupleStatus.PAUSED, max(1, weeks - rng.randint(2, 6))
    return CoupleStatus.ACTIVE, weeks


def _closing_reason(trajectory: Trajectory) -> str:
    if trajectory.drop_out_week is not None:
        return "Couple stopped attending; closing letter sent."
    return "Goals reached; planned ending agreed with both partners."


def _add_couples(
    session: Session,
    rng: random.Random,
    today: date,
    counsellor_ids: list[int],
    numbers: range,
    summary: DemoSummary,
) -> None:
    plans = [_plan_couple(rng, n + 1, today, counsellor_ids) for n in numbers]
    couple_ids = session.scalars(
        insert(Couple).returning(Couple.id, sort_by_parameter_order=True),
        [plan.couple for plan in plans],
    ).all()
    partner_rows = [
        dict(p, couple_id=cid)
        for plan, cid in zip(plans, couple_ids, strict=True)
        for p in plan.partners
    ]
    partner_ids = session.scalars(
        insert(Partner).returning(Partner.id, sort_by_parameter_order=True), partner_rows
    ).all()
    session.execute(
        insert(CoupleBreach),
        [
            {"couple_id": cid, "breach_type": kind}
            for plan, cid in zip(plans, couple_ids, strict=True)
            for kind in plan.breaches
        ],
    )
    sessions: list[dict[str, Any]] = []
    ratings: list[tuple[int, list[dict[str, Any]]]] = []
    screens: list[dict[str, Any]] = []
    trauma_screens: list[dict[str, Any]] = []
    for index, (plan, couple_id) in enumerate(zip(plans, couple_ids, strict=True)):
        pair = (partner_ids[2 * index], partner_ids[2 * index + 1])
        couple_screens = _screens(rng, plan, pair)
        screens += couple_screens
        trauma_screens += [
            _ptsd_measurement(screen, couple_id)
            for screen in couple_screens
            if screen["ptsd_score"] is not None
        ]
        for visit, measures in _visits(rng, plan, couple_id, pair, today):
            sessions.append(visit)
            ratings.append((len(sessions) - 1, measures))
    # Notes are written as drafts, rated, then signed: the database refuses ratings
    # added to an already signed note, for the demo as for everyone.
    signing = [
        {k: visit.pop(k) for k in ("status", "signed_at", "signed_by_id")} for visit in sessions
    ]
    session_ids = (
        session.scalars(
            insert(SessionRow).returning(SessionRow.id, sort_by_parameter_order=True),
            [dict(visit, status=NoteStatus.DRAFT) for visit in sessions],
        ).all()
        if sessions
        else []
    )
    measurement_rows = [dict(m, session_id=session_ids[i]) for i, ms in ratings for m in ms]
    measurement_rows += trauma_screens
    if measurement_rows:
        session.execute(insert(Measurement), measurement_rows)
    signed = [
        dict(sign, id=sid, version=1)
        for sid, sign in zip(session_ids, signing, strict=True)
        if sign["status"] is NoteStatus.SIGNED
    ]
    if signed:
        session.execute(update(SessionRow), signed)
    if screens:
        session.execute(insert(SafetyScreen), screens)
    summary.couples += len(plans)
    summary.sessions += len(sessions)
    summary.measurements += len(measurement_rows)
    summary.screens += len(screens)


HOMEWORK_PHASES = ((6, "impact"), (16, "meaning"), (10_000, "moving_on"))
ANSWER_LINES = (
    "It was harder than I expected, but we did it.",
    "I noticed I wanted to explain myself instead of listening.",
    "We talked for longer than planned and it felt calmer.",
    "I wrote it down and read it back twice.",
)


def _add_homework(session: Session, rng: random.Random, today: date) -> int:
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
    gated = set(session.scalars(safety.open_concern_query()))
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


def _screens(rng: random.Random, plan: _Plan, pair: tuple[int, int]) -> list[dict[str, Any]]:
    intake = plan.couple["intake_date"]
    rows = []
    for partner, partner_id in zip(plan.partners, pair, strict=True):
        hurt = partner["role"] in (PartnerRole.HURT, PartnerRole.BOTH)
        concern = plan.open_concern and hurt
        rows.append(
            {
                "partner_id": partner_id,
                "screened_on": intake,
                "screener_id": plan.couple["counsellor_id"],
                "violence": concern and rng.random() < 0.3,
                "coercive_control": concern,
                "emotional_abuse": concern and rng.random() < 0.7,
                "self_harm_risk": False,
                "ptsd_score": rng.randint(2, 5) if hurt else None,
                "notes": "Screened individually at intake."
                if not concern
                else "Reports controlling behaviour at home; screened alone.",
                "plan": "" if not concern else "Safety plan agreed; individual sessions first.",
                "status": ScreenStatus.OPEN if concern else ScreenStatus.RESOLVED,
            }
        )
    return rows


PTSD_ITEMS = ("nightmares", "avoidance", "on_guard", "numb", "guilt")


def _ptsd_measurement(screen: dict[str, Any], couple_id: int) -> dict[str, Any]:
    """The PC-PTSD-5 answers behind a screen's score (exposure yes, first n items yes)."""
    score = screen["ptsd_score"]
    items = {"exposure": 1} | {key: int(i < score) for i, key in enumerate(PTSD_ITEMS)}
    return {
        "couple_id": couple_id,
        "partner_id": screen["partner_id"],
        "session_id": None,
        "instrument": "pcptsd5",
        "measured_on": screen["screened_on"],
        "items": items,
        "total": float(score),
        "recorded_by_id": screen["screener_id"],
    }


def _visits(
    rng: random.Random, plan: _Plan, couple_id: int, pair: tuple[int, int], today: date
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    intake: date = plan.couple["intake_date"]
    counsellor_id = plan.couple["counsellor_id"]
    visits = []
    week = 0
    while week <= plan.weeks_seen:
        day = intake + timedelta(weeks=week, days=rng.randint(0, 2))
        if day > today:
            break
        attendees = (
            Attendees.JOINT
            if rng.random() < 0.9
            else rng.choice((Attendees.A_ONLY, Attendees.B_ONLY))
        )
        recent = (today - day).days <= 10
        draft = (recent and rng.random() < 0.5) or rng.random() < 0.01
        signed_at = None if draft else datetime.combine(day, time(18, 0), tzinfo=UTC)
        visit = {
            "couple_id": couple_id,
            "counsellor_id": counsellor_id,
            "session_date": day,
            "duration_minutes": rng.choice((50, 50, 60, 80)),
            "modality": rng.choice(
                (Modality.IN_PERSON, Modality.IN_PERSON, Modality.VIDEO, Modality.PHONE)
            ),
            "attendees": attendees,
            **_note(rng, plan, week),
            "risk_raised": False,
            "risk_text": "",
            "status": NoteStatus.DRAFT if draft else NoteStatus.SIGNED,
            "signed_at": signed_at,
            "signed_by_id": None if draft else counsellor_id,
            "version": 1,
        }
        present = [
            i
            for i, label in enumerate("AB")
            if attendees is Attendees.JOINT or attendees.value == f"{label.lower()}_only"
        ]
        measures = [
            m
            for i in present
            for m in _ratings(rng, plan, i, pair[i], couple_id, day, week, counsellor_id)
        ]
        visits.append((visit, measures))
        week += plan.interval_weeks
    return visits


def _progress(trajectory: Trajectory, week: int) -> float:
    """Share of the possible gain reached at `week`: a saturating curve around week 26."""
    return trajectory.gain_at_26 * (1 - math.exp(-week / 12)) / (1 - math.exp(-26 / 12))


def _ratings(
    rng: random.Random,
    plan: _Plan,
    index: int,
    partner_id: int,
    couple_id: int,
    day: date,
    week: int,
    counsellor_id: int,
) -> list[dict[str, Any]]:
    hurt = plan.partners[index]["role"] is not PartnerRole.BROKE_TRUST
    # The hurt partner starts lower; the other partner's ratings move less.
    gain = _progress(plan.trajectory, week) * (1.0 if hurt else 0.6)
    base = 0.28 if hurt else 0.5

    def level(noise: float) -> float:
        return min(1.0, max(0.0, base + (1 - base) * gain + rng.gauss(0, noise)))

    five = {c: round(10 * level(0.08)) for c in FIVE_CS}
    csi = {q: round(CSI4_MAX[q] * level(0.1)) for q in CSI4_ITEMS}
    distress = round(10 * (1 - level(0.1)))
    common = {
        "couple_id": couple_id,
        "partner_id": partner_id,
        "measured_on": day,
        "recorded_by_id": counsellor_id,
    }
    return [
        dict(common, instrument="five_cs", items=five, total=float(sum(five.values()))),
        dict(common, instrument="csi4", items=csi, total=float(sum(csi.values()))),
        dict(common, instrument="distress", items={"distress": distress}, total=float(distress)),
    ]


DATA_LINES = (
    "Both partners attended on time. {a} described a week with fewer arguments.",
    "{b} reported feeling on edge after a reminder of the breach midweek.",
    "{a} and {b} practised the check-in conversation with prompting.",
    "Session focused on the timeline of events; {b} answered questions calmly.",
)
ASSESSMENT_LINES = (
    "Engaged; early signs of turning toward each other.",
    "Trust remains fragile; defensiveness when the past comes up.",
    "Progress consistent with the current phase of repair work.",
    "Tension high; homework only partly completed.",
)
PLAN_LINES = (
    "Continue weekly check-ins; review boundary agreement next time.",
    "Introduce the apology letter; individual check-in with {a}.",
    "Keep cooling-off agreement; revisit goals in two weeks.",
    "Practise I-statements daily; review kept-promises log.",
)


def _note(rng: random.Random, plan: _Plan, week: int) -> dict[str, str]:
    names = {"a": plan.partners[0]["name"], "b": plan.partners[1]["name"]}
    return {
        "note_data": f"Week {week}. " + rng.choice(DATA_LINES).format(**names),
        "note_assessment": rng.choice(ASSESSMENT_LINES),
        "note_plan": rng.choice(PLAN_LINES).format(**names),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load a synthetic Mend caseload.")
    parser.add_argument("--couples", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default=None, help="defaults to DATABASE_URL or the local SQLite file"
    )
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing (exit 0) when the database already has data",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.couples <= 5000:
        parser.error("--couples must be between 0 and 5000")
    db = Database.from_url(args.database_url or load_settings().database_url)
    upgrade_schema(db.engine)
    if not is_empty(db):
        print("The database already has data; demo data is only loaded into an empty one.")
        return 0 if args.if_empty else 1
    summary = load_demo(db, couples=args.couples, seed=args.seed)
    print(
        f"Loaded {summary.couples} couples, {summary.sessions} sessions, "
        f"{summary.measurements} ratings for {summary.counsellors} counsellors."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
