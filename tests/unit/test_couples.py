"""Couple records: intake, access, optimistic locking, status, reassignment, caseload."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import delete, func, select

from core.db import Database
from core.domain import (
    COUPLE_STATUS_LABELS,
    Attendees,
    BreachPattern,
    BreachType,
    CoupleStatus,
    Modality,
    NoteStatus,
    PartnerRole,
)
from core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from core.models import AuditEvent, Counter, Couple, CoupleBreach, Partner
from core.models import Session as SessionRow
from core.schemas import CoupleIn, parse
from core.services import accounts, couples
from core.services.couples import CASELOAD_COLUMNS, CoupleView
from tests.conftest import Team, audited_writes, intake_form

TODAY = date(2026, 11, 24)
INTAKE = date(2026, 9, 1)


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _counts(db: Database) -> dict[str, int]:
    return {
        **{model.__name__: _count(db, model) for model in (Couple, Partner, CoupleBreach)},
        AuditEvent.__name__: audited_writes(db),
    }


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def _stored(db: Database, couple_id: int) -> Couple:
    with db.read() as session:
        couple = session.get(Couple, couple_id)
        assert couple is not None
        return couple


def _partner(name: str, role: str = "hurt", **extra: str) -> dict[str, str]:
    return {"name": name, "role": role, **extra}


def _form_for(name_a: str, name_b: str, **overrides: object) -> dict[str, object]:
    return intake_form(
        partner_a=_partner(name_a, "hurt"), partner_b=_partner(name_b, "broke_trust"), **overrides
    )


def _add_session(
    db: Database, couple: CoupleView, day: date, status: NoteStatus = NoteStatus.DRAFT
) -> None:
    with db.transaction() as session:
        session.add(
            SessionRow(
                couple_id=couple.id,
                counsellor_id=couple.counsellor_id,
                session_date=day,
                duration_minutes=50,
                modality=Modality.IN_PERSON,
                attendees=Attendees.JOINT,
                status=status,
                version=1,
            )
        )


@pytest.fixture
def kit_and_lou(db: Database, team: Team) -> CoupleView:
    """Alice's couple C-0001."""
    return couples.create_couple(db, team.alice, intake_form())


# --- intake -------------------------------------------------------------------------------


def test_counsellor_creates_a_couple_on_their_own_caseload(db: Database, team: Team) -> None:
    view = couples.create_couple(db, team.alice, intake_form())

    assert isinstance(view, CoupleView)
    assert view.case_code == "C-0001"
    assert view.counsellor_id == team.alice.id
    assert view.counsellor_name == "Alice"
    assert view.status is CoupleStatus.INTAKE
    assert view.intake_date == INTAKE
    assert view.pattern is BreachPattern.ONE_TIME
    assert view.goals == "Rebuild honesty about money."
    assert view.closing_reason is None
    assert view.version == 1


def test_case_codes_count_up_across_counsellors(db: Database, team: Team) -> None:
    first = couples.create_couple(db, team.alice, intake_form())
    second = couples.create_couple(db, team.bruno, _form_for("Mara", "Nils"))
    third = couples.create_couple(db, team.alice, _form_for("Oona", "Piet"))
    assert [first.case_code, second.case_code, third.case_code] == ["C-0001", "C-0002", "C-0003"]


def test_partners_are_stored_with_labels_and_roles(db: Database, team: Team) -> None:
    view = couples.create_couple(
        db,
        team.alice,
        intake_form(
            partner_a=_partner("Kit", "both", pronouns="they/them", contact="kit@example.org"),
            partner_b=_partner("Lou", "both", pronouns="she/her"),
        ),
    )

    a, b = view.partners
    assert (a.label, a.name, a.pronouns, a.role, a.contact) == (
        "A",
        "Kit",
        "they/them",
        PartnerRole.BOTH,
        "kit@example.org",
    )
    assert (b.label, b.name, b.pronouns, b.role, b.contact) == (
        "B",
        "Lou",
        "she/her",
        PartnerRole.BOTH,
        "",
    )
    assert view.partner_names == "Kit & Lou"
    with db.read() as session:
        rows = session.execute(
            select(Partner.label, Partner.name).where(Partner.couple_id == view.id)
        ).all()
    assert sorted(rows) == [("A", "Kit"), ("B", "Lou")]


