"""Read side of safety screens: the subqueries other listings join."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from core.domain import ScreenStatus
from core.models import Partner, SafetyScreen


def open_concern_couples() -> Select[Any]:
    """Couple ids with an open concern, as a subquery for caseload listings."""
    return (
        select(Partner.couple_id)
        .join(SafetyScreen, SafetyScreen.partner_id == Partner.id)
        .where(SafetyScreen.status == ScreenStatus.OPEN)
        .distinct()
    )
