"""Safety screens (core.services.safety): concerns and plans, PC-PTSD-5 scoring, open
concerns until resolved with a note, access, audit. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.domain import ScreenStatus
from core.errors import NotFound, PermissionDenied, ValidationError
from core.models import AuditEvent, Measurement, SafetyScreen
from core.schemas import ScreenIn
from core.services import safety
from core.services.couples import CoupleView
from core.services.safety import ScreenView
from tests.conftest import Team, audited_writes

INTAKE = date(2026, 9, 1)
SCREEN_DAY = date(2026, 9, 8)


def screen_form(**overrides: Any) -> dict[str, Any]:
    """A screen of partner A without concerns; override any field."""
    form: dict[str, Any] = {
        "partner_label": "A",
        "screened_on": SCREEN_DAY,
        "notes": "Seen alone for 20 minutes.",
    }
    form.update(overrides)
    return form


def concern_form(**overrides: Any) -> dict[str, Any]:
    return screen_form(
        coercive_control=True,
        plan="Individual sessions only; safety plan reviewed weekly.",
        **overrides,
    )


def ptsd(exposure: int, yes: int) -> dict[str, int]:
    keys = ["nightmares", "avoidance", "on_guard", "numb", "guilt"]
    return {"exposure": exposure, **{key: int(i < yes) for i, key in enumerate(keys)}}


def _count(db: Database, model: type, *where: Any) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _counts(db: Database) -> dict[str, int]:
    return {
        SafetyScreen.__name__: _count(db, SafetyScreen),
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


def _has_open_concern(db: Database, couple_id: int) -> bool:
    with db.read() as session:
        return safety.has_open_concern(session, couple_id)


# --- recording --------------------------------------------------------------------------------


def test_a_concern_with_a_plan_is_recorded_open(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    view = safety.record_screen(db, team.alice, kit_and_lou.id, concern_form())

    assert isinstance(view, ScreenView)
    assert view.status is ScreenStatus.OPEN
    assert view.couple_id == kit_and_lou.id
    assert (view.partner_label, view.partner_name) == ("A", "Kit")
    assert view.screened_on == SCREEN_DAY
    assert view.concerns == ("Coercive control",)
    assert view.plan == "Individual sessions only; safety plan reviewed weekly."
    assert view.notes == "Seen alone for 20 minutes."
    assert view.ptsd_score is None and view.ptsd_positive is None
    assert view.resolved_at is None and view.resolution_note is None
    with db.read() as session:
        row = session.get(SafetyScreen, view.id)
        assert row is not None
        assert row.screener_id == team.alice.id
        assert row.coercive_control and not row.violence


def test_every_concern_is_listed_in_order(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    view = safety.record_screen(
        db,
        team.alice,
        kit_and_lou.id,
        screen_form(
            partner_label="B",
            violence=True,
            coercive_control=True,
            emotional_abuse=True,
            self_harm_risk=True,
            plan="Crisis line given; GP informed with consent.",
        ),
    )
    assert view.partner_name == "Lou"
    assert view.concerns == (
        "Violence",
        "Coercive control",
        "Emotional abuse",
        "Self-harm risk",
    )
    assert view.status is ScreenStatus.OPEN


@pytest.mark.parametrize(
    "flag", ["violence", "coercive_control", "emotional_abuse", "self_harm_risk"]
)
@pytest.mark.parametrize("plan", ["", "   "])
def test_a_concern_without_a_plan_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView, flag: str, plan: str
) -> None:
    before = _counts(db)
    with pytest.raises(ValidationError, match="needs a safety plan"):
        safety.record_screen(db, team.alice, kit_and_lou.id, screen_form(**{flag: True}, plan=plan))
    assert _counts(db) == before


def test_no_concern_is_resolved_at_once(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    view = safety.record_screen(db, team.alice, kit_and_lou.id, screen_form())
    assert view.status is ScreenStatus.RESOLVED
    assert view.concerns == ()
    assert not _has_open_concern(db, kit_and_lou.id)
    assert safety.open_concerns(db, team.alice, kit_and_lou.id) == []


def test_screen_in_model_can_be_passed_directly(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    given = ScreenIn(**concern_form())
    assert given.has_concern
    assert not ScreenIn(**screen_form()).has_concern
    view = safety.record_screen(db, team.alice, kit_and_lou.id, given)
    assert view.status is ScreenStatus.OPEN


# --- PC-PTSD-5 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "score", "positive"),
    [
        (ptsd(exposure=1, yes=3), 3, True),
        (ptsd(exposure=1, yes=5), 5, True),
        (ptsd(exposure=1, yes=2), 2, False),
        (ptsd(exposure=0, yes=5), 0, False),
    ],
    ids=["three-yes", "all-yes", "two-yes", "no-exposure"],
)
def test_ptsd_answers_are_scored_and_tracked(
    db: Database,
    team: Team,
    kit_and_lou: CoupleView,
    answers: dict[str, int],
    score: int,
    positive: bool,
) -> None:
    view = safety.record_screen(db, team.alice, kit_and_lou.id, screen_form(ptsd_answers=answers))

    assert view.ptsd_score == score
    assert view.ptsd_positive is positive
    with db.read() as session:
        (measurement,) = session.scalars(select(Measurement)).all()
        assert measurement.instrument == "pcptsd5"
        assert measurement.total == float(score)
        assert measurement.items == answers
        assert measurement.measured_on == SCREEN_DAY
        assert measurement.session_id is None
        assert measurement.couple_id == kit_and_lou.id
        assert measurement.partner_id == kit_and_lou.partners[0].id
        assert measurement.recorded_by_id == team.alice.id
        row = session.get(SafetyScreen, view.id)
        assert row is not None and row.ptsd_score == score


def test_a_screen_without_ptsd_answers_adds_no_measurement(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    safety.record_screen(db, team.alice, kit_and_lou.id, screen_form())
    assert _count(db, Measurement) == 0


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({**ptsd(exposure=1, yes=3), "numb": 2}, "must be a whole number from 0 to 1"),
        ({**ptsd(exposure=1, yes=3), "sleep": 1}, r"unknown item sleep"),
        ({k: v for k, v in ptsd(exposure=1, yes=3).items() if k != "guilt"}, "felt guilty"),
    ],
    ids=["out-of-range", "unknown-item", "missing-item"],
)
def test_invalid_ptsd_answers_write_nothing(
    db: Database, team: Team, kit_and_lou: CoupleView, answers: dict[str, int], message: str
) -> None:
    before = _counts(db)
    with pytest.raises(ValidationError, match=message):
        safety.record_screen(db, team.alice, kit_and_lou.id, concern_form(ptsd_answers=answers))
    assert _counts(db) == before


# --- bad input --------------------------------------------------------------------------------


BAD_SCREENS: dict[str, tuple[dict[str, Any], str]] = {
    "in the future": ({"screened_on": date.today() + timedelta(days=1)}, "in the future"),
    "before intake": ({"screened_on": INTAKE - timedelta(days=1)}, "before the intake date"),
    "unknown partner": ({"partner_label": "C"}, "Partner"),
    "unknown field": ({"mood": "calm"}, "Mood"),
    "notes too long": ({"notes": "x" * 5001}, "too long"),
}


@pytest.mark.parametrize(("overrides", "message"), BAD_SCREENS.values(), ids=BAD_SCREENS.keys())
def test_bad_screen_input_writes_nothing(
    db: Database, team: Team, kit_and_lou: CoupleView, overrides: dict[str, Any], message: str
) -> None:
    before = _counts(db)
    with pytest.raises(ValidationError) as info:
        safety.record_screen(db, team.alice, kit_and_lou.id, concern_form(**overrides))
    assert message.casefold() in str(info.value).casefold()
    assert _counts(db) == before


def test_screen_on_the_intake_date_and_today_are_allowed(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    safety.record_screen(db, team.alice, kit_and_lou.id, screen_form(screened_on=INTAKE))
    safety.record_screen(db, team.alice, kit_and_lou.id, screen_form(screened_on=date.today()))
    assert _count(db, SafetyScreen) == 2


def test_unknown_couple_is_not_found(db: Database, team: Team) -> None:
    with pytest.raises(NotFound):
        safety.record_screen(db, team.alice, 9999, concern_form())
    with pytest.raises(NotFound):
        safety.screens(db, team.alice, 9999)


# --- open concerns and resolving --------------------------------------------------------------


def test_an_open_concern_stays_until_resolved_with_a_note(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    assert not _has_open_concern(db, kit_and_lou.id)
    screen = safety.record_screen(db, team.alice, kit_and_lou.id, concern_form())

    assert _has_open_concern(db, kit_and_lou.id)
    assert not _has_open_concern(db, mara_and_nils.id)
    assert [s.id for s in safety.open_concerns(db, team.alice, kit_and_lou.id)] == [screen.id]

    resolved = safety.resolve_screen(
        db, team.alice, screen.id, "  Separate housing arranged; risk reassessed as low.  "
    )

    assert resolved.status is ScreenStatus.RESOLVED
    assert resolved.resolution_note == "Separate housing arranged; risk reassessed as low."
    assert resolved.resolved_at is not None and resolved.resolved_at.tzinfo is not None
    assert resolved.concerns == ("Coercive control",)
    assert resolved.plan == screen.plan
    assert not _has_open_concern(db, kit_and_lou.id)
    assert safety.open_concerns(db, team.alice, kit_and_lou.id) == []
    with db.read() as session:
        row = session.get(SafetyScreen, screen.id)
        assert row is not None and row.resolved_by_id == team.alice.id


def test_one_of_several_concerns_resolved_leaves_the_couple_flagged(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    first = safety.record_screen(db, team.alice, kit_and_lou.id, concern_form())
    second = safety.record_screen(
        db, team.alice, kit_and_lou.id, concern_form(partner_label="B", violence=True)
    )
    safety.resolve_screen(db, team.alice, first.id, "Plan in place and holding.")
    assert _has_open_concern(db, kit_and_lou.id)
    assert [s.id for s in safety.open_concerns(db, team.alice, kit_and_lou.id)] == [second.id]


@pytest.mark.parametrize("note", ["", "   ", "\n"])
def test_resolving_without_a_note_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView, note: str
) -> None:
    screen = safety.record_screen(db, team.alice, kit_and_lou.id, concern_form())
    before = _counts(db)
    with pytest.raises(ValidationError, match="needs a note"):
        safety.resolve_screen(db, team.alice, screen.id, note)
    assert _counts(db) == before
    assert _has_open_concern(db, kit_and_lou.id)


def test_resolving_twice_is_refused(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    screen = safety.record_screen(db, team.alice, kit_and_lou.id, concern_form())
    safety.resolve_screen(db, team.alice, screen.id, "Resolved.")
    with pytest.raises(ValidationError, match="already resolved"):
        safety.resolve_screen(db, team.alice, screen.id, "Resolved again.")
    (row,) = safety.screens(db, team.alice, kit_and_lou.id)
    assert row.resolution_note == "Resolved."
    assert len(_events(db, "safety_concern_resolved")) == 1


def test_a_screen_without_concern_cannot_be_resolved(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    screen = safety.record_screen(db, team.alice, kit_and_lou.id, screen_form())
    with pytest.raises(ValidationError, match="already resolved"):
        safety.resolve_screen(db, team.alice, screen.id, "Nothing to resolve.")


def test_resolving_an_unknown_screen_is_not_found(db: Database, team: Team) -> None:
    with pytest.raises(NotFound):
        safety.resolve_screen(db, team.alice, 9999, "Note.")


# --- access -----------------------------------------------------------------------------------


def test_another_counsellor_cannot_record_resolve_or_read(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    screen = safety.record_screen(db, team.alice, kit_and_lou.id, concern_form())
    before = _counts(db)

    with pytest.raises(PermissionDenied):
        safety.record_screen(db, team.bruno, kit_and_lou.id, concern_form())
    with pytest.raises(PermissionDenied):
        safety.resolve_screen(db, team.bruno, screen.id, "Not my client.")
    with pytest.raises(PermissionDenied):
        safety.screens(db, team.bruno, kit_and_lou.id)
    with pytest.raises(PermissionDenied):
        safety.open_concerns(db, team.bruno, kit_and_lou.id)

    assert _counts(db) == before
    assert _has_open_concern(db, kit_and_lou.id)


@pytest.mark.parametrize("reader", ["supervisor", "admin"])
def test_supervisors_and_admins_read_screens_but_do_not_record_or_resolve(
    db: Database, team: Team, kit_and_lou: CoupleView, reader: str
) -> None:
    actor = getattr(team, reader)
    screen = safety.record_screen(db, team.alice, kit_and_lou.id, concern_form())

    assert [s.id for s in safety.screens(db, actor, kit_and_lou.id)] == [screen.id]
    assert [s.id for s in safety.open_concerns(db, actor, kit_and_lou.id)] == [screen.id]

    before = _counts(db)
    with pytest.raises(PermissionDenied):
        safety.record_screen(db, actor, kit_and_lou.id, concern_form())
    with pytest.raises(PermissionDenied):
        safety.resolve_screen(db, actor, screen.id, "Reviewed.")
    assert _counts(db) == before
    assert _has_open_concern(db, kit_and_lou.id)


def test_screens_are_listed_newest_first(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    days = [date(2026, 9, 8), date(2026, 10, 20), date(2026, 9, 30)]
    ids = [
        safety.record_screen(db, team.alice, kit_and_lou.id, screen_form(screened_on=day)).id
        for day in days
    ]
    listed = safety.screens(db, team.alice, kit_and_lou.id)
    assert [s.screened_on for s in listed] == sorted(days, reverse=True)
    assert [s.id for s in listed] == [ids[1], ids[2], ids[0]]


# --- audit ------------------------------------------------------------------------------------


def test_recording_and_resolving_are_audited(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    screen = safety.record_screen(db, team.alice, kit_and_lou.id, concern_form())
    calm = safety.record_screen(db, team.alice, kit_and_lou.id, screen_form(partner_label="B"))
    safety.resolve_screen(db, team.alice, screen.id, "Risk reassessed as low.")

    recorded = _events(db, "safety_screen_recorded")
    assert [(e.entity, e.entity_id, e.actor_username) for e in recorded] == [
        ("safety_screen", str(screen.id), "alice"),
        ("safety_screen", str(calm.id), "alice"),
    ]
    assert json.loads(recorded[0].detail) == {
        "case_code": "C-0001",
        "open": True,
        "partner": "A",
        "ptsd_positive": False,
    }
    assert json.loads(recorded[1].detail) == {
        "case_code": "C-0001",
        "open": False,
        "partner": "B",
        "ptsd_positive": False,
    }
    (resolved,) = _events(db, "safety_concern_resolved")
    assert (resolved.entity, resolved.entity_id) == ("safety_screen", str(screen.id))
    assert json.loads(resolved.detail) == {"case_code": "C-0001"}


def test_the_headers_marks_are_the_open_concerns_and_the_follow_ups_in_one_read(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    resolved = safety.record_screen(db, team.alice, kit_and_lou.id, concern_form())
    safety.resolve_screen(db, team.alice, resolved.id, "Safe now.")
    later = SCREEN_DAY + timedelta(days=7)
    safety.record_screen(db, team.alice, kit_and_lou.id, screen_form(screened_on=later))
    still_open = safety.record_screen(
        db, team.alice, kit_and_lou.id, concern_form(partner_label="B", ptsd_answers=ptsd(1, 4))
    )
    concerns, follow_ups = safety.marks(db, team.alice, kit_and_lou.id)
    assert concerns == safety.open_concerns(db, team.alice, kit_and_lou.id)
    assert [c.id for c in concerns] == [still_open.id]
    assert follow_ups == safety.follow_ups(db, team.alice, kit_and_lou.id)
    assert [f.partner_label for f in follow_ups] == ["B"]
    with pytest.raises(PermissionDenied):
        safety.marks(db, team.bruno, kit_and_lou.id)
