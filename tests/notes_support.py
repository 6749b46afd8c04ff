"""Helpers for the statement-count tests: a couple with many notes, and a counter of
the SQL statements an engine executes."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, event

from core.db import Database
from core.services import couples, sessions
from core.services.access import Actor
from core.services.couples import CoupleView
from tests.conftest import intake_form

RATINGS: dict[str, dict[str, float]] = {
    "five_cs": {"care": 3, "communication": 4, "character": 5, "consistency": 2, "competence": 6},
    "csi4": {"q1": 2, "q2": 3, "q3": 2, "q4": 3},
    "distress": {"distress": 7},
}


def ada_and_ben(db: Database, counsellor: Actor) -> CoupleView:
    """A second couple of `counsellor`'s, beside Kit and Lou (tests/conftest.intake_form)."""
    return couples.create_couple(
        db,
        counsellor,
        intake_form(
            partner_a={"name": "Ada", "role": "hurt"},
            partner_b={"name": "Ben", "role": "broke_trust"},
        ),
    )


def note_form(day: date, **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "session_date": day,
        "duration_minutes": 50,
        "modality": "in_person",
        "attendees": "joint",
        "note_data": f"Session of {day}.",
        "note_assessment": "Engaged.",
        "note_plan": "Keep going.",
        "ratings": {"A": copy.deepcopy(RATINGS), "B": copy.deepcopy(RATINGS)},
    }
    form.update(overrides)
    return form


def add_notes(db: Database, author: Actor, couple: CoupleView, count: int) -> list[int]:
    """`count` notes every other day from intake, each with both partners' ratings:
    every second one signed, every fourth one with an addendum, the rest drafts."""
    ids = []
    for n in range(count):
        day = couple.intake_date + timedelta(days=2 * n)
        view = sessions.record_session(db, author, couple.id, note_form(day), sign=n % 2 == 0)
        if n % 4 == 0:
            sessions.add_addendum(db, author, view.id, f"Addendum to note {n}.")
        ids.append(view.id)
    return ids


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements `engine` executes inside the block."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
