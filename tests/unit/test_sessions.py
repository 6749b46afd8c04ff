"""Session notes (core.services.sessions): recording with ratings, drafts, signing, the
signed-note lock (service, ORM and database triggers), addenda, co-signing, lists and search.
Every database test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session as OrmSession

from core.db import Database
from core.domain import Attendees, Modality, NoteStatus
from core.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    SignedNoteError,
    ValidationError,
)
from core.models import Addendum, AuditEvent, Measurement
from core.models import Session as SessionRow
from core.services import audit, couples, exercises, homework, sessions
from core.services.access import Actor
from core.services.couples import CoupleView
from core.services.sessions import (
    EXCERPT_RADIUS,
    PREVIEW_CHARS,
    SessionView,
    attending_labels,
    excerpt,
)
from tests.conftest import Team
from tests.homework_support import homework_form

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
    return {model.__name__: _count(db, model) for model in (SessionRow, Measurement, AuditEvent)}


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


# --- recording --------------------------------------------------------------------------------


def test_attending_labels() -> None:
    assert attending_labels(Attendees.JOINT) == ("A", "B")
    assert attending_labels(Attendees.A_ONLY) == ("A",)
    assert attending_labels(Attendees.B_ONLY) == ("B",)


def test_record_session_saves_a_draft_with_both_partners_ratings(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    view = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())

    assert isinstance(view, SessionView)
    assert view.status is NoteStatus.DRAFT and not view.is_signed
    assert view.couple_id == kit_and_lou.id and view.case_code == "C-0001"
    assert (view.author_id, view.author) == (team.alice.id, "Alice")
    assert view.session_date == SESSION_DAY
    assert view.duration_minutes == 50
    assert view.modality is Modality.IN_PERSON
    assert view.attendees is Attendees.JOINT
    assert view.note_data.startswith("Both attended.")
    assert view.signed_at is None and view.cosigned_by is None
    assert view.version == 1
    assert view.addenda == ()
    assert {(r.partner_label, r.instrument): r.total for r in view.ratings} == TOTALS
    five_cs_a = next(r for r in view.ratings if (r.partner_label, r.instrument) == ("A", "five_cs"))
    assert five_cs_a.items == {k: float(v) for k, v in RATINGS_A["five_cs"].items()}

    assert _count(db, SessionRow) == 1
    assert _count(db, Measurement, Measurement.session_id == view.id) == 6
    with db.read() as session:
        rows = session.scalars(select(Measurement)).all()
        assert {m.measured_on for m in rows} == {SESSION_DAY}
        assert {m.couple_id for m in rows} == {kit_and_lou.id}
        assert {m.recorded_by_id for m in rows} == {team.alice.id}
    (event,) = _events(db, "session_recorded")
    assert event.entity == "session" and event.entity_id == str(view.id)
    assert event.actor_username == "alice"
    assert "C-0001" in event.detail


def test_as_form_round_trips_into_update_draft(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    view = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    form = view.as_form()
    assert form["ratings"]["A"]["csi4"] == {"q1": 2.0, "q2": 3.0, "q3": 2.0, "q4": 3.0}

    again = sessions.update_draft(db, team.alice, view.id, form, expected_version=view.version)
    assert {(r.partner_label, r.instrument): r.total for r in again.ratings} == TOTALS


def test_one_partner_session_needs_only_that_partners_ratings(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    view = sessions.record_session(
        db,
        team.alice,
        kit_and_lou.id,
        session_form(attendees="b_only", ratings={"B": copy.deepcopy(RATINGS_B)}),
    )
    assert {r.partner_label for r in view.ratings} == {"B"}
    assert len(view.ratings) == 3


def test_risk_text_is_kept_only_when_risk_is_raised(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    raised = sessions.record_session(
        db,
        team.alice,
        kit_and_lou.id,
        session_form(risk_raised=True, risk_text="Lou mentioned being followed."),
    )
    assert raised.risk_raised and raised.risk_text == "Lou mentioned being followed."
    not_raised = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(risk_text="stale text")
    )
    assert not not_raised.risk_raised and not_raised.risk_text == ""


def test_session_on_the_intake_date_and_today_are_allowed(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    sessions.record_session(db, team.alice, kit_and_lou.id, session_form(session_date=INTAKE))
    sessions.record_session(db, team.alice, kit_and_lou.id, session_form(session_date=date.today()))
    assert _count(db, SessionRow) == 2


def _without(label: str, key: str) -> dict[str, Any]:
    ratings = {"A": copy.deepcopy(RATINGS_A), "B": copy.deepcopy(RATINGS_B)}
    del ratings[label][key]
    return ratings


def _with(label: str, key: str, item: str, value: Any) -> dict[str, Any]:
    ratings = {"A": copy.deepcopy(RATINGS_A), "B": copy.deepcopy(RATINGS_B)}
    ratings[label][key][item] = value
    return ratings


BAD_SESSIONS: dict[str, tuple[dict[str, Any], str]] = {
    "rating above range": (
        {"ratings": _with("A", "five_cs", "care", 11)},
        "Kit: Five C's: 'Care: my partner has my wellbeing at heart' must be a whole number "
        "from 0 to 10",
    ),
    "rating below range": ({"ratings": _with("B", "csi4", "q2", -1)}, "Lou: CSI-4"),
    "csi4 q2 at six": ({"ratings": _with("B", "csi4", "q2", 6)}, "from 0 to 5"),
    "non-integer rating": ({"ratings": _with("A", "distress", "distress", 4.5)}, "whole number"),
    "missing item": (
        {"ratings": _with("A", "csi4", "q4", None)},
        "Kit: CSI-4: ",
    ),
    "unknown item": ({"ratings": _with("A", "distress", "anger", 3)}, "unknown item(s) anger"),
    "missing instrument": ({"ratings": _without("B", "csi4")}, "Lou: CSI-4: not rated"),
    "missing partner": (
        {"ratings": {"A": copy.deepcopy(RATINGS_A)}},
        "Lou: Five C's: not rated",
    ),
    "no ratings at all": ({"ratings": {}}, "not rated"),
    "ratings for a partner who did not attend": (
        {"attendees": "a_only", "ratings": {"A": RATINGS_A, "B": RATINGS_B}},
        "Lou did not attend",
    ),
    "unknown instrument": (
        {"ratings": {"A": {**RATINGS_A, "mood": {"x": 1}}, "B": RATINGS_B}},
        "Unknown instrument 'mood'",
    ),
    "unknown partner label": (
        {"ratings": {"A": RATINGS_A, "B": RATINGS_B, "C": RATINGS_B}},
        "Ratings",
    ),
    "before intake": ({"session_date": INTAKE - timedelta(days=1)}, "before the intake date"),
    "in the future": ({"session_date": date.today() + timedelta(days=1)}, "in the future"),
    "risk raised without text": (
        {"risk_raised": True, "risk_text": "   "},
        "Describe the safety concern",
    ),
    "duration too short": ({"duration_minutes": 4}, "Duration"),
    "duration too long": ({"duration_minutes": 301}, "Duration"),
    "unknown modality": ({"modality": "carrier pigeon"}, "Modality"),
    "unknown attendees": ({"attendees": "everyone"}, "Attendees"),
    "note too long": ({"note_data": "x" * 20_001}, "too long"),
    "unknown field": ({"mood": "fine"}, "Mood"),
}


@pytest.mark.parametrize(("overrides", "message"), BAD_SESSIONS.values(), ids=BAD_SESSIONS.keys())
def test_bad_session_input_writes_nothing(
    db: Database, team: Team, kit_and_lou: CoupleView, overrides: dict[str, Any], message: str
) -> None:
    before = _counts(db)
    with pytest.raises(ValidationError) as info:
        sessions.record_session(db, team.alice, kit_and_lou.id, session_form(**overrides))
    assert message.casefold() in str(info.value).casefold()
    assert _counts(db) == before


def test_ratings_problems_of_both_partners_are_reported_together(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    ratings = _with("A", "five_cs", "care", 11)
    del ratings["B"]["distress"]
    with pytest.raises(ValidationError) as info:
        sessions.record_session(db, team.alice, kit_and_lou.id, session_form(ratings=ratings))
    assert "Kit: Five C's" in str(info.value)
    assert "Lou: Distress: not rated" in str(info.value)


def test_closed_couple_cannot_get_a_session(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    couples.change_status(
        db,
        team.alice,
        kit_and_lou.id,
        {"target": "closed", "reason": "Ended by mutual agreement."},
        expected_version=kit_and_lou.version,
    )
    before = _counts(db)
    with pytest.raises(ValidationError, match="C-0001 is closed"):
        sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    assert _counts(db) == before


@pytest.mark.parametrize("who", ["bruno", "supervisor", "admin"])
def test_only_the_couples_counsellor_records_a_session(
    db: Database, team: Team, kit_and_lou: CoupleView, who: str
) -> None:
    before = _counts(db)
    with pytest.raises(PermissionDenied):
        sessions.record_session(db, getattr(team, who), kit_and_lou.id, session_form())
    assert _counts(db) == before


def test_unknown_couple_is_not_found(db: Database, team: Team) -> None:
    with pytest.raises(NotFound):
        sessions.record_session(db, team.alice, 9999, session_form())


def test_homework_reviews_run_in_the_same_transaction(
    db: Database, team: Team, kit_and_lou: CoupleView, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, int, date]] = []

    def review(session: OrmSession, actor: Actor, couple_id: int, reviews: Any, day: date) -> None:
        calls.append((actor.id, couple_id, day))
        audit.record(session, actor, "homework_reviewed", "couple", couple_id)

    monkeypatch.setattr(homework, "apply_reviews", review)
    sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(), homework_reviews=[{"assignment_id": 1}]
    )
    assert calls == [(team.alice.id, kit_and_lou.id, SESSION_DAY)]
    assert len(_events(db, "homework_reviewed")) == 1


def test_a_failing_homework_review_saves_nothing(
    db: Database, team: Team, kit_and_lou: CoupleView, monkeypatch: pytest.MonkeyPatch
) -> None:
    def review(session: OrmSession, actor: Actor, couple_id: int, reviews: Any, day: date) -> None:
        audit.record(session, actor, "homework_reviewed", "couple", couple_id)
        raise ValidationError("Give a reason for skipping.")

    monkeypatch.setattr(homework, "apply_reviews", review)
    before = _counts(db)
    with pytest.raises(ValidationError, match="Give a reason for skipping"):
        sessions.record_session(
            db,
            team.alice,
            kit_and_lou.id,
            session_form(),
            homework_reviews=[{"assignment_id": 1}],
        )
    assert _counts(db) == before


# --- drafts -----------------------------------------------------------------------------------


def test_author_updates_a_draft_replacing_its_ratings(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    changed_a = copy.deepcopy(RATINGS_A)
    changed_a["distress"]["distress"] = 2

    updated = sessions.update_draft(
        db,
        team.alice,
        draft.id,
        session_form(
            attendees="a_only",
            note_plan="Individual session next week.",
            ratings={"A": changed_a},
        ),
        expected_version=draft.version,
    )

    assert updated.version == draft.version + 1
    assert updated.status is NoteStatus.DRAFT
    assert updated.attendees is Attendees.A_ONLY
    assert updated.note_plan == "Individual session next week."
    assert {(r.partner_label, r.instrument): r.total for r in updated.ratings} == {
        ("A", "five_cs"): 20.0,
        ("A", "csi4"): 10.0,
        ("A", "distress"): 2.0,
    }
    assert _count(db, Measurement) == 3
    assert len(_events(db, "session_draft_updated")) == 1


def test_stale_draft_update_is_a_conflict_and_changes_nothing(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    sessions.update_draft(
        db, team.alice, draft.id, session_form(note_data="First edit."), expected_version=1
    )
    before = _counts(db)
    with pytest.raises(ConflictError, match="saved elsewhere"):
        sessions.update_draft(
            db, team.alice, draft.id, session_form(note_data="Stale edit."), expected_version=1
        )
    assert _counts(db) == before
    assert _stored_note(db, draft.id).note_data == "First edit."


def test_invalid_draft_update_keeps_the_old_ratings(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    with pytest.raises(ValidationError):
        sessions.update_draft(
            db,
            team.alice,
            draft.id,
            session_form(note_data="Edited.", ratings=_with("A", "csi4", "q1", 9)),
            expected_version=draft.version,
        )
    assert _measurement_totals(db, draft.id) == sorted(TOTALS.values())
    assert _stored_note(db, draft.id).note_data == draft.note_data


def test_draft_update_cannot_move_before_intake(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    with pytest.raises(ValidationError, match="before the intake date"):
        sessions.update_draft(
            db,
            team.alice,
            draft.id,
            session_form(session_date=date(2026, 8, 1)),
            expected_version=draft.version,
        )


def test_only_the_author_updates_a_draft(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    for other in (team.bruno, team.supervisor):
        with pytest.raises(PermissionDenied):
            sessions.update_draft(
                db, other, draft.id, session_form(), expected_version=draft.version
            )


# --- signing ----------------------------------------------------------------------------------


def test_author_signs_a_complete_note(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    signed = sessions.sign(db, team.alice, draft.id, expected_version=draft.version)

    assert signed.status is NoteStatus.SIGNED and signed.is_signed
    assert isinstance(signed.signed_at, datetime) and signed.signed_at.tzinfo is not None
    assert signed.note_data == draft.note_data
    assert _stored_note(db, draft.id).signed_by_id == team.alice.id
    (event,) = _events(db, "session_signed")
    assert event.entity_id == str(draft.id)


@pytest.mark.parametrize(
    ("section", "label"),
    [("note_data", "Data"), ("note_assessment", "Assessment"), ("note_plan", "Plan")],
)
def test_signing_with_an_empty_section_is_refused_naming_it(
    db: Database, team: Team, kit_and_lou: CoupleView, section: str, label: str
) -> None:
    draft = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(**{section: "   "})
    )
    with pytest.raises(ValidationError, match=f"empty: {label}"):
        sessions.sign(db, team.alice, draft.id, expected_version=draft.version)
    assert _stored_note(db, draft.id).status is NoteStatus.DRAFT
    assert _events(db, "session_signed") == []


def test_signing_names_every_empty_section(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    draft = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data="", note_plan="")
    )
    with pytest.raises(ValidationError, match="empty: Data, Plan"):
        sessions.sign(db, team.alice, draft.id, expected_version=draft.version)


def test_signing_someone_elses_note_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    _reassign_to_bruno(db, team, kit_and_lou)

    with pytest.raises(PermissionDenied, match="Only the note's author may sign it"):
        sessions.sign(db, team.bruno, draft.id, expected_version=draft.version)
    with pytest.raises(PermissionDenied):
        sessions.sign(db, team.supervisor, draft.id, expected_version=draft.version)
    assert _stored_note(db, draft.id).status is NoteStatus.DRAFT


def test_signing_a_stale_version_is_a_conflict(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    sessions.update_draft(db, team.alice, draft.id, session_form(), expected_version=1)
    with pytest.raises(ConflictError):
        sessions.sign(db, team.alice, draft.id, expected_version=1)


def test_a_signed_note_cannot_be_edited_or_signed_again(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = _signed(db, team.alice, kit_and_lou)
    before = _counts(db)

    with pytest.raises(ValidationError, match="signed and locked"):
        sessions.update_draft(
            db,
            team.alice,
            signed.id,
            session_form(note_data="Rewritten."),
            expected_version=signed.version,
        )
    with pytest.raises(ValidationError, match="signed and locked"):
        sessions.sign(db, team.alice, signed.id, expected_version=signed.version)

    assert _counts(db) == before
    assert _stored_note(db, signed.id).note_data == signed.note_data
    assert _measurement_totals(db, signed.id) == sorted(TOTALS.values())


# --- saving and signing in one transaction ---------------------------------------------------


def test_record_and_sign_in_one_transaction(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    signed = sessions.record_session(db, team.alice, kit_and_lou.id, session_form(), sign=True)

    assert signed.is_signed and signed.version == 2
    assert _stored_note(db, signed.id).signed_by_id == team.alice.id
    assert _measurement_totals(db, signed.id) == sorted(TOTALS.values())
    assert len(_events(db, "session_recorded")) == len(_events(db, "session_signed")) == 1


def test_a_refused_signature_saves_no_draft(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    before = _counts(db)
    with pytest.raises(ValidationError, match="empty: Plan"):
        sessions.record_session(
            db, team.alice, kit_and_lou.id, session_form(note_plan=" "), sign=True
        )
    assert _counts(db) == before
    assert sessions.list_sessions(db, team.alice, kit_and_lou.id) == []


def test_update_and_sign_together_or_not_at_all(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form(note_plan=""))
    with pytest.raises(ValidationError, match="empty: Data"):
        sessions.update_draft(
            db,
            team.alice,
            draft.id,
            session_form(note_data="", note_plan="Now planned."),
            expected_version=draft.version,
            sign=True,
        )
    kept = sessions.get_session(db, team.alice, draft.id)
    assert (kept.version, kept.note_plan, kept.status) == (draft.version, "", NoteStatus.DRAFT)

    signed = sessions.update_draft(
        db,
        team.alice,
        draft.id,
        session_form(note_plan="Now planned."),
        expected_version=draft.version,
        sign=True,
    )
    assert signed.is_signed and signed.note_plan == "Now planned."
    assert [e.entity_id for e in _events(db, "session_signed")] == [str(draft.id)]


def _homework_due(db: Database, team: Team, couple: CoupleView) -> homework.AssignmentView:
    exercises.sync_catalogue(db)
    return homework.assign(
        db,
        team.alice,
        couple.id,
        homework_form(
            db,
            "state-of-the-union",
            assigned_on=SESSION_DAY - timedelta(days=7),
            due_on=SESSION_DAY,
        ),
    )


def _review(talk: homework.AssignmentView) -> dict[str, Any]:
    return {
        "assignment_id": talk.id,
        "status": "done",
        "answers": {"A": {talk.prompts[0]: "We did it on Sunday."}},
        "comment": "Kept to the time limit.",
        "expected_version": talk.version,
    }


def test_homework_reviews_and_the_signature_land_together(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    talk = _homework_due(db, team, kit_and_lou)
    signed = sessions.record_session(
        db,
        team.alice,
        kit_and_lou.id,
        session_form(),
        homework_reviews=[_review(talk)],
        sign=True,
    )
    reviewed = homework.assignment(db, team.alice, talk.id)
    assert signed.is_signed
    assert reviewed.status.value == "done" and reviewed.completions == 1


def test_a_refused_signature_keeps_the_homework_unreviewed(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    talk = _homework_due(db, team, kit_and_lou)
    before = _counts(db)
    with pytest.raises(ValidationError, match="empty: Assessment"):
        sessions.record_session(
            db,
            team.alice,
            kit_and_lou.id,
            session_form(note_assessment=""),
            homework_reviews=[_review(talk)],
            sign=True,
        )
    unchanged = homework.assignment(db, team.alice, talk.id)
    assert unchanged.status is talk.status and unchanged.completions == 0
    assert unchanged.version == talk.version
    assert _counts(db) == before


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
        "UPDATE sessions SET cosigned_by_id = :who WHERE id = :id",
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
    with pytest.raises(PermissionDenied, match="author, the couple's counsellor or a supervisor"):
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


# --- reading ----------------------------------------------------------------------------------


def test_list_sessions_newest_first(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    days = [date(2026, 10, 1), date(2026, 11, 10), date(2026, 10, 20), date(2026, 11, 10)]
    ids = [
        sessions.record_session(
            db, team.alice, kit_and_lou.id, session_form(session_date=day, note_data=f"n{i}")
        ).id
        for i, day in enumerate(days)
    ]

    listed = sessions.list_sessions(db, team.alice, kit_and_lou.id)

    assert [v.session_date for v in listed] == sorted(days, reverse=True)
    assert [v.id for v in listed] == [ids[3], ids[1], ids[2], ids[0]]
    assert all(len(v.ratings) == 6 for v in listed)
    assert [v.id for v in sessions.list_sessions(db, team.supervisor, kit_and_lou.id)] == [
        v.id for v in listed
    ]


def test_list_sessions_respects_access(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    with pytest.raises(PermissionDenied):
        sessions.list_sessions(db, team.bruno, kit_and_lou.id)
    with pytest.raises(PermissionDenied):
        sessions.get_session(db, team.bruno, draft.id)
    with pytest.raises(NotFound):
        sessions.list_sessions(db, team.alice, 9999)
    with pytest.raises(NotFound):
        sessions.get_session(db, team.alice, 9999)


def test_preview_is_short_and_single_line(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    long_note = "Line one.\n\nLine two. " + "word " * 100
    view = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data=long_note)
    )
    assert view.preview.startswith("Line one. Line two.")
    assert len(view.preview) == PREVIEW_CHARS
    assert view.preview.endswith("…")


def test_unsigned_notes_lists_own_drafts_older_than_three_days(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    def draft(actor: Actor, couple: CoupleView, day: date) -> int:
        return sessions.record_session(db, actor, couple.id, session_form(session_date=day)).id

    old = draft(team.alice, kit_and_lou, date(2026, 10, 5))
    four_days = draft(team.alice, kit_and_lou, TODAY - timedelta(days=4))
    draft(team.alice, kit_and_lou, TODAY - timedelta(days=3))  # exactly 3 days: not yet
    draft(team.alice, kit_and_lou, TODAY)
    _signed(db, team.alice, kit_and_lou, session_date=date(2026, 10, 1))
    draft(team.bruno, mara_and_nils, date(2026, 10, 2))

    frame = sessions.unsigned_notes(db, team.alice, today=TODAY)

    assert list(frame.columns) == ["session_id", "case_code", "session_date", "days_unsigned"]
    assert frame["session_id"].tolist() == [old, four_days]
    assert frame["case_code"].tolist() == ["C-0001", "C-0001"]
    assert frame["days_unsigned"].tolist() == [50, 4]

    later = sessions.unsigned_notes(db, team.alice, today=date(2026, 12, 31))
    assert len(later) == 4
    assert sessions.unsigned_notes(db, team.supervisor, today=TODAY).empty
    assert sessions.unsigned_notes(db, team.bruno, today=TODAY)["case_code"].tolist() == [
        mara_and_nils.case_code
    ]


def test_unsigned_notes_is_empty_with_the_columns(db: Database, team: Team) -> None:
    frame = sessions.unsigned_notes(db, team.alice, today=TODAY)
    assert frame.empty
    assert list(frame.columns) == ["session_id", "case_code", "session_date", "days_unsigned"]


# --- search -----------------------------------------------------------------------------------


def test_search_is_case_insensitive_with_an_excerpt(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    hit = sessions.record_session(
        db,
        team.alice,
        kit_and_lou.id,
        session_form(note_assessment="Lou named the AFFAIR for the first time."),
    )
    sessions.record_session(db, team.alice, kit_and_lou.id, session_form())

    found = sessions.search_notes(db, team.alice, "affair")

    assert list(found.columns) == ["session_id", "case_code", "session_date", "status", "excerpt"]
    assert found["session_id"].tolist() == [hit.id]
    row = found.iloc[0]
    assert row["case_code"] == "C-0001"
    assert row["status"] == "draft"
    assert "AFFAIR" in row["excerpt"]
    assert sessions.search_notes(db, team.alice, "  Affair ")["session_id"].tolist() == [hit.id]


@pytest.mark.parametrize("section", ["note_data", "note_assessment", "note_plan"])
def test_search_covers_every_dap_section(
    db: Database, team: Team, kit_and_lou: CoupleView, section: str
) -> None:
    view = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(**{section: "zebra crossing talk"})
    )
    assert sessions.search_notes(db, team.alice, "ZEBRA")["session_id"].tolist() == [view.id]


def test_search_finds_signed_notes_newest_first(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    older = _signed(db, team.alice, kit_and_lou, session_date=date(2026, 10, 1))
    newer = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(session_date=date(2026, 11, 1))
    )
    found = sessions.search_notes(db, team.alice, "credit card")
    assert found["session_id"].tolist() == [newer.id, older.id]
    assert found["status"].tolist() == ["draft", "signed"]
    assert sessions.search_notes(db, team.alice, "credit card", limit=1)["session_id"].tolist() == [
        newer.id
    ]


def test_search_respects_access(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    alices = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data="Talked about the gambling debt.")
    )
    brunos = sessions.record_session(
        db, team.bruno, mara_and_nils.id, session_form(note_data="Gambling relapse discussed.")
    )

    assert sessions.search_notes(db, team.alice, "gambling")["session_id"].tolist() == [alices.id]
    assert sessions.search_notes(db, team.bruno, "gambling")["session_id"].tolist() == [brunos.id]
    assert sessions.search_notes(db, team.bruno, "debt").empty
    assert set(sessions.search_notes(db, team.supervisor, "gambling")["session_id"]) == {
        alices.id,
        brunos.id,
    }


def test_search_follows_a_reassignment(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    view = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    _reassign_to_bruno(db, team, kit_and_lou)
    assert sessions.search_notes(db, team.alice, "credit card").empty
    assert sessions.search_notes(db, team.bruno, "credit card")["session_id"].tolist() == [view.id]


@pytest.mark.parametrize("query", ["", " ", "a", "  b  "])
def test_search_refuses_a_query_shorter_than_two_characters(
    db: Database, team: Team, query: str
) -> None:
    with pytest.raises(ValidationError, match="at least two characters"):
        sessions.search_notes(db, team.alice, query)


def test_search_treats_wildcards_literally(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    percent = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data="Trust is 50% back, says Kit.")
    )
    underscore = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data="Kit's handle is kit_lou online.")
    )
    backslash = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data=r"Saved under C:\notes today.")
    )

    def ids(query: str) -> list[int]:
        return sessions.search_notes(db, team.alice, query)["session_id"].tolist()

    assert ids("0%") == [percent.id]
    assert ids("%%") == []
    assert ids("50%") == [percent.id]
    assert ids("t_l") == [underscore.id]
    assert ids("__") == []
    assert ids("Kit_s") == []  # unescaped, _ would match the apostrophe in "Kit's"
    assert ids(r"C:\n") == [backslash.id]
    assert ids("\\\\") == []


def test_search_finds_nothing_without_error(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    found = sessions.search_notes(db, team.alice, "no such words")
    assert found.empty
    assert list(found.columns) == ["session_id", "case_code", "session_date", "status", "excerpt"]


def test_search_is_case_insensitive_beyond_ascii(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    view = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data="Émile, Lou's brother, called.")
    )
    assert sessions.search_notes(db, team.alice, "ÉMILE")["session_id"].tolist() == [view.id]
    assert sessions.search_notes(db, team.alice, "émile")["session_id"].tolist() == [view.id]


# --- excerpt (no database) --------------------------------------------------------------------

LEFT = " ".join(f"left{i}" for i in range(30))
RIGHT = " ".join(f"right{i}" for i in range(30))


def test_excerpt_of_a_short_text_is_the_whole_text() -> None:
    assert excerpt("Kit named the affair.", "AFFAIR") == "Kit named the affair."


def test_excerpt_in_the_middle_has_ellipses_on_both_sides() -> None:
    result = excerpt(f"{LEFT} TRUST {RIGHT}", "trust")
    assert result.startswith("…") and result.endswith("…")
    assert "TRUST" in result
    before, after = result[1:-1].split("TRUST")
    assert len(before) == EXCERPT_RADIUS and len(after) == EXCERPT_RADIUS


def test_excerpt_match_at_the_start_has_no_leading_ellipsis() -> None:
    result = excerpt(f"Trust {RIGHT}", "trust")
    assert result.startswith("Trust ")
    assert result.endswith("…")
    assert len(result) == len("Trust") + EXCERPT_RADIUS + 1


def test_excerpt_match_at_the_end_has_no_trailing_ellipsis() -> None:
    result = excerpt(f"{LEFT} trust", "TRUST")
    assert result.startswith("…")
    assert result.endswith(" trust")
    assert len(result) == 1 + EXCERPT_RADIUS + len("trust")


def test_excerpt_collapses_whitespace() -> None:
    assert excerpt("Kit\n\n  named\tthe   affair.", "named the") == "Kit named the affair."


def test_excerpt_without_a_match_is_the_preview() -> None:
    assert excerpt("Nothing here.", "affair") == "Nothing here."
    long_text = "word " * 100
    result = excerpt(long_text, "affair")
    assert len(result) == PREVIEW_CHARS
    assert result.endswith("…")
    assert result.startswith("word word")


def test_excerpt_with_a_custom_radius() -> None:
    assert excerpt("aaaa bbbb TERM cccc dddd", "term", radius=5) == "…bbbb TERM cccc…"


def test_excerpt_after_letters_that_casefold_longer() -> None:
    assert "trust" in excerpt("Straße " * 5 + "trust rebuilt slowly", "trust", radius=3)
