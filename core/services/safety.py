"""Individual safety screens. An open concern raises a banner and gates joint work; a
positive PC-PTSD-5 opens a trauma follow-up on that partner until the counsellor records
how it was followed up (referral, further assessment or monitored)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import charts
from core.db import Database
from core.domain import CONCERN_LABELS, CaseRead, ScreenStatus, TraumaFollowUpKind
from core.errors import NotFound, ValidationError
from core.measures import PCPTSD5
from core.models import Measurement, Partner, SafetyScreen, TraumaFollowUp, utcnow
from core.queries import safety as safety_queries
from core.schemas import ResolutionIn, ScreenIn, TraumaFollowUpIn, parse
from core.services import audit, progress_cache
from core.services.access import (
    Actor,
    load_couple,
    require_active,
    require_edit,
    require_view,
)


@dataclass(frozen=True)
class ScreenView:
    id: int
    couple_id: int
    partner_label: str
    partner_name: str
    screened_on: date
    concerns: tuple[str, ...]
    ptsd_score: int | None
    ptsd_positive: bool | None
    notes: str
    plan: str
    status: ScreenStatus
    resolved_at: datetime | None
    resolution_note: str | None


@dataclass(frozen=True)
class FollowUpView:
    """A trauma follow-up: open while `outcome` is None."""

    id: int
    couple_id: int
    partner_label: str
    partner_name: str
    opened_on: date
    ptsd_score: int
    outcome: TraumaFollowUpKind | None
    followed_up_on: date | None
    note: str | None

    @property
    def is_open(self) -> bool:
        return self.outcome is None


def record_screen(
    db: Database,
    actor: Actor,
    couple_id: int,
    data: ScreenIn | Mapping[str, Any],
    *,
    today: date | None = None,
) -> ScreenView:
    """`today`: the counsellor's local date (a later screening date is refused)."""
    screen_in = parse(ScreenIn, data, today=today)
    ptsd = None if screen_in.ptsd_answers is None else int(PCPTSD5.score(screen_in.ptsd_answers))
    with db.transaction() as session:
        require_active(session, actor)
        couple = load_couple(session, couple_id)
        require_edit(actor, couple)
        if screen_in.screened_on < couple.intake_date:
            raise ValidationError("Screening date cannot be before the intake date.")
        partner = next(p for p in couple.partners if p.label == screen_in.partner_label)
        screen = SafetyScreen(
            partner_id=partner.id,
            screened_on=screen_in.screened_on,
            screener_id=actor.id,
            violence=screen_in.violence,
            coercive_control=screen_in.coercive_control,
            emotional_abuse=screen_in.emotional_abuse,
            self_harm_risk=screen_in.self_harm_risk,
            ptsd_score=ptsd,
            notes=screen_in.notes,
            plan=screen_in.plan,
            status=ScreenStatus.OPEN if screen_in.has_concern else ScreenStatus.RESOLVED,
        )
        session.add(screen)
        if screen_in.ptsd_answers is not None:
            # Tracked over time like any rating.
            session.add(
                Measurement(
                    couple_id=couple.id,
                    partner_id=partner.id,
                    instrument=PCPTSD5.key,
                    measured_on=screen_in.screened_on,
                    # Only answers given: after a "no" at the exposure question the
                    # five past-month questions are not asked.
                    items={k: v for k, v in screen_in.ptsd_answers.items() if v is not None},
                    total=float(ptsd or 0),
                    recorded_by_id=actor.id,
                )
            )
        session.flush()
        positive = ptsd is not None and bool(PCPTSD5.in_clinical_range(ptsd))
        audit.record(
            session,
            actor,
            "safety_screen_recorded",
            "safety_screen",
            screen.id,
            {
                "case_code": couple.case_code,
                "partner": partner.label,
                "open": screen_in.has_concern,
                "ptsd_positive": positive,
            },
        )
        if positive and safety_queries.open_follow_up(session, partner.id) is None:
            # One open follow-up per partner: a later positive screen while one is open
            # adds to the same question, it does not open a second item.
            follow_up = TraumaFollowUp(
                partner_id=partner.id,
                screen_id=screen.id,
                opened_on=screen_in.screened_on,
                ptsd_score=ptsd,
            )
            session.add(follow_up)
            session.flush()
            audit.record(
                session,
                actor,
                "trauma_follow_up_opened",
                "trauma_follow_up",
                follow_up.id,
                {"case_code": couple.case_code, "partner": partner.label, "score": ptsd},
            )
        return _view(screen, partner)