def test_breach_types_are_stored_once_each(db: Database, team: Team) -> None:
    view = couples.create_couple(
        db,
        team.alice,
        intake_form(breach_types=["social_media", "lying_money", "social_media"]),
    )

    # Shown in the catalogue's order, whatever order they were ticked in.
    assert view.breach_types == (BreachType.LYING_MONEY, BreachType.SOCIAL_MEDIA)
    with db.read() as session:
        stored = session.scalars(
            select(CoupleBreach.breach_type).where(CoupleBreach.couple_id == view.id)
        ).all()
    assert sorted(stored) == ["lying_money", "social_media"]


def test_intake_is_audited(db: Database, team: Team) -> None:
    view = couples.create_couple(db, team.alice, intake_form())

    (event,) = _events(db, "couple_created")
    assert event.actor_id == team.alice.id
    assert event.actor_username == "alice"
    assert event.entity == "couple"
    assert event.entity_id == str(view.id)
    assert json.loads(event.detail) == {"case_code": "C-0001"}


def test_intake_accepts_a_validated_model(db: Database, team: Team) -> None:
    view = couples.create_couple(db, team.alice, parse(CoupleIn, intake_form()))
    assert view.case_code == "C-0001"


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_supervisors_and_admins_cannot_take_on_couples(db: Database, team: Team, who: str) -> None:
    with pytest.raises(PermissionDenied, match="Only a counsellor may take on new couples"):
        couples.create_couple(db, getattr(team, who), intake_form())
    assert _counts(db) == {"Couple": 0, "Partner": 0, "CoupleBreach": 0, "AuditEvent": 0}


BAD_INTAKES = {
    "empty-name": ({"partner_a": _partner("")}, "partner_a.name"),
    "blank-name": ({"partner_b": _partner("   ", "broke_trust")}, "partner_b.name"),
    "partner-twice": ({"partner_b": _partner("KIT", "broke_trust")}, "form"),
    "future-intake": ({"intake_date": date.today() + timedelta(days=1)}, "intake_date"),
    "intake-before-2000": ({"intake_date": date(1999, 6, 1)}, "intake_date"),
    "unknown-breach": ({"breach_types": ["lying_money", "made_up"]}, "breach_types"),
    "no-breach": ({"breach_types": []}, "breach_types"),
    "long-name": ({"partner_a": _partner("N" * 81)}, "partner_a.name"),
    "long-goals": ({"goals": "g" * 2001}, "goals"),
    "nobody-hurt": (
        {"partner_a": _partner("Kit", "broke_trust"), "partner_b": _partner("Lou", "broke_trust")},
        "form",
    ),
}


@pytest.mark.parametrize(("overrides", "field"), BAD_INTAKES.values(), ids=BAD_INTAKES.keys())
def test_bad_intake_is_refused_and_nothing_is_written(
    db: Database, team: Team, overrides: dict[str, object], field: str
) -> None:
    before = _counts(db)

    with pytest.raises(ValidationError) as caught:
        couples.create_couple(db, team.alice, intake_form(**overrides))

    assert field in caught.value.field_errors
    assert str(caught.value)
    assert _counts(db) == before


def test_refused_intake_does_not_use_up_a_case_code(db: Database, team: Team) -> None:
    with pytest.raises(ValidationError):
        couples.create_couple(db, team.alice, intake_form(breach_types=[]))
    assert couples.create_couple(db, team.alice, intake_form()).case_code == "C-0001"


def test_case_codes_carry_on_without_the_counter_row(db: Database, team: Team) -> None:
    """Case codes come from one atomic counter (simultaneous intakes: test_save_races);
    a database without its row (restored from an older backup) carries on after the
    highest stored code."""
    couples.create_couple(db, team.alice, intake_form())
    with db.transaction() as session:
        session.execute(delete(Counter))
    second = couples.create_couple(db, team.bruno, _form_for("Mara", "Nils"))

    assert second.case_code == "C-0002"
    assert second.counsellor_id == team.bruno.id
    assert _counts(db) == {"Couple": 2, "Partner": 4, "CoupleBreach": 2, "AuditEvent": 2}


