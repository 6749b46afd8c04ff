"""The report service on SQLite and PostgreSQL: access, validation and the audit event.
Chart images are drawn as small plain PNGs here (tests/unit/reports/test_pdf.py draws
the real ones in Chromium); the PDF is still laid out for real."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.db import Database
from core.errors import PermissionDenied, ValidationError
from core.models import AuditEvent
from core.reports import images
from core.services import progress_views, reports
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.unit.reports.report_support import TODAY, marked_couple, white_pngs

VERSIONS = (
    {"version": "clinician"},
    {"version": "clinician", "with_names": True},
    {"version": "couple"},
    {"version": "partner", "partner": "B"},
)


@pytest.fixture(autouse=True)
def plain_images(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "render_pngs", white_pngs)


def report_events(db: Database) -> list[AuditEvent]:
    with db.read() as session:
        query = select(AuditEvent).where(AuditEvent.action == reports.AUDIT_ACTION)
        return list(session.scalars(query.order_by(AuditEvent.id)))


def test_each_version_is_a_pdf_and_audited_with_version_and_couple(
    db: Database, team: Team
) -> None:
    couple = marked_couple(db, team).couple
    reference = progress_views.clinic_reference(db)
    for request in VERSIONS:
        made = reports.progress_report(
            db, team.alice, couple.id, request, today=TODAY, reference=reference
        )
        assert made.data.startswith(b"%PDF") and made.mime == "application/pdf"
        assert made.file_name.startswith(couple.case_code) and made.file_name.endswith(".pdf")
        assert len(PdfReader(BytesIO(made.data)).pages) >= 2
    events = report_events(db)
    assert [json.loads(e.detail)["version"] for e in events] == [
        "clinician",
        "clinician",
        "couple",
        "partner",
    ]
    assert {e.entity_id for e in events} == {str(couple.id)}
    assert {e.actor_username for e in events} == {"alice"}
    last = json.loads(events[-1].detail)
    assert last == {
        "case_code": couple.case_code,
        "version": "partner",
        "partner": "B",
        "with_names": False,
    }


def test_a_supervisor_may_take_the_clinician_report(db: Database, team: Team) -> None:
    couple = marked_couple(db, team).couple
    made = reports.progress_report(
        db,
        team.supervisor,
        couple.id,
        {"version": "clinician"},
        today=TODAY,
        reference=progress_views.clinic_reference(db),
    )
    assert made.data.startswith(b"%PDF")
    assert [e.actor_username for e in report_events(db)] == ["super1"]


def test_another_counsellor_gets_no_version_and_nothing_is_audited(
    db: Database, team: Team
) -> None:
    couple = marked_couple(db, team).couple
    reference = progress_views.clinic_reference(db)
    for request in VERSIONS:
        with pytest.raises(PermissionDenied, match="another counsellor's caseload"):
            reports.progress_report(
                db, team.bruno, couple.id, request, today=TODAY, reference=reference
            )
    assert report_events(db) == []


@pytest.mark.parametrize(
    "request_",
    [
        {"version": "partner"},
        {"version": "couple", "partner": "A"},
        {"version": "couple", "with_names": True},
        {"version": "partner", "partner": "C"},
        {"version": "everything"},
    ],
)
def test_an_impossible_choice_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView, request_: dict
) -> None:
    couple = kit_and_lou
    with pytest.raises(ValidationError):
        reports.progress_report(
            db,
            team.alice,
            couple.id,
            request_,
            today=TODAY,
            reference=progress_views.clinic_reference(db),
        )
    assert report_events(db) == []
