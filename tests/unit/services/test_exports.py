"""core.services.exports: the caseload and a couple's ratings, sessions and homework as
frames with the documented columns, refused outside the actor's caseload, audited."""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from core import exports as files
from core.db import Database
from core.errors import PermissionDenied
from core.models import AuditEvent
from core.services import audit, exports, homework, reference, sessions
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.homework_support import homework_form
from tests.sessions_support import TODAY, session_form


@pytest.fixture
def recorded(db: Database, team: Team, kit_and_lou: CoupleView) -> CoupleView:
    """Kit and Lou with one signed session (six ratings), a formula-looking note and
    one homework assignment."""
    draft = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data='=HYPERLINK("x") said Kit')
    )
    sessions.sign(db, team.alice, draft.id, expected_version=draft.version)
    from core.services import exercises

    exercises.sync_catalogue(db)
    homework.assign(db, team.alice, kit_and_lou.id, homework_form(db, "state-of-the-union"))
    return kit_and_lou


def export_events(db: Database) -> list[tuple[str, str | None, dict[str, object]]]:
    with db.read() as session:
        rows = session.execute(
            select(AuditEvent.actor_username, AuditEvent.entity_id, AuditEvent.detail).where(
                AuditEvent.action == "export"
            )
        ).all()
    return [(user, entity, json.loads(detail)) for user, entity, detail in rows]


def test_ratings_have_words_a_source_and_the_week(
    db: Database, team: Team, recorded: CoupleView
) -> None:
    frame = exports.ratings(db, team.alice, recorded.id)
    assert list(frame.columns) == exports.RATING_COLUMNS
    assert len(frame) == 6
    assert set(frame["measure"]) >= {"Couples Satisfaction Index (CSI-4)"}
    assert set(frame["source"]) == {"In session"}
    assert set(frame["partner"]) == {"A", "B"}
    assert frame["week_since_intake"].iloc[0] == pytest.approx(
        (date(2026, 11, 17) - date(2026, 9, 1)).days / 7, abs=0.05
    )
    assert export_events(db) == [
        ("alice", str(recorded.id), {"case_code": "C-0001", "what": "ratings", "rows": 6})
    ]
    by_code = audit.list_events(db, team.admin, case_code="C-0001", action="export")
    assert len(by_code) == 1  # the admin's audit log finds the export by its couple


def test_sessions_leave_the_note_text_out_unless_asked(
    db: Database, team: Team, recorded: CoupleView
) -> None:
    plain = exports.sessions(db, team.alice, recorded.id)
    assert list(plain.columns) == exports.SESSION_COLUMNS
    assert plain.loc[0, "note_status"] == "Signed" and plain.loc[0, "modality"] == "In person"
    assert "HYPERLINK" not in plain.to_csv()
    full = exports.sessions(db, team.alice, recorded.id, include_notes=True)
    assert list(full.columns) == exports.SESSION_COLUMNS + exports.NOTE_COLUMNS
    back = pd.read_csv(io.BytesIO(files.to_csv(full)))
    assert back.loc[0, "note_data"] == '\'=HYPERLINK("x") said Kit'
    assert [event[2]["include_notes"] for event in export_events(db)] == [False, True]


def test_homework_in_words(db: Database, team: Team, recorded: CoupleView) -> None:
    frame = exports.homework(db, team.alice, recorded.id, today=TODAY)
    assert list(frame.columns) == exports.HOMEWORK_COLUMNS
    assert len(frame) == 1
    assert frame.loc[0, "status"] == "Assigned"
    assert frame.loc[0, "frequency"] in {"Once", "Daily", "Weekly"}
    assert frame.loc[0, "repair_step"].startswith(("Step ", "Together"))
    assert frame.loc[0, "overdue"] in {"yes", "no"}


def test_the_caseload_is_the_actors_scope(
    db: Database, team: Team, recorded: CoupleView, mara_and_nils: CoupleView
) -> None:
    clinic = reference.clinic_reference(db)
    own = exports.caseload(db, team.alice, today=TODAY, reference=clinic)
    assert list(own.columns) == exports.CASELOAD_COLUMNS
    assert own["case_code"].tolist() == [recorded.case_code]
    assert own.loc[0, "partner_a"] == "Kit" and own.loc[0, "case_status"] == "Intake"
    every = exports.caseload(db, team.supervisor, today=TODAY, reference=clinic)
    assert every["case_code"].tolist() == sorted([recorded.case_code, mara_and_nils.case_code])
    for kind in ("csv", "xlsx"):
        data = files.encode(every, kind)
        back = pd.read_csv(io.BytesIO(data)) if kind == "csv" else pd.read_excel(io.BytesIO(data))
        assert back["case_code"].tolist() == every["case_code"].tolist()
        assert list(back.columns) == exports.CASELOAD_COLUMNS


def test_the_progress_chart_data_is_an_audited_export(
    db: Database, team: Team, recorded: CoupleView
) -> None:
    """The Progress tab's "Download chart data (CSV)" is made on the click and audited
    like every export (it used to leave only a read of the couple)."""
    snapshot = reference.clinic_reference(db)
    data = exports.chart_data(db, team.supervisor, recorded.id, today=TODAY, reference=snapshot)
    rows = pd.read_csv(io.BytesIO(data))
    assert list(rows.columns)[:3] == ["Case", "Partner", "Name"] and len(rows) == 6
    assert export_events(db) == [
        ("super1", str(recorded.id), {"case_code": "C-0001", "what": "chart_data", "rows": 6}),
    ]
    with pytest.raises(PermissionDenied):
        exports.chart_data(db, team.bruno, recorded.id, today=TODAY, reference=snapshot)
    assert len(export_events(db)) == 1


@pytest.mark.parametrize("what", ["ratings", "sessions", "homework"])
def test_another_counsellors_couple_is_refused_and_nothing_is_audited(
    what: str, db: Database, team: Team, recorded: CoupleView
) -> None:
    call = {
        "ratings": lambda: exports.ratings(db, team.bruno, recorded.id),
        "sessions": lambda: exports.sessions(db, team.bruno, recorded.id, include_notes=True),
        "homework": lambda: exports.homework(db, team.bruno, recorded.id, today=TODAY),
    }[what]
    with pytest.raises(PermissionDenied):
        call()
    assert export_events(db) == []
