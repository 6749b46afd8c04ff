"""Read side of safety screens: the subqueries other listings join."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.domain import CONCERN_LABELS, ScreenStatus
from core.models import Partner, SafetyScreen


def open_concern_couples() -> Select[Any]:
    """Couple ids with an open concern, as a subquery for caseload listings."""
    return (
        select(Partner.couple_id)
        .join(SafetyScreen, SafetyScreen.partner_id == Partner.id)
        .where(SafetyScreen.status == ScreenStatus.OPEN)
        .distinct()
    )


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
