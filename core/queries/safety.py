"""Read side of safety: the subqueries other listings join, the open concerns and trauma
follow-ups per couple (the caseload's Safety column), a couple's follow-ups and its
PC-PTSD-5 totals over time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Integer, Select, cast, func, select
from sqlalchemy.orm import Session

from core.domain import CONCERN_LABELS, ScreenStatus
from core.measures import PCPTSD5
from core.models import Couple, Measurement, Partner, SafetyScreen, TraumaFollowUp

PTSD_TOTAL_COLUMNS = ["partner_label", "partner_name", "measured_on", "total", "positive"]


def open_concern_couples() -> Select[Any]:
    """Couple ids with an open concern, as a subquery for caseload listings."""
    return (
        select(Partner.couple_id)
        .join(SafetyScreen, SafetyScreen.partner_id == Partner.id)
        .where(SafetyScreen.status == ScreenStatus.OPEN)
        .distinct()
    )


def has_open_concern() -> ColumnElement[bool]:
    """True for a couple (in a query of Couple) with an open concern: looked up per couple
    through its partners' screens, where a subquery of every couple with one (above)
    reads every open screen in the clinic, whatever the couples listed."""
    return (
        select(SafetyScreen.id)
        .join(Partner, Partner.id == SafetyScreen.partner_id)
        .where(Partner.couple_id == Couple.id, SafetyScreen.status == ScreenStatus.OPEN)
        .correlate(Couple)
        .exists()
    )


def concern_since(session: Session, couple_ids: Iterable[int]) -> dict[int, datetime]:
    """Per couple with an open concern: when its oldest open screen was recorded."""
    rows = session.execute(
        select(Partner.couple_id, func.min(SafetyScreen.created_at))
        .join(SafetyScreen, SafetyScreen.partner_id == Partner.id)
        .where(SafetyScreen.status == ScreenStatus.OPEN, Partner.couple_id.in_(list(couple_ids)))
        .group_by(Partner.couple_id)
    )
    return {couple_id: since for couple_id, since in rows}


def open_concern_types(session: Session, couple_id: int) -> tuple[bool, frozenset[str]]:
    """(any open screen, the concern types ticked on the open screens: CONCERN_LABELS keys)."""
    flags = list(CONCERN_LABELS)
    rows = session.execute(
        select(*(getattr(SafetyScreen, flag) for flag in flags))
        .join(Partner, Partner.id == SafetyScreen.partner_id)
        .where(Partner.couple_id == couple_id, SafetyScreen.status == ScreenStatus.OPEN)
    ).all()
    ticked = {flag for row in rows for flag, value in zip(flags, row, strict=True) if value}
    return bool(rows), frozenset(ticked)


def latest_ptsd_scores(session: Session, couple_id: int) -> dict[int, int]:
    """Each partner's latest PC-PTSD-5 total (by screening date), by partner id; open or
    resolved screens alike, since a later screen is what replaces an earlier score."""
    rows = session.execute(
        select(SafetyScreen.partner_id, SafetyScreen.ptsd_score)
        .join(Partner, Partner.id == SafetyScreen.partner_id)
        .where(Partner.couple_id == couple_id, SafetyScreen.ptsd_score.is_not(None))
        .order_by(SafetyScreen.screened_on, SafetyScreen.id)
    ).all()
    return {partner_id: int(score) for partner_id, score in rows}


def open_concern_words(session: Session, scope: ColumnElement[bool]) -> dict[int, list[str]]:
    """Per couple in `scope` with an open concern: the concerns open on any partner, in
    CONCERN_LABELS order (e.g. ["Coercive control", "Emotional abuse"])."""
    flags = [func.max(cast(getattr(SafetyScreen, flag), Integer)) for flag in CONCERN_LABELS]
    rows = session.execute(
        select(Partner.couple_id, *flags)
        .join(SafetyScreen, SafetyScreen.partner_id == Partner.id)
        .join(Couple, Couple.id == Partner.couple_id)
        .where(SafetyScreen.status == ScreenStatus.OPEN, scope)
        .group_by(Partner.couple_id)
    )
    labels = list(CONCERN_LABELS.values())
    return {
        couple_id: [label for label, on in zip(labels, values, strict=True) if on]
        for couple_id, *values in rows
    }


def open_follow_up_partners(session: Session, scope: ColumnElement[bool]) -> dict[int, list[str]]:
    """Per couple in `scope`: the names of partners with an open trauma follow-up."""
    rows = session.execute(
        select(Partner.couple_id, Partner.name)
        .join(TraumaFollowUp, TraumaFollowUp.partner_id == Partner.id)
        .join(Couple, Couple.id == Partner.couple_id)
        .where(TraumaFollowUp.outcome.is_(None), scope)
        .distinct()
        .order_by(Partner.couple_id, Partner.name)
    )
    found: dict[int, list[str]] = {}
    for couple_id, name in rows:
        found.setdefault(couple_id, []).append(name)
    return found


def open_follow_up(session: Session, partner_id: int) -> TraumaFollowUp | None:
    """The partner's open trauma follow-up, if any (the oldest)."""
    return session.scalars(
        select(TraumaFollowUp)
        .where(TraumaFollowUp.partner_id == partner_id, TraumaFollowUp.outcome.is_(None))
        .order_by(TraumaFollowUp.opened_on, TraumaFollowUp.id)
        .limit(1)
    ).first()


def follow_ups(session: Session, couple_id: int) -> list[tuple[TraumaFollowUp, Partner]]:
    """A couple's trauma follow-ups with their partner: open ones first, newest first."""
    rows = session.execute(
        select(TraumaFollowUp, Partner)
        .join(Partner, Partner.id == TraumaFollowUp.partner_id)
        .where(Partner.couple_id == couple_id)
        .order_by(
            TraumaFollowUp.outcome.is_not(None),
            TraumaFollowUp.opened_on.desc(),
            TraumaFollowUp.id.desc(),
        )
    )
    return [(follow_up, partner) for follow_up, partner in rows]


def ptsd_totals(session: Session, couple_id: int) -> pd.DataFrame:
    """Every PC-PTSD-5 total of the couple's partners, by partner and date, and whether
    it is a positive screen (PTSD_TOTAL_COLUMNS)."""
    rows = session.execute(
        select(Partner.label, Partner.name, Measurement.measured_on, Measurement.total)
        .join(Partner, Partner.id == Measurement.partner_id)
        .where(Measurement.couple_id == couple_id, Measurement.instrument == PCPTSD5.key)
        .order_by(Partner.label, Measurement.measured_on, Measurement.id)
    ).all()
    frame = pd.DataFrame(rows, columns=PTSD_TOTAL_COLUMNS[:-1])
    frame["measured_on"] = pd.to_datetime(frame["measured_on"])
    frame["total"] = frame["total"].astype("float64")
    frame["positive"] = frame["total"].map(PCPTSD5.in_clinical_range).astype(bool)
    return frame
