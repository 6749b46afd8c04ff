"""Homework queries (core.queries.homework): SELECTs inside a caller's session, with the
caseload as a scope clause. On SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import Database
from core.models import Couple
from core.queries import homework as queries
from tests.conftest import Team
from tests.homework_support import (
    TODAY,
)


def test_overdue_query_joins_into_a_caseload_listing(
    db: Database, team: Team, caseload: dict[str, int]
) -> None:
    overdue = queries.overdue_query(TODAY).subquery()
    with db.read() as session:
        rows = session.execute(
            select(Couple.case_code, func.coalesce(overdue.c.overdue, 0))
            .outerjoin(overdue, overdue.c.couple_id == Couple.id)
            .order_by(Couple.case_code)
        ).all()
    # C-0002 is closed: its homework no longer counts as overdue.
    assert [tuple(row) for row in rows] == [("C-0001", 1), ("C-0002", 0), ("C-0003", 1)]
