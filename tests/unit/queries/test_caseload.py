"""The caseload read (core.queries.caseload): one statement, scoped by access.caseload_scope.
Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import true

from core.db import Database
from core.domain import CoupleStatus
from core.models import Couple
from core.queries.caseload import CASELOAD_COLUMNS, caseload_frame
from core.services import safety, sessions
from core.services.access import caseload_scope
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.notes_support import note_form, statements

TODAY = date(2026, 11, 24)


def test_the_scope_decides_whose_couples_are_listed(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    with db.read() as session:
        alices = caseload_frame(session, caseload_scope(team.alice), today=TODAY)
        brunos = caseload_frame(session, caseload_scope(team.bruno), today=TODAY)
        everyone = caseload_frame(session, caseload_scope(team.supervisor), today=TODAY)
        by_id = caseload_frame(session, Couple.id == mara_and_nils.id, today=TODAY)
    assert alices["couple_id"].tolist() == [kit_and_lou.id]
    assert brunos["couple_id"].tolist() == [mara_and_nils.id]
    assert everyone["case_code"].tolist() == ["C-0001", "C-0002"]
    assert by_id["case_code"].tolist() == ["C-0002"]


def test_rows_count_sessions_and_flag_open_concerns_in_one_statement(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    for day in (date(2026, 10, 1), date(2026, 10, 15)):
        sessions.record_session(db, team.alice, kit_and_lou.id, note_form(day))
    safety.record_screen(
        db,
        team.bruno,
        mara_and_nils.id,
        {
            "partner_label": "A",
            "screened_on": date(2026, 10, 1),
            "coercive_control": True,
            "plan": "Individual sessions only.",
        },
    )
    with db.read() as session, statements(db.engine) as seen:
        frame = caseload_frame(session, true(), today=TODAY).set_index("case_code")
    assert len(seen) == 1
    kit, mara = frame.loc["C-0001"], frame.loc["C-0002"]
    assert (kit["sessions"], kit["last_session"]) == (2, date(2026, 10, 15))
    assert (mara["sessions"], mara["last_session"]) == (0, None)
    assert not kit["safety_concern"] and mara["safety_concern"]
    assert kit["partners"] == "Kit & Lou" and kit["counsellor"] == "Alice"
    assert kit["weeks_in_care"] == (TODAY - kit_and_lou.intake_date).days // 7
    assert kit["status"] == "Intake"


def test_filters_narrow_within_the_scope(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    with db.read() as session:
        scope = caseload_scope(team.alice)

        def codes(**filters: object) -> list[str]:
            frame = caseload_frame(session, scope, today=TODAY, **filters)  # type: ignore[arg-type]
            return frame["case_code"].tolist()

        assert codes(search="lou") == ["C-0001"]
        assert codes(search="nils") == []  # Bruno's couple stays out of Alice's scope
        assert codes(counsellor_ids=[team.bruno.id]) == []
        assert codes(statuses=[CoupleStatus.INTAKE]) == ["C-0001"]
        assert codes(statuses=[CoupleStatus.CLOSED]) == []


def test_an_empty_caseload_has_the_columns(db: Database, team: Team) -> None:
    with db.read() as session:
        frame = caseload_frame(session, caseload_scope(team.alice), today=TODAY)
    assert frame.empty
    assert list(frame.columns) == CASELOAD_COLUMNS
