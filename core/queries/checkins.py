"""Read side of check-ins for the caseload: per couple in scope, the check-ins the
counsellor has not looked at yet and the flags not yet acknowledged."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, cast, func, select
from sqlalchemy.orm import Session

from core.models import CheckIn, Couple


def caseload_counts(
    session: Session, scope: ColumnElement[bool]
) -> dict[int, tuple[int, list[str]]]:
    """{couple_id: (new check-ins, the open flags' reasons)} for couples in `scope` that
    have either."""
    new = func.sum(cast(CheckIn.seen_at.is_(None), Integer))
    rows = session.execute(
        select(CheckIn.couple_id, new)
        .join(Couple, Couple.id == CheckIn.couple_id)
        .where(scope)
        .group_by(CheckIn.couple_id)
    ).all()
    flags = session.execute(
        select(CheckIn.couple_id, CheckIn.alert_reason)
        .join(Couple, Couple.id == CheckIn.couple_id)
        .where(scope, CheckIn.alert.is_(True), CheckIn.acknowledged_at.is_(None))
        .order_by(CheckIn.couple_id, CheckIn.checked_on)
    ).all()
    result: dict[int, tuple[int, list[str]]] = {
        couple_id: (int(count or 0), []) for couple_id, count in rows
    }
    for couple_id, reason in flags:
        result[couple_id][1].append(reason)
    return {k: v for k, v in result.items() if v[0] or v[1]}