# --- reading and access -------------------------------------------------------------------


def test_counsellor_reads_their_own_couple(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    assert couples.get_couple(db, team.alice, kit_and_lou.id) == kit_and_lou


def test_other_counsellor_cannot_read_the_couple(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    with pytest.raises(PermissionDenied, match="C-0001 is on another counsellor's caseload"):
        couples.get_couple(db, team.bruno, kit_and_lou.id)
    with pytest.raises(NotFound, match="no couple with case code 'C-0001' that you may open"):
        couples.find_by_case_code(db, team.bruno, "C-0001")


def test_other_counsellor_cannot_edit_the_couple(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    before = _counts(db)
    with pytest.raises(PermissionDenied):
        couples.update_couple(
            db, team.bruno, kit_and_lou.id, intake_form(goals="Hijacked"), expected_version=1
        )
    with pytest.raises(PermissionDenied):
        couples.change_status(
            db, team.bruno, kit_and_lou.id, {"target": "active"}, expected_version=1
        )
    assert _counts(db) == before
    assert couples.get_couple(db, team.alice, kit_and_lou.id) == kit_and_lou


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_supervisor_and_admin_read_any_couple(
    db: Database, team: Team, kit_and_lou: CoupleView, who: str
) -> None:
    assert couples.get_couple(db, getattr(team, who), kit_and_lou.id) == kit_and_lou


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_supervisor_and_admin_cannot_edit_a_couple(
    db: Database, team: Team, kit_and_lou: CoupleView, who: str
) -> None:
    actor = getattr(team, who)
    with pytest.raises(PermissionDenied, match="read-only for you"):
        couples.update_couple(
            db, actor, kit_and_lou.id, intake_form(goals="Changed"), expected_version=1
        )
    with pytest.raises(PermissionDenied, match="read-only for you"):
        couples.change_status(db, actor, kit_and_lou.id, {"target": "active"}, expected_version=1)
    assert couples.get_couple(db, team.alice, kit_and_lou.id) == kit_and_lou


def test_unknown_couple_is_not_found(db: Database, team: Team) -> None:
    with pytest.raises(NotFound):
        couples.get_couple(db, team.alice, 9999)
    with pytest.raises(NotFound, match="C-9999"):
        couples.find_by_case_code(db, team.alice, "C-9999")


def test_case_code_lookup_ignores_case_and_spaces(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    assert couples.find_by_case_code(db, team.alice, " c-0001 ") == kit_and_lou


def test_view_round_trips_through_the_edit_form(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    assert parse(CoupleIn, kit_and_lou.as_form()) == parse(CoupleIn, intake_form())


def test_view_counts_whole_weeks_in_care(kit_and_lou: CoupleView) -> None:
    assert kit_and_lou.weeks_in_care(INTAKE) == 0
    assert kit_and_lou.weeks_in_care(INTAKE + timedelta(days=6)) == 0
    assert kit_and_lou.weeks_in_care(INTAKE + timedelta(days=7)) == 1
    assert kit_and_lou.weeks_in_care(INTAKE - timedelta(days=30)) == 0


# --- editing and optimistic locking ---------------------------------------------------------


def test_edit_with_the_current_version_saves_and_bumps_the_version(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    saved = couples.update_couple(
        db,
        team.alice,
        kit_and_lou.id,
        intake_form(goals="Talk every Sunday.", pattern="repeated"),
        expected_version=kit_and_lou.version,
    )

    assert saved.goals == "Talk every Sunday."
    assert saved.pattern is BreachPattern.REPEATED
    assert saved.version > kit_and_lou.version
    assert couples.get_couple(db, team.alice, kit_and_lou.id) == saved
    (event,) = _events(db, "couple_updated")
    assert json.loads(event.detail) == {"case_code": "C-0001", "fields": ["goals", "pattern"]}


def test_stale_edit_is_refused_and_the_first_edit_is_kept(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    opened_at = kit_and_lou.version
    first = couples.update_couple(
        db, team.alice, kit_and_lou.id, intake_form(goals="First edit."), expected_version=opened_at
    )
    second_form = intake_form(goals="Second edit.", partner_b=_partner("Louise", "broke_trust"))
    second_copy = copy.deepcopy(second_form)

    with pytest.raises(ConflictError) as caught:
        couples.update_couple(
            db, team.alice, kit_and_lou.id, second_form, expected_version=opened_at
        )

    assert "changed by someone else" in str(caught.value)
    assert "Nothing was overwritten" in str(caught.value)
    # The database keeps the first edit ...
    stored = couples.get_couple(db, team.alice, kit_and_lou.id)
    assert stored == first
    assert stored.goals == "First edit."
    assert stored.partners[1].name == "Lou"
    # ... and the caller still has the second one to compare and save again.
    assert second_form == second_copy
    retried = couples.update_couple(
        db, team.alice, kit_and_lou.id, second_form, expected_version=stored.version
    )
    assert retried.goals == "Second edit."
    assert retried.partners[1].name == "Louise"
    assert len(_events(db, "couple_updated")) == 2


def test_changing_only_a_partner_name_bumps_the_version(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    saved = couples.update_couple(
        db,
        team.alice,
        kit_and_lou.id,
        intake_form(partner_b=_partner("Louisa", "broke_trust", pronouns="she/her")),
        expected_version=kit_and_lou.version,
    )

    assert saved.partners[1].name == "Louisa"
    assert saved.version > kit_and_lou.version
    # So a form opened before that change can no longer overwrite it.
    with pytest.raises(ConflictError):
        couples.update_couple(
            db,
            team.alice,
            kit_and_lou.id,
            intake_form(goals="Stale."),
            expected_version=kit_and_lou.version,
        )
    event = _events(db, "couple_updated")[0]
    assert json.loads(event.detail)["fields"] == ["partner_b"]


def test_changing_only_breach_types_bumps_the_version(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    saved = couples.update_couple(
        db,
        team.alice,
        kit_and_lou.id,
        intake_form(breach_types=["social_media", "disrespect"]),
        expected_version=kit_and_lou.version,
    )

    assert saved.breach_types == (BreachType.DISRESPECT, BreachType.SOCIAL_MEDIA)
    assert saved.version > kit_and_lou.version
    with db.read() as session:
        stored = session.scalars(
            select(CoupleBreach.breach_type).where(CoupleBreach.couple_id == kit_and_lou.id)
        ).all()
    assert sorted(stored) == ["disrespect", "social_media"]


def test_invalid_edit_is_refused_and_nothing_changes(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    before = _counts(db)
    with pytest.raises(ValidationError) as caught:
        couples.update_couple(
            db,
            team.alice,
            kit_and_lou.id,
            intake_form(partner_a=_partner(""), goals="Changed"),
            expected_version=kit_and_lou.version,
        )
    assert "partner_a.name" in caught.value.field_errors
    assert _counts(db) == before
    assert couples.get_couple(db, team.alice, kit_and_lou.id) == kit_and_lou


def test_intake_date_cannot_move_after_the_first_session(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    _add_session(db, kit_and_lou, INTAKE + timedelta(days=7))
    _add_session(db, kit_and_lou, INTAKE + timedelta(days=21))

    with pytest.raises(ValidationError, match="cannot be after the first session") as caught:
        couples.update_couple(
            db,
            team.alice,
            kit_and_lou.id,
            intake_form(intake_date=INTAKE + timedelta(days=8)),
            expected_version=kit_and_lou.version,
        )

    assert caught.value.field_errors == {"intake_date": "after the first session"}
    assert couples.get_couple(db, team.alice, kit_and_lou.id).intake_date == INTAKE


@pytest.mark.parametrize("days", [7, 0, -14], ids=["first-session-day", "unchanged", "earlier"])
def test_intake_date_on_or_before_the_first_session_is_allowed(
    db: Database, team: Team, kit_and_lou: CoupleView, days: int
) -> None:
    _add_session(db, kit_and_lou, INTAKE + timedelta(days=7))
    saved = couples.update_couple(
        db,
        team.alice,
        kit_and_lou.id,
        intake_form(intake_date=INTAKE + timedelta(days=days)),
        expected_version=kit_and_lou.version,
    )
    assert saved.intake_date == INTAKE + timedelta(days=days)


# --- status ---------------------------------------------------------------------------------


def _move(db: Database, team: Team, view: CoupleView, target: str, reason: str = "") -> CoupleView:
    return couples.change_status(
        db, team.alice, view.id, {"target": target, "reason": reason}, expected_version=view.version
    )


def test_status_follows_the_case_lifecycle(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    active = _move(db, team, kit_and_lou, "active")
    assert active.status is CoupleStatus.ACTIVE
    paused = _move(db, team, active, "paused")
    assert paused.status is CoupleStatus.PAUSED
    resumed = _move(db, team, paused, "active")
    assert resumed.status is CoupleStatus.ACTIVE
    closed = _move(db, team, resumed, "closed", "Goals reached.")
    assert closed.status is CoupleStatus.CLOSED
    assert closed.closing_reason == "Goals reached."
    reopened = _move(db, team, closed, "active")
    assert reopened.status is CoupleStatus.ACTIVE
    assert reopened.closing_reason is None

    versions = [v.version for v in (kit_and_lou, active, paused, resumed, closed, reopened)]
    assert versions == sorted(set(versions))
    moves = [
        (detail["from"], detail["to"])
        for detail in (json.loads(e.detail) for e in _events(db, "couple_status_changed"))
    ]
    assert moves == [
        ("intake", "active"),
        ("active", "paused"),
        ("paused", "active"),
        ("active", "closed"),
        ("closed", "active"),
    ]


def test_closing_reason_is_audited(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    _move(db, team, kit_and_lou, "closed", "Couple moved away.")
    (event,) = _events(db, "couple_status_changed")
    assert json.loads(event.detail)["reason"] == "Couple moved away."


@pytest.mark.parametrize("target", ["paused", "intake"])
def test_invalid_transition_from_intake_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView, target: str
) -> None:
    with pytest.raises(ValidationError, match=f"intake cannot be changed to {target}"):
        _move(db, team, kit_and_lou, target)
    assert couples.get_couple(db, team.alice, kit_and_lou.id) == kit_and_lou
    assert _events(db, "couple_status_changed") == []


def test_closed_case_can_only_be_reopened(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    closed = _move(db, team, kit_and_lou, "closed", "No longer attending.")
    with pytest.raises(ValidationError, match="closed cannot be changed to paused"):
        _move(db, team, closed, "paused")
    assert couples.get_couple(db, team.alice, kit_and_lou.id).closing_reason == (
        "No longer attending."
    )


def test_closing_without_a_reason_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    active = _move(db, team, kit_and_lou, "active")
    with pytest.raises(ValidationError, match="Closing a case needs a reason"):
        _move(db, team, active, "closed", "   ")
    stored = couples.get_couple(db, team.alice, kit_and_lou.id)
    assert stored.status is CoupleStatus.ACTIVE
    assert stored.version == active.version


def test_status_change_on_a_stale_version_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    couples.update_couple(
        db, team.alice, kit_and_lou.id, intake_form(goals="Newer."), expected_version=1
    )
    with pytest.raises(ConflictError):
        _move(db, team, kit_and_lou, "active")
    assert couples.get_couple(db, team.alice, kit_and_lou.id).status is CoupleStatus.INTAKE


# --- reassignment ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_supervisor_moves_a_couple_to_another_counsellor(
    db: Database, team: Team, kit_and_lou: CoupleView, who: str
) -> None:
    moved = couples.reassign(
        db, getattr(team, who), kit_and_lou.id, team.bruno.id, expected_version=1
    )

    assert moved.counsellor_id == team.bruno.id
    assert moved.counsellor_name == "Bruno"
    assert moved.version > kit_and_lou.version
    with pytest.raises(PermissionDenied):
        couples.get_couple(db, team.alice, kit_and_lou.id)
    assert couples.get_couple(db, team.bruno, kit_and_lou.id).counsellor_id == team.bruno.id
    # The new counsellor edits; the old one no longer can.
    couples.update_couple(
        db,
        team.bruno,
        kit_and_lou.id,
        intake_form(goals="Bruno's plan."),
        expected_version=moved.version,
    )
    (event,) = _events(db, "couple_reassigned")
    assert json.loads(event.detail) == {
        "case_code": "C-0001",
        "from": team.alice.id,
        "to": team.bruno.id,
    }


def test_reassigned_couple_leaves_the_old_caseload(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    couples.reassign(db, team.supervisor, kit_and_lou.id, team.bruno.id, expected_version=1)
    assert couples.caseload(db, team.alice, today=TODAY).empty
    assert list(couples.caseload(db, team.bruno, today=TODAY)["case_code"]) == ["C-0001"]


@pytest.mark.parametrize("who", ["alice", "bruno"])
def test_counsellors_cannot_reassign(
    db: Database, team: Team, kit_and_lou: CoupleView, who: str
) -> None:
    with pytest.raises(PermissionDenied, match="reassign couples"):
        couples.reassign(db, getattr(team, who), kit_and_lou.id, team.bruno.id, expected_version=1)
    assert couples.get_couple(db, team.alice, kit_and_lou.id).counsellor_id == team.alice.id


@pytest.mark.parametrize("target", ["supervisor", "admin", "nobody"])
def test_reassign_needs_an_existing_counsellor(
    db: Database, team: Team, kit_and_lou: CoupleView, target: str
) -> None:
    target_id = getattr(team, target).id if target != "nobody" else 9999
    with pytest.raises(ValidationError, match="Choose an active counsellor"):
        couples.reassign(db, team.supervisor, kit_and_lou.id, target_id, expected_version=1)
    assert couples.get_couple(db, team.alice, kit_and_lou.id) == kit_and_lou


def test_reassign_to_a_deactivated_counsellor_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    accounts.set_active(db, team.admin, team.bruno.id, False)
    with pytest.raises(ValidationError, match="Choose an active counsellor"):
        couples.reassign(db, team.supervisor, kit_and_lou.id, team.bruno.id, expected_version=1)
    assert couples.get_couple(db, team.alice, kit_and_lou.id).counsellor_id == team.alice.id


def test_reassign_to_the_same_counsellor_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    with pytest.raises(ValidationError, match="already with Alice"):
        couples.reassign(db, team.supervisor, kit_and_lou.id, team.alice.id, expected_version=1)


def test_reassign_on_a_stale_version_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    couples.update_couple(
        db, team.alice, kit_and_lou.id, intake_form(goals="Newer."), expected_version=1
    )
    with pytest.raises(ConflictError):
        couples.reassign(db, team.supervisor, kit_and_lou.id, team.bruno.id, expected_version=1)
    assert couples.get_couple(db, team.alice, kit_and_lou.id).counsellor_id == team.alice.id


# --- caseload -------------------------------------------------------------------------------


@pytest.fixture
def clinic(db: Database, team: Team) -> dict[str, CoupleView]:
    """Alice: C-0001 Kit & Lou (intake), C-0002 Mara & Nils (active); Bruno: C-0003."""
    kit = couples.create_couple(db, team.alice, intake_form())
    mara = couples.create_couple(
        db, team.alice, _form_for("Mara", "Nils", intake_date=date(2026, 10, 6))
    )
    mara = couples.change_status(db, team.alice, mara.id, {"target": "active"}, expected_version=1)
    oona = couples.create_couple(
        db, team.bruno, _form_for("Oona", "Piet", intake_date=date(2026, 11, 20))
    )
    return {"kit": kit, "mara": mara, "oona": oona}


def _codes(frame: pd.DataFrame) -> list[str]:
    return list(frame["case_code"])


def test_caseload_has_exactly_the_documented_columns(
    db: Database, team: Team, clinic: dict[str, CoupleView]
) -> None:
    frame = couples.caseload(db, team.alice, today=TODAY)
    assert list(frame.columns) == CASELOAD_COLUMNS


def test_counsellor_sees_only_their_own_couples(
    db: Database, team: Team, clinic: dict[str, CoupleView]
) -> None:
    assert _codes(couples.caseload(db, team.alice, today=TODAY)) == ["C-0001", "C-0002"]
    assert _codes(couples.caseload(db, team.bruno, today=TODAY)) == ["C-0003"]


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_supervisor_sees_every_caseload(
    db: Database, team: Team, clinic: dict[str, CoupleView], who: str
) -> None:
    frame = couples.caseload(db, getattr(team, who), today=TODAY)
    assert _codes(frame) == ["C-0001", "C-0002", "C-0003"]
    assert list(frame["counsellor"]) == ["Alice", "Alice", "Bruno"]


def test_couple_choices_label_the_couples_a_user_may_pick(
    db: Database, team: Team, clinic: dict[str, CoupleView]
) -> None:
    opened = [CoupleStatus.INTAKE, CoupleStatus.ACTIVE]
    assert couples.couple_choices(db, team.alice, statuses=opened) == {
        clinic["kit"].id: "C-0001 · Kit & Lou",
        clinic["mara"].id: "C-0002 · Mara & Nils",
    }
    assert couples.couple_choices(db, team.alice, statuses=[CoupleStatus.ACTIVE]) == {
        clinic["mara"].id: "C-0002 · Mara & Nils"
    }
    assert list(couples.couple_choices(db, team.supervisor, statuses=opened).values()) == [
        "C-0001 · Kit & Lou",
        "C-0002 · Mara & Nils",
        "C-0003 · Oona & Piet",
    ]
    assert couples.couple_choices(db, team.bruno, statuses=[CoupleStatus.CLOSED]) == {}


def test_couple_choices_recheck_the_account(
    db: Database, team: Team, clinic: dict[str, CoupleView]
) -> None:
    accounts.set_active(db, team.admin, team.alice.id, False)
    with pytest.raises(PermissionDenied):
        couples.couple_choices(db, team.alice, statuses=[CoupleStatus.INTAKE])


def test_caseload_rows_describe_each_couple(
    db: Database, team: Team, clinic: dict[str, CoupleView]
) -> None:
    frame = couples.caseload(db, team.alice, today=TODAY).set_index("case_code")
    kit = frame.loc["C-0001"]
    assert kit["couple_id"] == clinic["kit"].id
    assert kit["partners"] == "Kit & Lou"
    assert kit["counsellor"] == "Alice"
    # The status column carries the words a counsellor reads, not the stored value.
    assert kit["status"] == COUPLE_STATUS_LABELS[CoupleStatus.INTAKE] == "Intake"
    assert kit["intake_date"] == INTAKE
    assert frame.loc["C-0002", "status"] == "Active"


def test_caseload_filters_by_status(
    db: Database, team: Team, clinic: dict[str, CoupleView]
) -> None:
    sup = team.supervisor
    active = couples.caseload(db, sup, today=TODAY, statuses=[CoupleStatus.ACTIVE])
    assert _codes(active) == ["C-0002"]
    several = couples.caseload(
        db, sup, today=TODAY, statuses=[CoupleStatus.INTAKE, CoupleStatus.ACTIVE]
    )
    assert _codes(several) == ["C-0001", "C-0002", "C-0003"]
    assert couples.caseload(db, sup, today=TODAY, statuses=[CoupleStatus.CLOSED]).empty


def test_caseload_filters_by_counsellor(
    db: Database, team: Team, clinic: dict[str, CoupleView]
) -> None:
    bruno_only = couples.caseload(db, team.supervisor, today=TODAY, counsellor_ids=[team.bruno.id])
    assert _codes(bruno_only) == ["C-0003"]
    both = couples.caseload(
        db, team.supervisor, today=TODAY, counsellor_ids=[team.alice.id, team.bruno.id]
    )
    assert len(both) == 3


def test_counsellor_filter_cannot_widen_a_counsellors_view(
    db: Database, team: Team, clinic: dict[str, CoupleView]
) -> None:
    frame = couples.caseload(db, team.alice, today=TODAY, counsellor_ids=[team.bruno.id])
    assert frame.empty


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("C-0003", ["C-0003"]),
        ("c-0002", ["C-0002"]),
        ("oona", ["C-0003"]),
        ("NILS", ["C-0002"]),
        ("  kit ", ["C-0001"]),
        ("I", ["C-0001", "C-0002", "C-0003"]),  # Kit, Nils, Piet
        ("nobody", []),
    ],
)
def test_caseload_search_matches_case_code_and_either_partner(
    db: Database, team: Team, clinic: dict[str, CoupleView], term: str, expected: list[str]
) -> None:
    assert _codes(couples.caseload(db, team.supervisor, today=TODAY, search=term)) == expected


def test_caseload_search_stays_within_the_counsellors_couples(
    db: Database, team: Team, clinic: dict[str, CoupleView]
) -> None:
    assert couples.caseload(db, team.alice, today=TODAY, search="oona").empty


def test_caseload_filters_combine(db: Database, team: Team, clinic: dict[str, CoupleView]) -> None:
    frame = couples.caseload(
        db,
        team.supervisor,
        today=TODAY,
        statuses=[CoupleStatus.INTAKE],
        counsellor_ids=[team.alice.id],
        search="lou",
    )
    assert _codes(frame) == ["C-0001"]


def test_weeks_in_care_are_counted_from_today(
    db: Database, team: Team, clinic: dict[str, CoupleView]
) -> None:
    frame = couples.caseload(db, team.supervisor, today=TODAY).set_index("case_code")
    # 1 Sep -> 24 Nov is 84 days; 6 Oct -> 49 days; 20 Nov -> 4 days.
    assert frame["weeks_in_care"].to_dict() == {"C-0001": 12, "C-0002": 7, "C-0003": 0}
    earlier = couples.caseload(db, team.supervisor, today=date(2026, 9, 15))
    # Before an intake date the count does not go negative.
    assert earlier.set_index("case_code")["weeks_in_care"].to_dict() == {
        "C-0001": 2,
        "C-0002": 0,
        "C-0003": 0,
    }


def test_sessions_and_last_session_come_from_session_rows(
    db: Database, team: Team, clinic: dict[str, CoupleView]
) -> None:
    kit = clinic["kit"]
    _add_session(db, kit, date(2026, 9, 8), NoteStatus.SIGNED)
    _add_session(db, kit, date(2026, 9, 22))
    _add_session(db, kit, date(2026, 9, 15), NoteStatus.SIGNED)

    frame = couples.caseload(db, team.alice, today=TODAY).set_index("case_code")

    assert frame.loc["C-0001", "sessions"] == 3
    assert frame.loc["C-0001", "last_session"] == date(2026, 9, 22)
    assert frame.loc["C-0002", "sessions"] == 0
    assert pd.isna(frame.loc["C-0002", "last_session"])
    assert frame["sessions"].dtype.kind == "i"


def test_empty_caseload_is_an_empty_frame_with_the_columns(db: Database, team: Team) -> None:
    frame = couples.caseload(db, team.alice, today=TODAY)
    assert isinstance(frame, pd.DataFrame)
    assert frame.empty
    assert list(frame.columns) == CASELOAD_COLUMNS


def test_caseload_empty_after_filtering_keeps_the_columns(
    db: Database, team: Team, clinic: dict[str, CoupleView]
) -> None:
    frame = couples.caseload(db, team.supervisor, today=TODAY, search="zzz")
    assert frame.empty
    assert list(frame.columns) == CASELOAD_COLUMNS


def test_a_counsellor_ahead_of_the_server_records_todays_intake(db: Database, team: Team) -> None:
    """Between the counsellor's midnight and the server's, the counsellor's today is the
    server's tomorrow: the page passes it, and the intake is accepted."""
    theirs = date.today() + timedelta(days=1)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        couples.create_couple(db, team.alice, intake_form(intake_date=theirs))
    created = couples.create_couple(db, team.alice, intake_form(intake_date=theirs), today=theirs)
    assert created.intake_date == theirs
