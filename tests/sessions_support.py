"""Helpers shared by the session-note tests (tests/unit/test_sessions*.py, test_signed_notes.py
and the homework tests that save a note)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from sqlalchemy import func, select, text

from core.db import Database
from core.models import AuditEvent, Measurement
from core.models import Session as SessionRow
from core.services import couples, sessions
from core.services.access import Actor
from core.services.couples import CoupleView
from core.services.sessions import SessionView
from tests.conftest import Team, audited_writes

TODAY = date(2026, 11, 24)
INTAKE = date(2026, 9, 1)
SESSION_DAY = date(2026, 11, 17)

RATINGS_A: dict[str, dict[str, float]] = {
    "five_cs": {"care": 3, "communication": 4, "character": 5, "consistency": 2, "competence": 6},
    "csi4": {"q1": 2, "q2": 3, "q3": 2, "q4": 3},
    "distress": {"distress": 7},
}
RATINGS_B: dict[str, dict[str, float]] = {
    "five_cs": {"care": 6, "communication": 5, "character": 7, "consistency": 4, "competence": 8},
    "csi4": {"q1": 4, "q2": 4, "q3": 3, "q4": 4},
    "distress": {"distress": 3},
}
TOTALS = {
    ("A", "five_cs"): 20.0,
    ("A", "csi4"): 10.0,
    ("A", "distress"): 7.0,
    ("B", "five_cs"): 30.0,
    ("B", "csi4"): 15.0,
    ("B", "distress"): 3.0,
}


def session_form(**overrides: Any) -> dict[str, Any]:
    """A valid joint session with complete ratings for both partners; override any field."""
    form: dict[str, Any] = {
        "session_date": SESSION_DAY,
        "duration_minutes": 50,
        "modality": "in_person",
        "attendees": "joint",
        "note_data": "Both attended. Kit spoke about the hidden credit card.",
        "note_assessment": "Lou listened without defending; early acknowledgement.",
        "note_plan": "Money check-in daily; review next week.",
        "risk_raised": False,
        "risk_text": "",
        "ratings": {"A": copy.deepcopy(RATINGS_A), "B": copy.deepcopy(RATINGS_B)},
    }
    form.update(overrides)
    return form


def _count(db: Database, model: type, *where: Any) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _counts(db: Database) -> dict[str, int]:
    return {
        SessionRow.__name__: _count(db, SessionRow),
        Measurement.__name__: _count(db, Measurement),
        AuditEvent.__name__: audited_writes(db),
    }


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def _signed(db: Database, actor: Actor, couple: CoupleView, **overrides: Any) -> SessionView:
    draft = sessions.record_session(db, actor, couple.id, session_form(**overrides))
    return sessions.sign(db, actor, draft.id, expected_version=draft.version)


def _raw(db: Database, sql: str, **params: Any) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(sql), params)


def _stored_note(db: Database, session_id: int) -> SessionRow:
    with db.read() as session:
        row = session.get(SessionRow, session_id)
        assert row is not None
        return row


def _measurement_totals(db: Database, session_id: int) -> list[float]:
    with db.read() as session:
        return sorted(
            session.scalars(
                select(Measurement.total).where(Measurement.session_id == session_id)
            ).all()
        )


def _reassign_to_bruno(db: Database, team: Team, couple: CoupleView) -> None:
    current = couples.get_couple(db, team.supervisor, couple.id)
    couples.reassign(
        db, team.supervisor, couple.id, team.bruno.id, expected_version=current.version
    )
