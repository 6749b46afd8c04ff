"""Read side of the audit log: who read or tried to read one couple's record."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain import ACCESS_REFUSED, CASE_VIEWED
from core.models import AuditEvent, Counsellor

CASE_VIEW_QUERY_COLUMNS = ["at", "name", "username", "role", "action", "detail"]


def case_views(session: Session, couple_id: int, *, limit: int) -> pd.DataFrame:
    """The couple's `case_viewed` and `access_refused` events, newest first, with the
    reader's display name and role (the account as it is now)."""
    rows = session.execute(
        select(
            AuditEvent.at,
            Counsellor.display_name,
            AuditEvent.actor_username,
            Counsellor.role,
            AuditEvent.action,
            AuditEvent.detail,
        )
        .outerjoin(Counsellor, Counsellor.id == AuditEvent.actor_id)
        .where(
            AuditEvent.entity == "couple",
            AuditEvent.entity_id == str(couple_id),
            AuditEvent.action.in_([CASE_VIEWED, ACCESS_REFUSED]),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()
    return pd.DataFrame(rows, columns=CASE_VIEW_QUERY_COLUMNS)
