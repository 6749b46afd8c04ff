"""Helpers shared by the exercise and homework tests (unit and page)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.domain import Attendees, CoupleStatus, Modality, NoteStatus
from core.models import Assignment, AuditEvent, Exercise
from core.models import Session as SessionRow
from core.services import couples, exercises, homework, safety
from core.services.access import Actor
from core.services.couples import CoupleView
from tests.conftest import Team, intake_form

TODAY = date.today()
INTAKE = TODAY - timedelta(days=60)
WEEK = timedelta(days=7)
DAY = timedelta(days=1)


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


def talk_due_on(
    db: Database, actor: Actor, couple_id: int, due_on: date
) -> homework.AssignmentView:
    """The weekly talk, given a week before `due_on` and due that day (for a review)."""
    exercises.sync_catalogue(db)
    return homework.assign(
        db,
        actor,
        couple_id,
        homework_form(
            db, "state-of-the-union", assigned_on=due_on - timedelta(days=7), due_on=due_on
        ),
    )


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


# --- the homework service suites (fixtures shared through their conftest.py) ---


@pytest.fixture
def couple(db: Database, team: Team) -> CoupleView:
    """Alice's couple C-0001: Kit (A, hurt) and Lou (B, broke trust)."""
    exercises.sync_catalogue(db)
    return add_couple(db, team.alice)


def give(
    db: Database, team: Team, couple: CoupleView, slug: str, **changes: Any
) -> homework.AssignmentView:
    options = {
        key: changes.pop(key)
        for key in ("confirm_role_mismatch", "safety_override_reason")
        if key in changes
    }
    return homework.assign(db, team.alice, couple.id, homework_form(db, slug, **changes), **options)


def stored(db: Database, assignment_id: int) -> Assignment:
    with db.read() as session:
        found = session.get(Assignment, assignment_id)
        assert found is not None
        return found


def events(db: Database, action: str) -> list[dict[str, Any]]:
    with db.read() as session:
        return [
            json.loads(detail)
            for detail in session.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == action)
            )
        ]


@pytest.fixture
def caseload(db: Database, team: Team, couple: CoupleView) -> dict[str, int]:
    """Alice: C-0001 (one overdue, one due soon, one later), C-0002 (closed, overdue);
    Bruno: C-0003 (one overdue)."""
    give(db, team, couple, "state-of-the-union", assigned_on=TODAY - 2 * WEEK, due_on=TODAY - DAY)
    give(db, team, couple, "kept-promises-log", target="B", due_on=TODAY + 3 * DAY)
    give(db, team, couple, "apology-letter", target="B", due_on=TODAY + 3 * WEEK)
    closed = add_couple(db, team.alice, "Ann")
    homework.assign(
        db,
        team.alice,
        closed.id,
        homework_form(db, "state-of-the-union", assigned_on=TODAY - WEEK, due_on=TODAY - DAY),
    )
    close_case(db, team.alice, closed)
    bruno_couple = add_couple(db, team.bruno, "Pia")
    homework.assign(
        db,
        team.bruno,
        bruno_couple.id,
        homework_form(db, "state-of-the-union", assigned_on=TODAY - WEEK, due_on=TODAY - 2 * DAY),
    )
    return {"alice": couple.id, "closed": closed.id, "bruno": bruno_couple.id}
