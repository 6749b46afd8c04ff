"""Migration 0009 through SQL on both engines: no rating moved into a signed note, a
co-signature set once (signed note, supervisor, now) and never changed, no backdated
addendum."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import DBAPIError

from core.db import Database
from core.models import Addendum
from core.services import sessions
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.sessions_support import _count, _raw, _signed, _stored_note, session_form

NOW = "CURRENT_TIMESTAMP"


def _stamp(moment: datetime) -> str:
    """A UTC time as both engines parse it in SQL."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def test_a_rating_cannot_be_moved_into_a_signed_note(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    draft = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(session_date=signed.session_date)
    )
    with pytest.raises(DBAPIError, match="cannot be moved into a signed"):
        _raw(
            db,
            "UPDATE measurements SET session_id = :s WHERE session_id = :d",
            s=signed.id,
            d=draft.id,
        )
    with pytest.raises(DBAPIError, match="cannot be moved into a signed"):
        _raw(
            db,
            "UPDATE measurements SET session_id = :s WHERE session_id IS NULL OR session_id = :d",
            s=signed.id,
            d=draft.id,
        )
    # A draft's ratings still move between drafts (nothing signed is touched).
    other = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(session_date=signed.session_date)
    )
    _raw(
        db, "UPDATE measurements SET session_id = :o WHERE session_id = :d", o=other.id, d=draft.id
    )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE sessions SET cosigned_by_id = NULL, cosigned_at = NULL WHERE id = :id",
        "UPDATE sessions SET cosigned_by_id = :other WHERE id = :id",
        f"UPDATE sessions SET cosigned_at = {NOW} WHERE id = :id",
    ],
    ids=["erase", "other-cosigner", "redate"],
)
def test_a_cosignature_cannot_be_erased_or_changed(
    db: Database, team: Team, kit_and_lou: CoupleView, sql: str
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    cosigned = sessions.cosign(db, team.supervisor, signed.id)
    with pytest.raises(DBAPIError, match="co-signature cannot be changed"):
        _raw(db, sql, id=signed.id, other=team.admin.id)
    stored = _stored_note(db, signed.id)
    assert stored.cosigned_by_id == team.supervisor.id
    assert cosigned.cosigned_by == "Super1"


@pytest.mark.parametrize(
    ("sql", "on_draft"),
    [
        (f"UPDATE sessions SET cosigned_by_id = :sup, cosigned_at = {NOW} WHERE id = :id", True),
        (f"UPDATE sessions SET cosigned_by_id = :alice, cosigned_at = {NOW} WHERE id = :id", False),
        ("UPDATE sessions SET cosigned_by_id = :sup, cosigned_at = :old WHERE id = :id", False),
        ("UPDATE sessions SET cosigned_by_id = :sup WHERE id = :id", False),
    ],
    ids=["draft", "not-a-supervisor", "backdated", "no-time"],
)
def test_a_cosignature_cannot_be_forged(
    db: Database, team: Team, kit_and_lou: CoupleView, sql: str, on_draft: bool
) -> None:
    note = (
        sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
        if on_draft
        else _signed(db, team.alice, kit_and_lou)
    )
    old = _stamp(datetime.now(UTC) - timedelta(days=30))
    with pytest.raises(DBAPIError, match="co-signature needs a signed note"):
        _raw(db, sql, id=note.id, sup=team.supervisor.id, alice=team.alice.id, old=old)
    assert _stored_note(db, note.id).cosigned_by_id is None


def test_a_new_note_cannot_arrive_cosigned(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    with pytest.raises(DBAPIError, match="cannot carry a co-signature"):
        _raw(
            db,
            "INSERT INTO sessions (couple_id, counsellor_id, session_date, duration_minutes, "
            "modality, attendees, note_data, note_assessment, note_plan, risk_raised, risk_text, "
            "status, signed_at, signed_by_id, cosigned_at, cosigned_by_id, created_at, "
            f"updated_at, version) VALUES (:c, :a, '2026-10-01', 50, 'in_person', 'joint', "
            f"'d', 'a', 'p', false, '', 'signed', {NOW}, :a, {NOW}, :s, {NOW}, {NOW}, 1)",
            c=kit_and_lou.id,
            a=team.alice.id,
            s=team.supervisor.id,
        )


def _insert_addendum(db: Database, session_id: int, author: int, created: str) -> None:
    _raw(
        db,
        "INSERT INTO addenda (session_id, author_id, text, created_at) "
        f"VALUES (:s, :a, 'Added later.', {created})",
        s=session_id,
        a=author,
    )


@pytest.mark.parametrize(
    "created",
    ["last-month", "before-signing", "next-week"],
)
def test_a_backdated_addendum_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView, created: str
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    signed_at = _stored_note(db, signed.id).signed_at
    assert signed_at is not None
    moment = {
        "last-month": datetime.now(UTC) - timedelta(days=30),
        "before-signing": signed_at - timedelta(seconds=1),
        "next-week": datetime.now(UTC) + timedelta(days=7),
    }[created]
    with pytest.raises(DBAPIError, match="addendum is dated now"):
        _insert_addendum(db, signed.id, team.alice.id, f"'{_stamp(moment)}'")
    assert _count(db, Addendum) == 0


def test_an_addendum_dated_now_on_a_signed_note_is_accepted_and_not_on_a_draft(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    with pytest.raises(DBAPIError, match="addendum is dated now"):
        _insert_addendum(db, draft.id, team.alice.id, NOW)
    time.sleep(1)  # SQLite's CURRENT_TIMESTAMP has whole seconds: not before the signing
    _insert_addendum(db, signed.id, team.alice.id, NOW)
    sessions.add_addendum(db, team.alice, signed.id, "Through the service as well.")
    assert _count(db, Addendum) == 2
