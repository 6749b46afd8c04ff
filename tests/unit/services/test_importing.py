"""core.services.importing: who may import onto whose caseload, case codes already in
Mend, and the all-or-nothing write with its audit trail."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.errors import PermissionDenied, ValidationError
from core.models import AuditEvent, Couple, Measurement, Partner
from core.services import couples, importing
from core.services.couples import CoupleView
from tests.conftest import Team, intake_form
from tests.unit.test_importing import GOOD, GOOD_2, TODAY, couples_file, rating, ratings_file


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def actions(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_counsellor_imports_couples_and_ratings_onto_their_caseload(
    db: Database, team: Team
) -> None:
    done = importing.import_couples(
        db,
        team.alice,
        couples_file(GOOD, GOOD_2),
        ratings_file(
            rating("C-0901", "A", "distress", "2026-01-19", distress=6),
            rating("C-0902", "B", "csi4", "2026-02-09", q1=3, q2=4, q3=2, q4=5),
        ),
        counsellor_id=team.alice.id,
        today=TODAY,
    )
    assert done.case_codes == ("C-0901", "C-0902") and done.ratings == 2
    view = couples.find_by_case_code(db, team.alice, "C-0902")
    assert view.counsellor_id == team.alice.id and view.partner_names == "Mara & Nils"
    assert view.partners[0].pronouns == "she/her"
    with db.read() as session:
        totals = session.execute(select(Measurement.instrument, Measurement.total)).all()
    assert sorted(totals) == [("csi4", 14.0), ("distress", 6.0)]
    written = [a for a in actions(db) if a != "case_viewed"]  # find_by_case_code above reads
    assert written == ["couple_imported", "couple_imported", "couples_imported"]
    # The case-code counter carries on after the imported codes.
    nxt = couples.create_couple(db, team.alice, intake_form(), today=TODAY)
    assert nxt.case_code == "C-0903"


def test_one_bad_row_imports_nothing(db: Database, team: Team) -> None:
    with pytest.raises(ValidationError, match="1 problem"):
        importing.import_couples(
            db,
            team.alice,
            couples_file(GOOD, GOOD_2.replace("2026-02-02", "2026-02-30")),
            counsellor_id=team.alice.id,
            today=TODAY,
        )
    assert count(db, Couple) == count(db, Partner) == 0
    assert actions(db) == []


def test_a_bad_rating_imports_no_couple_either(db: Database, team: Team) -> None:
    with pytest.raises(ValidationError):
        importing.import_couples(
            db,
            team.alice,
            couples_file(GOOD),
            ratings_file(rating("C-0901", "A", "distress", "2026-01-19", distress=12)),
            counsellor_id=team.alice.id,
            today=TODAY,
        )
    assert count(db, Couple) == count(db, Measurement) == 0


def test_a_case_code_already_in_mend_is_a_row_problem(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    existing = kit_and_lou.case_code  # C-0001, on Alice's caseload
    checked = importing.check(
        db,
        team.bruno,
        couples_file(GOOD.replace("C-0901", existing)),
        counsellor_id=team.bruno.id,
        today=TODAY,
    )
    assert [(p.row, p.column, p.problem) for p in checked.problems] == [
        (2, "case_code", f"case code {existing} already exists in Mend")
    ]


def test_a_counsellor_imports_onto_their_own_caseload_only(db: Database, team: Team) -> None:
    with pytest.raises(PermissionDenied, match="own caseload"):
        importing.import_couples(
            db, team.alice, couples_file(GOOD), counsellor_id=team.bruno.id, today=TODAY
        )
    with pytest.raises(PermissionDenied):
        importing.check(
            db, team.supervisor, couples_file(GOOD), counsellor_id=team.alice.id, today=TODAY
        )
    assert count(db, Couple) == 0


def test_an_admin_chooses_the_counsellor(db: Database, team: Team) -> None:
    importing.import_couples(
        db, team.admin, couples_file(GOOD), counsellor_id=team.bruno.id, today=TODAY
    )
    assert couples.find_by_case_code(db, team.bruno, "C-0901").counsellor_id == team.bruno.id
    with db.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "couples_imported")
        ).one()
    assert event.actor_username == "admin1" and event.entity_id == str(team.bruno.id)
    assert json.loads(event.detail)["case_codes"] == ["C-0901"]
    with pytest.raises(PermissionDenied, match="active counsellor"):
        importing.check(
            db, team.admin, couples_file(GOOD_2), counsellor_id=team.supervisor.id, today=TODAY
        )