def record_follow_up(
    db: Database,
    actor: Actor,
    follow_up_id: int,
    data: TraumaFollowUpIn | Mapping[str, Any],
    *,
    today: date | None = None,
) -> FollowUpView:
    """Record how a positive trauma screen was followed up; the item closes."""
    given = parse(TraumaFollowUpIn, data, today=today)
    with db.transaction() as session:
        require_active(session, actor)
        follow_up = session.get(TraumaFollowUp, follow_up_id)
        if follow_up is None:
            raise NotFound("That trauma follow-up does not exist.")
        partner = session.get(Partner, follow_up.partner_id)
        assert partner is not None
        couple = load_couple(session, partner.couple_id)
        require_edit(actor, couple)
        if follow_up.outcome is not None:
            raise ValidationError("This follow-up is already recorded.")
        if given.followed_up_on < follow_up.opened_on:
            raise ValidationError("The follow-up date cannot be before the screen.")
        follow_up.outcome = given.outcome
        follow_up.followed_up_on = given.followed_up_on
        follow_up.note = given.note
        follow_up.recorded_by_id = actor.id
        follow_up.recorded_at = utcnow()
        audit.record(
            session,
            actor,
            "trauma_follow_up_recorded",
            "trauma_follow_up",
            follow_up.id,
            {
                "case_code": couple.case_code,
                "partner": partner.label,
                "outcome": given.outcome.value,
            },
        )
        return _follow_up_view(follow_up, partner)


def follow_ups(db: Database, actor: Actor, couple_id: int) -> list[FollowUpView]:
    """A couple's trauma follow-ups: open ones first, then newest first."""
    with db.read() as session:
        require_active(session, actor)
        couple = load_couple(session, couple_id)
        require_view(actor, couple)
        views = [_follow_up_view(f, p) for f, p in safety_queries.follow_ups(session, couple_id)]
    audit.record_read(db, actor, couple_id, CaseRead.SAFETY)
    return views


def ptsd_totals(db: Database, actor: Actor, couple_id: int) -> pd.DataFrame:
    """The couple's PC-PTSD-5 totals over time per partner (PTSD_TOTAL_COLUMNS)."""
    with db.read() as session:
        require_active(session, actor)
        couple = load_couple(session, couple_id)
        require_view(actor, couple)
        totals = safety_queries.ptsd_totals(session, couple_id)
    audit.record_read(db, actor, couple_id, CaseRead.SAFETY)
    return totals


def ptsd_chart(db: Database, totals: pd.DataFrame, *, cutoff: float, case_code: str) -> Any:
    """The PC-PTSD-5 chart of `totals` (ptsd_totals: read, access checked and audited
    there), built once per what it draws for the couples viewed lately, as the Progress
    tab's figures are (progress_cache): a figure is shared, draw it, never change it."""
    drawn = tuple(
        totals[["partner_label", "partner_name", "measured_on", "total"]].itertuples(
            index=False, name=None
        )
    )
    return progress_cache.memo_for(db, "ptsd_figures").get(
        case_code,
        (cutoff, drawn),
        lambda: charts.kept(charts.ptsd_over_time(totals, cutoff=cutoff, case_code=case_code)),
    )


def resolve_screen(db: Database, actor: Actor, screen_id: int, note: str) -> ScreenView:
    note = parse(ResolutionIn, {"note": note}).note
    with db.transaction() as session:
        require_active(session, actor)
        screen = session.get(SafetyScreen, screen_id)
        if screen is None:
            raise NotFound("That safety screen does not exist.")
        partner = session.get(Partner, screen.partner_id)
        assert partner is not None
        couple = load_couple(session, partner.couple_id)
        require_edit(actor, couple)
        if screen.status is ScreenStatus.RESOLVED:
            raise ValidationError("This concern is already resolved.")
        screen.status = ScreenStatus.RESOLVED
        screen.resolved_at = utcnow()
        screen.resolved_by_id = actor.id
        screen.resolution_note = note
        audit.record(
            session,
            actor,
            "safety_concern_resolved",
            "safety_screen",
            screen.id,
            {"case_code": couple.case_code},
        )
        return _view(screen, partner)


