"""Notes are written on the couple's current caseload and open case (issue 11, item 7):
a counsellor the couple was reassigned away from no longer edits, signs or adds
addenda to its notes, their own drafts included; drafts of a closed couple are neither
edited nor signed until it is reopened. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from core.db import Database
from core.domain import NoteStatus
from core.errors import PermissionDenied, ValidationError
from core.services import couples, sessions
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.sessions_support import (
    _events,
    _reassign_to_bruno,
    _signed,
    _stored_note,
    session_form,
)

REASSIGNED = "C-0001 was reassigned to another counsellor; its notes are read-only for you now"


def _close(db: Database, team: Team, couple: CoupleView) -> None:
    current = couples.get_couple(db, team.alice, couple.id)
    couples.change_status(
        db,
        team.alice,
        couple.id,
        {"target": "closed", "reason": "Goals met."},
        expected_version=current.version,
    )


def test_a_reassigned_away_author_cannot_edit_or_sign_their_draft(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    _reassign_to_bruno(db, team, kit_and_lou)

    with pytest.raises(PermissionDenied, match=REASSIGNED):
        sessions.update_draft(
            db, team.alice, draft.id, session_form(note_data="Late edit."), expected_version=1
        )
    with pytest.raises(PermissionDenied, match=REASSIGNED):
        sessions.update_draft(
            db, team.alice, draft.id, session_form(), expected_version=1, sign=True
        )
    with pytest.raises(PermissionDenied, match=REASSIGNED):
        sessions.sign(db, team.alice, draft.id, expected_version=1)
    stored = _stored_note(db, draft.id)
    assert stored.status is NoteStatus.DRAFT and stored.note_data == draft.note_data
    assert _events(db, "session_signed") == [] and _events(db, "session_draft_updated") == []


def test_a_reassigned_away_author_cannot_add_an_addendum(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    _reassign_to_bruno(db, team, kit_and_lou)
    with pytest.raises(PermissionDenied, match=REASSIGNED):
        sessions.add_addendum(db, team.alice, signed.id, "Added after I left the case.")
    # the couple's new counsellor and a supervisor still may
    sessions.add_addendum(db, team.bruno, signed.id, "Took over the case.")
    view = sessions.add_addendum(db, team.supervisor, signed.id, "Reviewed.")
    assert [a.text for a in view.addenda] == ["Took over the case.", "Reviewed."]


def test_a_reassigned_away_authors_drafts_leave_their_unsigned_list(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    today = date(2026, 12, 31)
    assert len(sessions.unsigned_notes(db, team.alice, today=today)) == 1
    _reassign_to_bruno(db, team, kit_and_lou)
    assert sessions.unsigned_notes(db, team.alice, today=today) == []


def test_drafts_of_a_closed_couple_are_neither_edited_nor_signed(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    _close(db, team, kit_and_lou)

    with pytest.raises(ValidationError, match="C-0001 is closed; reopen it to edit this draft"):
        sessions.update_draft(
            db, team.alice, draft.id, session_form(note_data="Late edit."), expected_version=1
        )
    with pytest.raises(ValidationError, match="C-0001 is closed; reopen it to sign this draft"):
        sessions.sign(db, team.alice, draft.id, expected_version=1)
    assert _stored_note(db, draft.id).status is NoteStatus.DRAFT

    current = couples.get_couple(db, team.alice, kit_and_lou.id)
    couples.change_status(
        db, team.alice, kit_and_lou.id, {"target": "active"}, expected_version=current.version
    )
    assert sessions.sign(db, team.alice, draft.id, expected_version=1).status is NoteStatus.SIGNED


def test_a_signed_note_of_a_closed_couple_still_takes_an_addendum(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    _close(db, team, kit_and_lou)
    view = sessions.add_addendum(db, team.alice, signed.id, "Follow-up call after closing.")
    assert [a.text for a in view.addenda] == ["Follow-up call after closing."]
