"""Helpers shared by the exercise and homework tests (unit and page)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from core.db import Database
from core.domain import Attendees, CoupleStatus, Modality, NoteStatus
from core.models import AuditEvent, Exercise
from core.models import Session as SessionRow
from core.services import couples, safety
from core.services.access import Actor
from core.services.couples import CoupleView
from tests.conftest import intake_form

TODAY = date.today()
INTAKE = TODAY - timedelta(days=60)


def exercise_id(db: Database, slug: str) -> int:
    with db.read() as session:
        found = session.scalar(select(Exercise.id).where(Exercise.slug == slug))
    assert found is not None, slug
    return found


def homework_form(db: Database, slug: str, **changes: Any) -> dict[str, Any]:
    """A valid AssignmentIn for the exercise `slug`, given today, due in a week."""
    form: dict[str, Any] = {
        "exercise_id": exercise_id(db, slug),
        "target": "both",
        "assigned_on": TODAY,
        "due_on": TODAY + timedelta(days=7),
        "personal_note": "",
    }
    form.update(changes)
    return form


def open_concern(db: Database, actor: Actor, couple_id: int, label: str = "A") -> int:
    """Record a coercive-control concern for one partner; returns the screen id."""
    screen = safety.record_screen(
        db,
        actor,
        couple_id,
        {
            "partner_label": label,
            "screened_on": TODAY - timedelta(days=3),
            "coercive_control": True,
            "plan": "Individual sessions; safety plan agreed.",
        },
    )
    return screen.id


def add_session(db: Database, couple_id: int, counsellor_id: int, day: date) -> None:
    with db.transaction() as session:
        session.add(
            SessionRow(
                couple_id=couple_id,
                counsellor_id=counsellor_id,
                session_date=day,
                duration_minutes=50,
                modality=Modality.IN_PERSON,
                attendees=Attendees.JOINT,
                status=NoteStatus.DRAFT,
                version=1,
            )
        )


def audit_actions(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def add_couple(
    db: Database,
    actor: Actor,
    name_a: str = "Kit",
    name_b: str = "Lou",
    role_b: str = "broke_trust",
) -> CoupleView:
    """A couple on `actor`'s caseload, taken in 60 days ago; partner A is the hurt partner."""
    return couples.create_couple(
        db,
        actor,
        intake_form(
            intake_date=INTAKE,
            partner_a={"name": name_a, "role": "hurt"},
            partner_b={"name": name_b, "role": role_b},
        ),
    )


def close_case(db: Database, actor: Actor, couple: CoupleView) -> CoupleView:
    return couples.change_status(
        db,
        actor,
        couple.id,
        {"target": CoupleStatus.CLOSED, "reason": "Counselling finished"},
        expected_version=couple.version,
    )