def screens(db: Database, actor: Actor, couple_id: int) -> list[ScreenView]:
    """All screens of a couple, newest first."""
    with db.read() as session:
        require_active(session, actor)
        couple = load_couple(session, couple_id)
        require_view(actor, couple)
        views = _screens(session, couple_id)
    audit.record_read(db, actor, couple_id, CaseRead.SAFETY)
    return views


def open_concerns(db: Database, actor: Actor, couple_id: int) -> list[ScreenView]:
    return [s for s in screens(db, actor, couple_id) if s.status is ScreenStatus.OPEN]


def marks(
    db: Database, actor: Actor, couple_id: int
) -> tuple[list[ScreenView], list[FollowUpView]]:
    """What a couple's header shows of its safety, in one read: the open concerns (as
    open_concerns) and the trauma follow-ups (as follow_ups)."""
    with db.read() as session:
        require_active(session, actor)
        couple = load_couple(session, couple_id)
        require_view(actor, couple)
        concerns = open_screens(session, couple_id)
        found = [_follow_up_view(f, p) for f, p in safety_queries.follow_ups(session, couple_id)]
    audit.record_read(db, actor, couple_id, CaseRead.SAFETY)
    return concerns, found


def open_screens(session: Session, couple_id: int) -> list[ScreenView]:
    """The couple's open concerns (open_concerns) inside a read of the caller's, whose
    access check it relies on; not audited (the caller records the read)."""
    return _screens(session, couple_id, SafetyScreen.status == ScreenStatus.OPEN)


def _screens(session: Session, couple_id: int, *where: Any) -> list[ScreenView]:
    rows = session.execute(
        select(SafetyScreen, Partner)
        .join(Partner, Partner.id == SafetyScreen.partner_id)
        .where(Partner.couple_id == couple_id, *where)
        .order_by(SafetyScreen.screened_on.desc(), SafetyScreen.id.desc())
    ).all()
    return [_view(screen, partner) for screen, partner in rows]


def has_open_concern(session: Session, couple_id: int) -> bool:
    """For other services inside their own transaction (the homework safety gate)."""
    return (
        session.scalar(
            select(SafetyScreen.id)
            .join(Partner, Partner.id == SafetyScreen.partner_id)
            .where(Partner.couple_id == couple_id, SafetyScreen.status == ScreenStatus.OPEN)
            .limit(1)
        )
        is not None
    )


def _follow_up_view(follow_up: TraumaFollowUp, partner: Partner) -> FollowUpView:
    return FollowUpView(
        id=follow_up.id,
        couple_id=partner.couple_id,
        partner_label=partner.label,
        partner_name=partner.name,
        opened_on=follow_up.opened_on,
        ptsd_score=follow_up.ptsd_score,
        outcome=None if follow_up.outcome is None else TraumaFollowUpKind(follow_up.outcome),
        followed_up_on=follow_up.followed_up_on,
        note=follow_up.note,
    )


def _view(screen: SafetyScreen, partner: Partner) -> ScreenView:
    return ScreenView(
        id=screen.id,
        couple_id=partner.couple_id,
        partner_label=partner.label,
        partner_name=partner.name,
        screened_on=screen.screened_on,
        concerns=tuple(label for flag, label in CONCERN_LABELS.items() if getattr(screen, flag)),
        ptsd_score=screen.ptsd_score,
        ptsd_positive=None
        if screen.ptsd_score is None
        else bool(PCPTSD5.in_clinical_range(screen.ptsd_score)),
        notes=screen.notes,
        plan=screen.plan,
        status=ScreenStatus(screen.status),
        resolved_at=screen.resolved_at,
        resolution_note=screen.resolution_note,
    )
