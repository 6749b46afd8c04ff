"""Signed notes (core.services.sessions, core.models, migrations 0002-0003): the lock
below the services (ORM guard and database triggers), addenda and co-signing.
Every database test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, StatementError

from core.db import Database
from core.domain import NoteStatus
from core.errors import (
    PermissionDenied,
    SignedNoteError,
    ValidationError,
)
from core.models import Addendum, Measurement
from core.models import Session as SessionRow
from core.services import sessions
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.sessions_support import (
    TOTALS,
    _count,
    _counts,
    _events,
    _measurement_totals,
    _raw,
    _reassign_to_bruno,
    _signed,
    _stored_note,
    session_form,
)

# --- the lock below the services: ORM guard ---------------------------------------------------


def _orm_change(db: Database, session_id: int, **changes: Any) -> None:
    with db.transaction() as session:
        row = session.get(SessionRow, session_id)
        assert row is not None
        for name, value in changes.items():
            setattr(row, name, value)
        session.flush()


def _is_signed_note_error(error: BaseException) -> bool:
    return isinstance(error, SignedNoteError) or isinstance(error.__cause__, SignedNoteError)


@pytest.mark.parametrize(
    "changes",
    [
        {"note_data": "Quietly rewritten."},
        {"note_plan": ""},
        {"session_date": date(2026, 11, 1)},
        {"risk_raised": True, "risk_text": "added later"},
        {"status": NoteStatus.DRAFT},
        {"signed_at": None, "signed_by_id": None, "status": NoteStatus.DRAFT},
    ],
    ids=["note_data", "note_plan", "date", "risk", "unsign", "unsign-fully"],
)
def test_the_orm_refuses_to_change_a_signed_note(
    db: Database, team: Team, kit_and_lou: CoupleView, changes: dict[str, Any]
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)

    with pytest.raises((SignedNoteError, StatementError)) as info:
        _orm_change(db, signed.id, **changes)

    assert _is_signed_note_error(info.value)
    stored = _stored_note(db, signed.id)
    assert stored.status is NoteStatus.SIGNED
    assert stored.note_data == signed.note_data
    assert stored.note_plan == signed.note_plan


def test_the_orm_refuses_to_change_or_delete_a_signed_notes_ratings(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)

    with pytest.raises((SignedNoteError, StatementError)) as info, db.transaction() as session:
        rating = session.scalars(
            select(Measurement).where(Measurement.session_id == signed.id)
        ).first()
        assert rating is not None
        rating.total = 0
        session.flush()
    assert _is_signed_note_error(info.value)

    with pytest.raises((SignedNoteError, StatementError)) as info, db.transaction() as session:
        rating = session.scalars(
            select(Measurement).where(Measurement.session_id == signed.id)
        ).first()
        session.delete(rating)
        session.flush()
    assert _is_signed_note_error(info.value)

    assert _measurement_totals(db, signed.id) == sorted(TOTALS.values())


def test_the_orm_lets_a_draft_change(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    _orm_change(db, draft.id, note_data="Draft edited directly.")
    assert _stored_note(db, draft.id).note_data == "Draft edited directly."


# --- the lock below the ORM: database triggers ------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE sessions SET note_data = 'x' WHERE id = :id",
        "UPDATE sessions SET note_assessment = note_assessment || ' more' WHERE id = :id",
        "UPDATE sessions SET session_date = '2026-10-01' WHERE id = :id",
        "UPDATE sessions SET status = 'draft' WHERE id = :id",
        "UPDATE sessions SET signed_at = NULL WHERE id = :id",
        "DELETE FROM sessions WHERE id = :id",
    ],
    ids=["note", "append", "date", "unsign", "signed_at", "delete"],
)
def test_the_database_refuses_raw_changes_to_a_signed_note(
    db: Database, team: Team, kit_and_lou: CoupleView, sql: str
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    with pytest.raises(DBAPIError, match="signed session notes cannot be changed"):
        _raw(db, sql, id=signed.id)
    stored = _stored_note(db, signed.id)
    assert stored.note_data == signed.note_data
    assert stored.status is NoteStatus.SIGNED


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE measurements SET total = 0 WHERE session_id = :id",
        "UPDATE measurements SET measured_on = '2026-10-01' WHERE session_id = :id",
        "DELETE FROM measurements WHERE session_id = :id",
    ],
    ids=["total", "date", "delete"],
)
def test_the_database_refuses_raw_changes_to_a_signed_notes_ratings(
    db: Database, team: Team, kit_and_lou: CoupleView, sql: str
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    with pytest.raises(DBAPIError, match="signed session notes cannot be changed"):
        _raw(db, sql, id=signed.id)
    assert _measurement_totals(db, signed.id) == sorted(TOTALS.values())


def test_no_rating_can_be_added_to_a_signed_note(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    with pytest.raises((SignedNoteError, StatementError)), db.transaction() as session:
        session.add(
            Measurement(
                couple_id=kit_and_lou.id,
                partner_id=kit_and_lou.partners[0].id,
                session_id=signed.id,
                instrument="distress",
                measured_on=signed.session_date,
                items={"distress": 0.0},
                total=0.0,
                recorded_by_id=team.alice.id,
            )
        )
        session.flush()
    assert _count(db, Measurement, Measurement.session_id == signed.id) == 6


def test_the_database_lets_a_draft_and_its_ratings_change(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    _raw(db, "UPDATE sessions SET note_data = 'x' WHERE id = :id", id=draft.id)
    _raw(db, "UPDATE measurements SET total = 0 WHERE session_id = :id", id=draft.id)
    assert _stored_note(db, draft.id).note_data == "x"
    assert _measurement_totals(db, draft.id) == [0.0] * 6
    _raw(db, "DELETE FROM measurements WHERE session_id = :id", id=draft.id)
    assert _count(db, Measurement) == 0


def test_the_database_lets_a_signed_note_be_cosigned(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    _raw(
        db,
        "UPDATE sessions SET cosigned_by_id = :who, cosigned_at = CURRENT_TIMESTAMP WHERE id = :id",
        who=team.supervisor.id,
        id=signed.id,
    )
    assert _stored_note(db, signed.id).cosigned_by_id == team.supervisor.id


# --- addenda ----------------------------------------------------------------------------------


def test_an_addendum_to_a_draft_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    before = _counts(db)
    with pytest.raises(ValidationError, match="Addenda are for signed notes"):
        sessions.add_addendum(db, team.alice, draft.id, "Later thought.")
    assert _count(db, Addendum) == 0
    assert _counts(db) == before


def test_the_author_adds_an_addendum_and_the_original_stays(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    before = datetime.now().astimezone()

    after = sessions.add_addendum(db, team.alice, signed.id, "  Kit phoned: plan agreed.  ")

    (addendum,) = after.addenda
    assert addendum.text == "Kit phoned: plan agreed."
    assert addendum.author == "Alice"
    assert addendum.created_at.tzinfo is not None
    assert before - timedelta(minutes=1) <= addendum.created_at <= datetime.now().astimezone()
    shown = sessions.get_session(db, team.alice, signed.id)
    assert shown.addenda == after.addenda
    assert (shown.note_data, shown.note_assessment, shown.note_plan) == (
        signed.note_data,
        signed.note_assessment,
        signed.note_plan,
    )
    assert shown.status is NoteStatus.SIGNED
    assert {(r.partner_label, r.instrument): r.total for r in shown.ratings} == TOTALS
    (event,) = _events(db, "addendum_added")
    assert event.entity_id == str(signed.id)


def test_addenda_are_listed_in_order(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    sessions.add_addendum(db, team.alice, signed.id, "First.")
    sessions.add_addendum(db, team.supervisor, signed.id, "Second.")
    view = sessions.get_session(db, team.alice, signed.id)
    assert [(a.author, a.text) for a in view.addenda] == [
        ("Alice", "First."),
        ("Super1", "Second."),
    ]


@pytest.mark.parametrize("empty", ["", "   ", "\n\t"])
def test_an_empty_addendum_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView, empty: str
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    with pytest.raises(ValidationError, match="needs text"):
        sessions.add_addendum(db, team.alice, signed.id, empty)
    assert _count(db, Addendum) == 0


def test_an_overlong_addendum_is_refused(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    with pytest.raises(ValidationError, match="limited to 20000"):
        sessions.add_addendum(db, team.alice, signed.id, "x" * 20_001)


def test_another_counsellor_cannot_add_an_addendum(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    with pytest.raises(PermissionDenied):
        sessions.add_addendum(db, team.bruno, signed.id, "Not my client.")
    assert _count(db, Addendum) == 0


def test_an_admin_cannot_add_an_addendum(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    with pytest.raises(PermissionDenied, match="Only the couple's counsellor or a supervisor"):
        sessions.add_addendum(db, team.admin, signed.id, "Admin note.")
    assert _count(db, Addendum) == 0


def test_a_supervisor_may_add_an_addendum(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    view = sessions.add_addendum(db, team.supervisor, signed.id, "Reviewed in supervision.")
    assert [(a.author, a.text) for a in view.addenda] == [("Super1", "Reviewed in supervision.")]


def test_the_couples_new_counsellor_may_add_an_addendum(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    _reassign_to_bruno(db, team, kit_and_lou)
    view = sessions.add_addendum(db, team.bruno, signed.id, "Took over the case.")
    assert [(a.author, a.text) for a in view.addenda] == [("Bruno", "Took over the case.")]
    assert view.author == "Alice"


@pytest.mark.parametrize(
    "sql",
    ["UPDATE addenda SET text = 'rewritten' WHERE session_id = :id", "DELETE FROM addenda"],
    ids=["update", "delete"],
)
def test_the_database_refuses_raw_changes_to_addenda(
    db: Database, team: Team, kit_and_lou: CoupleView, sql: str
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    sessions.add_addendum(db, team.alice, signed.id, "Original addendum.")
    with pytest.raises(DBAPIError, match="addenda cannot be changed"):
        _raw(db, sql, id=signed.id)
    view = sessions.get_session(db, team.alice, signed.id)
    assert [a.text for a in view.addenda] == ["Original addendum."]


# --- co-signing -------------------------------------------------------------------------------


def test_a_supervisor_cosigns_a_signed_note_once(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)

    cosigned = sessions.cosign(db, team.supervisor, signed.id)

    assert cosigned.cosigned_by == "Super1"
    assert cosigned.cosigned_at is not None and cosigned.cosigned_at.tzinfo is not None
    assert cosigned.status is NoteStatus.SIGNED
    assert cosigned.note_data == signed.note_data
    assert len(_events(db, "session_cosigned")) == 1
    with pytest.raises(ValidationError, match="already co-signed"):
        sessions.cosign(db, team.supervisor, signed.id)
    assert len(_events(db, "session_cosigned")) == 1


def test_a_draft_cannot_be_cosigned(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    with pytest.raises(ValidationError, match="Only a signed note can be co-signed"):
        sessions.cosign(db, team.supervisor, draft.id)
    assert _stored_note(db, draft.id).cosigned_by_id is None


@pytest.mark.parametrize("who", ["alice", "bruno", "admin"])
def test_only_a_supervisor_cosigns(
    db: Database, team: Team, kit_and_lou: CoupleView, who: str
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    with pytest.raises(PermissionDenied, match="Only a supervisor"):
        sessions.cosign(db, getattr(team, who), signed.id)
    assert _stored_note(db, signed.id).cosigned_by_id is None
