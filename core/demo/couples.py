"""Synthetic couples: partners, sessions, ratings, notes and safety screens."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from core.demo.data import (
    ASSESSMENT_LINES,
    CSI4_ITEMS,
    CSI4_MAX,
    DATA_LINES,
    FIRST_NAMES,
    FIVE_CS,
    GOALS,
    PLAN_LINES,
    PRONOUNS,
    PTSD_ITEMS,
    TRAJECTORIES,
    DemoSummary,
    Plan,
    Trajectory,
)
from core.domain import (
    Attendees,
    BreachPattern,
    BreachType,
    CoupleStatus,
    Modality,
    NoteStatus,
    PartnerRole,
    ScreenStatus,
    TraumaFollowUpKind,
)
from core.measures import PCPTSD5
from core.models import (
    Couple,
    CoupleBreach,
    Measurement,
    Partner,
    SafetyScreen,
    TraumaFollowUp,
)
from core.models import Session as SessionRow


def _pick_trajectory(rng: random.Random) -> Trajectory:
    roll, cumulative = rng.random(), 0.0
    for share, trajectory in TRAJECTORIES:
        cumulative += share
        if roll < cumulative:
            return trajectory
    return TRAJECTORIES[0][1]


def _plan_couple(rng: random.Random, number: int, today: date, counsellor_ids: list[int]) -> Plan:
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
    return Plan(
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


def add_couples(
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
    screen_weeks: list[int] = []  # each screen's couple's weeks seen
    trauma_screens: list[dict[str, Any]] = []
    for index, (plan, couple_id) in enumerate(zip(plans, couple_ids, strict=True)):
        pair = (partner_ids[2 * index], partner_ids[2 * index + 1])
        couple_screens = _screens(rng, plan, pair)
        screens += couple_screens
        screen_weeks += [plan.weeks_seen] * len(couple_screens)
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
        screen_ids = session.scalars(
            insert(SafetyScreen).returning(SafetyScreen.id, sort_by_parameter_order=True), screens
        ).all()
        follow_ups = [
            _follow_up(screen, screen_id, weeks)
            for screen, screen_id, weeks in zip(screens, screen_ids, screen_weeks, strict=True)
            if screen["ptsd_score"] is not None and PCPTSD5.in_clinical_range(screen["ptsd_score"])
        ]
        if follow_ups:
            session.execute(insert(TraumaFollowUp), follow_ups)
    summary.couples += len(plans)
    summary.sessions += len(sessions)
    summary.measurements += len(measurement_rows)
    summary.screens += len(screens)


def _screens(rng: random.Random, plan: Plan, pair: tuple[int, int]) -> list[dict[str, Any]]:
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


def _follow_up(screen: dict[str, Any], screen_id: int, weeks_seen: int) -> dict[str, Any]:
    """A positive screen's follow-up: recorded ("monitored", two weeks on) once the couple
    has been seen for a month, still open before that."""
    recorded = weeks_seen >= 4
    on = screen["screened_on"] + timedelta(weeks=2)
    return {
        "partner_id": screen["partner_id"],
        "screen_id": screen_id,
        "opened_on": screen["screened_on"],
        "ptsd_score": screen["ptsd_score"],
        "outcome": TraumaFollowUpKind.MONITORED if recorded else None,
        "followed_up_on": on if recorded else None,
        "note": "Symptoms discussed; monitored in sessions, re-screen planned."
        if recorded
        else None,
        "recorded_by_id": screen["screener_id"] if recorded else None,
        "recorded_at": datetime.combine(on, time(17), tzinfo=UTC) if recorded else None,
    }


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
    rng: random.Random, plan: Plan, couple_id: int, pair: tuple[int, int], today: date
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
    plan: Plan,
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


def _note(rng: random.Random, plan: Plan, week: int) -> dict[str, str]:
    names = {"a": plan.partners[0]["name"], "b": plan.partners[1]["name"]}
    return {
        "note_data": f"Week {week}. " + rng.choice(DATA_LINES).format(**names),
        "note_assessment": rng.choice(ASSESSMENT_LINES),
        "note_plan": rng.choice(PLAN_LINES).format(**names),
    }
