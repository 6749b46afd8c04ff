"""Session notes (core.services.sessions): recording with ratings, drafts, signing, and
saving, reviewing homework and signing in one transaction. Reading and search are in
test_sessions_reading.py; the signed-note lock, addenda and co-signing in
test_signed_notes.py. Every database test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from core.db import Database
from core.domain import Attendees, Modality, NoteStatus
from core.errors import (
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from core.models import Measurement
from core.models import Session as SessionRow
from core.services import audit, couples, homework, sessions
from core.services.access import Actor
from core.services.couples import CoupleView
from core.services.sessions import (
    SessionView,
    attending_labels,
)
from tests.conftest import Team
from tests.homework_support import talk_due_on
from tests.sessions_support import (
    INTAKE,
    RATINGS_A,
    RATINGS_B,
    SESSION_DAY,
    TOTALS,
    _count,
    _counts,
    _events,
    _measurement_totals,
    _reassign_to_bruno,
    _signed,
    _stored_note,
    session_form,
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
    "unknown item": ({"ratings": _with("A", "distress", "anger", 3)}, "unknown item anger"),
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


# A draft saves what is there (issue 14 item 9): only signing needs every rating.
UNSIGNABLE: dict[str, tuple[dict[str, Any], str]] = {
    "missing instrument": ({"ratings": _without("B", "csi4")}, "Lou: CSI-4: not rated"),
    "missing partner": (
        {"ratings": {"A": copy.deepcopy(RATINGS_A)}},
        "Lou: Five C's: not rated",
    ),
    "no ratings at all": ({"ratings": {}}, "not rated"),
}


@pytest.mark.parametrize(("overrides", "message"), UNSIGNABLE.values(), ids=UNSIGNABLE.keys())
def test_missing_ratings_save_as_a_draft_but_refuse_signing(
    db: Database, team: Team, kit_and_lou: CoupleView, overrides: dict[str, Any], message: str
) -> None:
    before = _counts(db)
    with pytest.raises(ValidationError) as info:
        sessions.record_session(
            db, team.alice, kit_and_lou.id, session_form(**overrides), sign=True
        )
    assert message.casefold() in str(info.value).casefold()
    assert _counts(db) == before
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form(**overrides))
    assert draft.status is NoteStatus.DRAFT
    given = {(r.partner_label, r.instrument) for r in draft.ratings}
    expected = {(label, key) for label, tools in overrides["ratings"].items() for key in tools}
    assert given == expected
    with pytest.raises(ValidationError, match="Signing needs every rating") as later:
        sessions.sign(db, team.alice, draft.id, expected_version=draft.version)
    assert "Lou" in str(later.value) and "Save a draft" in str(later.value)


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
        sessions.record_session(
            db, team.alice, kit_and_lou.id, session_form(ratings=ratings), sign=True
        )
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
    return talk_due_on(db, team.alice, couple.id, SESSION_DAY)


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
