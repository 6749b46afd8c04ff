"""The seeded world of tests/unit/services/test_access_table.py: accounts of every kind,
a couple moved from one counsellor to another, a deactivated counsellor's own couple, and
on each couple the records the service functions act on (notes, homework, an open safety
concern, a custom exercise, a check-in link with a flagged check-in, a remembered login)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from core.db import Database
from core.domain import Role
from core.models import Exercise, utcnow
from core.services import (
    accounts,
    checkins,
    couples,
    exercises,
    homework,
    login_sessions,
    partner_checkins,
    reference,
    safety,
    sessions,
)
from core.services.access import Actor
from core.services.reference import ClinicReference
from tests.conftest import PTSD_AT_CUTOFF, add_account, intake_form
from tests.notes_support import note_form
from tests.unit.test_importing import GOOD, couples_file

TODAY = date(2026, 11, 1)
HOME = "198.51.100.23"  # the partner's phone, for the check-in's attempt counter
IMPORT_FILE = couples_file(GOOD)  # C-0901, a case code the world does not hold


@dataclass(frozen=True)
class Target:
    """What a case acts on: a couple and its records, as one actor knows them."""

    couple_id: int
    case_code: str
    couple_version: int
    draft_id: int
    draft_version: int
    signed_id: int
    assignment_id: int
    assignment_version: int
    gated_id: int  # joint homework given before the safety concern opened: "ask"
    gated_version: int
    screen_id: int
    follow_up_id: int
    exercise_id: int  # a custom exercise
    exercise_version_id: int
    link_id: int  # a check-in link (safe channel recorded) ...
    check_in_id: int  # ... and a flagged, unseen check-in through it


@dataclass(frozen=True)
class World:
    actors: dict[str, Actor]
    targets: dict[str, Target]  # by author: alice (her couple), carol (the same couple,
    # her notes from before it moved), dora (deactivated, her own couple)
    bruno: Actor
    exercise_id: int  # a built-in individual exercise for the hurt partner
    reference: ClinicReference
    tokens: dict[int, str]  # each account's remembered login (deactivation revoked some)


CUSTOM = {
    "title": "Evening walk",
    "repair_step": "3",
    "intended_role": "both",
    "frequency": "weekly",
    "minutes": 30,
    "purpose": "Talk without screens.",
    "instructions": "Walk\nTalk",
    "prompts": ["What did you notice?"],
    "review_guidance": "Ask how it went.",
}
SCREEN = {
    "partner_label": "A",
    "screened_on": date(2026, 9, 4),
    "violence": True,
    "plan": "Time-out agreement.",
    "ptsd_answers": PTSD_AT_CUTOFF,
}
LINK = {
    "partner_label": "A",
    "instruments": ["distress"],
    "safe_channel_reason": "Own phone, confirmed alone in session.",
}
REPORT = {"version": "clinician"}


def note(day: date) -> dict[str, Any]:
    return note_form(day, note_data=f"Zephyr: talked on {day}.")


def _notes(db: Database, author: Actor, couple_id: int, first: date) -> tuple[int, int, int]:
    signed = sessions.record_session(db, author, couple_id, note(first), sign=True)
    draft = sessions.record_session(db, author, couple_id, note(first.replace(day=first.day + 2)))
    return signed.id, draft.id, draft.version


def _give(db: Database, author: Actor, couple_id: int, exercise_id: int, target: str) -> Any:
    form = {
        "exercise_id": exercise_id,
        "target": target,
        "assigned_on": date(2026, 9, 3),
        "due_on": date(2026, 9, 20),
    }
    return homework.assign(db, author, couple_id, form, today=TODAY)


def _records(
    db: Database, author: Actor, couple_id: int, exercise_ids: tuple[int, int]
) -> tuple[int, ...]:
    """Homework (one individual, one joint), then an open safety concern with a positive
    trauma screen, a custom exercise, and a check-in link with a flagged check-in."""
    given = _give(db, author, couple_id, exercise_ids[0], "A")
    joint = _give(db, author, couple_id, exercise_ids[1], "both")
    screen = safety.record_screen(db, author, couple_id, SCREEN, today=TODAY)
    [follow_up] = safety.follow_ups(db, author, couple_id)
    custom = exercises.create_custom(db, author, CUSTOM)
    link = checkins.create_link(db, author, couple_id, LINK)
    answered = partner_checkins.submit_check_in(
        db,
        link.token,
        address=HOME,
        today=TODAY,
        ratings={"distress": {"distress": 10}},
        safe_at_home=False,
    )
    assert answered.alert
    [check_in_id] = checkins.recent(db, author, couple_id)["id"]
    return (
        given.id,
        given.version,
        joint.id,
        joint.version,
        screen.id,
        follow_up.id,
        custom.id,
        custom.version_id,
        link.link.id,
        int(check_in_id),
    )


def _exercise(db: Database, slug: str) -> int:
    with db.read() as session:
        found = session.scalar(select(Exercise.id).where(Exercise.slug == slug))
    assert found is not None, slug
    return found


def _remember_logins(db: Database, actors: dict[str, Actor]) -> dict[int, str]:
    with db.transaction() as session:
        now = utcnow()
        return {a.id: login_sessions.open_session(session, a, now) for a in actors.values()}


def seed(db: Database, password_hash: str) -> World:
    names = {
        "admin": ("admin1", Role.ADMIN),
        "supervisor": ("super1", Role.SUPERVISOR),
        "own": ("alice", Role.COUNSELLOR),
        "other": ("bruno", Role.COUNSELLOR),
        "reassigned": ("carol", Role.COUNSELLOR),
        "dora": ("dora", Role.COUNSELLOR),
        "sid": ("sid", Role.SUPERVISOR),
        "ada": ("ada", Role.ADMIN),
    }
    actors = {
        kind: add_account(db, name, role, password_hash) for kind, (name, role) in names.items()
    }
    tokens = _remember_logins(db, actors)
    exercises.sync_catalogue(db)
    exercise_id = _exercise(db, "self-care-support-plan")
    given = (exercise_id, _exercise(db, "state-of-the-union"))
    alice, carol, dora = actors["own"], actors["reassigned"], actors["dora"]

    shared = couples.create_couple(db, carol, intake_form(), today=TODAY)  # C-0001
    carol_notes = _notes(db, carol, shared.id, date(2026, 9, 2))
    own = couples.create_couple(db, dora, intake_form(), today=TODAY)  # C-0002
    dora_notes = _notes(db, dora, own.id, date(2026, 9, 2))
    dora_records = _records(db, dora, own.id, given)
    couples.create_couple(db, actors["other"], intake_form(), today=TODAY)  # C-0003
    couples.reassign(db, actors["supervisor"], shared.id, alice.id, expected_version=1)
    alice_notes = _notes(db, alice, shared.id, date(2026, 9, 10))
    alice_records = _records(db, alice, shared.id, given)
    snapshot = reference.clinic_reference(db)
    for kind in ("dora", "sid", "ada"):
        accounts.set_active(db, actors["admin"], actors[kind].id, False)

    def target(couple_id: int, notes: tuple[int, int, int], records: tuple[int, ...]) -> Target:
        couple = couples.get_couple(db, actors["admin"], couple_id)
        return Target(
            couple.id, couple.case_code, couple.version, notes[1], notes[2], notes[0], *records
        )

    return World(
        actors=actors,
        targets={
            "alice": target(shared.id, alice_notes, alice_records),
            "carol": target(shared.id, carol_notes, alice_records),
            "dora": target(own.id, dora_notes, dora_records),
        },
        bruno=actors["other"],
        exercise_id=exercise_id,
        reference=snapshot,
        tokens=tokens,
    )
