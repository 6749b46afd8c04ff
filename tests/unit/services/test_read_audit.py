"""Reads of a couple and refused attempts in the audit log (issue 11, item 6), on both
engines: one event per couple and page view listing what was read; outside a page run
one event per read; refusals audited even though the refused call rolls back; "who
looked at this case" for its counsellor, supervisors and admins; the log by couple."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from core.db import Database
from core.domain import ACCESS_REFUSED, CASE_VIEWED, CaseRead
from core.errors import NotFound, PermissionDenied
from core.models import AuditEvent
from core.services import audit, checkins, couples, homework, safety, sessions
from core.services.couples import CoupleView
from tests.conftest import Team, intake_form

TODAY = date(2026, 11, 20)


def _reads(db: Database) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    with db.read() as session:
        rows = session.execute(
            select(
                AuditEvent.action,
                AuditEvent.actor_username,
                AuditEvent.entity_id,
                AuditEvent.detail,
            )
            .where(AuditEvent.action.in_([CASE_VIEWED, ACCESS_REFUSED]))
            .order_by(AuditEvent.id)
        ).all()
    return [(a, u, i, json.loads(d)) for a, u, i, d in rows]


def _open_couple_page(db: Database, actor: Any, couple: CoupleView) -> None:
    """What the couple page reads (its header, notes, homework, safety) and a report."""
    couples.find_by_case_code(db, actor, couple.case_code)
    sessions.list_sessions(db, actor, couple.id)
    homework.homework_tab(db, actor, couple.id, TODAY)
    safety.screens(db, actor, couple.id)
    safety.follow_ups(db, actor, couple.id)
    safety.open_concerns(db, actor, couple.id)
    audit.record_read(db, actor, couple.id, CaseRead.REPORT)


def test_a_page_view_is_one_event_listing_what_was_read(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    memory: dict[str, Any] = {}
    with audit.page_view(db, team.supervisor, page="couple", memory=memory):
        _open_couple_page(db, team.supervisor, kit_and_lou)
    assert _reads(db) == [
        (
            CASE_VIEWED,
            "super1",
            str(kit_and_lou.id),
            {
                "case_code": "C-0001",
                "viewed": ["details", "notes", "safety", "homework", "report"],
            },
        )
    ]
    # A rerun of the same page (a click) reads the same again: nothing new is logged ...
    with audit.page_view(db, team.supervisor, page="couple", memory=memory):
        _open_couple_page(db, team.supervisor, kit_and_lou)
    assert len(_reads(db)) == 1
    # ... but coming back from another page is a new page view.
    with audit.page_view(db, team.supervisor, page="caseload", memory=memory):
        pass
    with audit.page_view(db, team.supervisor, page="couple", memory=memory):
        couples.get_couple(db, team.supervisor, kit_and_lou.id)
    assert _reads(db)[-1][3] == {"case_code": "C-0001", "viewed": ["details"]}
    assert len(_reads(db)) == 2


def test_outside_a_page_run_every_read_is_audited_at_once(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    couples.get_couple(db, team.admin, kit_and_lou.id)
    sessions.list_sessions(db, team.admin, kit_and_lou.id)
    assert [(who, detail["viewed"]) for _a, who, _i, detail in _reads(db)] == [
        ("admin1", ["details"]),
        ("admin1", ["notes"]),
    ]


def test_reading_check_ins_is_audited(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    """The check-ins (a partner's "safe at home?" answer, distress flags) and the links
    (their safe-channel reasons) are part of the record: reading them is audited too."""
    with audit.page_view(db, team.supervisor, page="couple", memory={}):
        checkins.links(db, team.supervisor, kit_and_lou.id)
        checkins.recent(db, team.supervisor, kit_and_lou.id)
    assert [(who, detail["viewed"]) for _a, who, _i, detail in _reads(db)] == [
        ("super1", ["check_ins"])
    ]
    assert list(audit.case_views(db, team.alice, kit_and_lou.id)["what"]) == ["Check-ins"]


def test_writes_return_their_record_without_logging_a_read(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    couples.change_status(db, team.alice, kit_and_lou.id, {"target": "active"}, expected_version=1)
    assert _reads(db) == []


def test_a_refused_attempt_is_audited_though_the_call_rolls_back(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    with pytest.raises(NotFound):  # the one refusal that never says the code exists
        couples.find_by_case_code(db, team.bruno, "c-0001")  # a route to another's case
    with pytest.raises(PermissionDenied):
        couples.update_couple(
            db, team.supervisor, kit_and_lou.id, intake_form(), expected_version=1
        )
    memory: dict[str, Any] = {}
    with audit.page_view(db, team.bruno, page="couple", memory=memory):
        for _ in range(3):  # one page run, three refused calls: one event
            with pytest.raises(PermissionDenied):
                safety.screens(db, team.bruno, kit_and_lou.id)
    refused = [(who, detail) for action, who, _i, detail in _reads(db) if action == ACCESS_REFUSED]
    assert refused == [
        ("bruno", {"case_code": "C-0001", "doing": "open"}),
        ("super1", {"case_code": "C-0001", "doing": "change"}),
        ("bruno", {"case_code": "C-0001", "doing": "open"}),
    ]
    assert audit.verify_chain(db).intact


def test_who_looked_at_this_case(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    with audit.page_view(db, team.supervisor, page="couple", memory={}):
        _open_couple_page(db, team.supervisor, kit_and_lou)
    with pytest.raises(PermissionDenied):
        couples.get_couple(db, team.bruno, kit_and_lou.id)

    for reader in (team.alice, team.supervisor, team.admin):
        views = audit.case_views(db, reader, kit_and_lou.id)
        assert list(views.columns) == audit.CASE_VIEW_COLUMNS
        assert list(views["name"])[:2] == ["Bruno", "Super1"]
        assert list(views["role"])[:2] == ["Counsellor", "Supervisor"]
        assert list(views["what"])[:2] == [
            "Refused: tried to open the case",
            "Details, Session notes, Safety screens, Homework, Report",
        ]
        assert str(views["at"].dt.tz) == "UTC"
    with pytest.raises(PermissionDenied):
        audit.case_views(db, team.bruno, kit_and_lou.id)


def test_the_audit_log_by_couple(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    couples.get_couple(db, team.bruno, mara_and_nils.id)
    couples.get_couple(db, team.alice, kit_and_lou.id)
    for code in ("C-0001", " c-0001 "):
        frame = audit.list_events(db, team.admin, case_code=code)
        assert list(frame["action"]) == [CASE_VIEWED, "couple_created"]
        assert all('"case_code": "C-0001"' in detail for detail in frame["detail"])
    assert list(audit.list_events(db, team.admin, case_code="C-0002")["action"]) == [
        CASE_VIEWED,
        "couple_created",
    ]
    assert audit.list_events(db, team.admin, case_code="C-00%").empty
