"""The audit log: admin-only reading, filters, and append-only storage."""

from __future__ import annotations

import inspect
import json
import pkgutil
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

import core.services
from core.db import Database
from core.errors import PermissionDenied
from core.models import AuditEvent
from core.services import audit, couples
from core.services.audit import AUDIT_COLUMNS
from tests.conftest import Team, intake_form


def _add_event(
    db: Database, at: datetime, action: str, username: str, actor_id: int | None = None
) -> None:
    """Insert a past event with a chosen time (inserts are allowed; only changes are not)."""
    with db.transaction() as session:
        session.add(
            AuditEvent(
                at=at,
                actor_id=actor_id,
                actor_username=username,
                action=action,
                entity="account",
                entity_id=None,
                detail="",
            )
        )


@pytest.fixture
def history(db: Database, team: Team) -> Team:
    """Five events over three days in November 2026 (UTC)."""
    _add_event(db, datetime(2026, 11, 1, 8, 0, tzinfo=UTC), "login", "alice", team.alice.id)
    _add_event(db, datetime(2026, 11, 2, 0, 0, tzinfo=UTC), "login", "bruno", team.bruno.id)
    _add_event(db, datetime(2026, 11, 2, 23, 59, 59, tzinfo=UTC), "login_failed", "mallory")
    _add_event(
        db, datetime(2026, 11, 3, 9, 30, tzinfo=UTC), "couple_created", "alice", team.alice.id
    )
    _add_event(db, datetime(2026, 11, 3, 10, 0, tzinfo=UTC), "login", "super1", team.supervisor.id)
    return team


def _actions(frame) -> list[str]:  # type: ignore[no-untyped-def]
    return list(frame["action"])


# --- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "alice", "bruno"])
def test_only_admins_read_the_audit_log(db: Database, history: Team, who: str) -> None:
    with pytest.raises(PermissionDenied, match="read the audit log"):
        audit.list_events(db, getattr(history, who))
    with pytest.raises(PermissionDenied):
        audit.known_actions(db, getattr(history, who))


def test_events_are_listed_newest_first(db: Database, history: Team) -> None:
    frame = audit.list_events(db, history.admin)

    assert list(frame.columns) == AUDIT_COLUMNS
    assert list(frame["username"]) == ["super1", "alice", "mallory", "bruno", "alice"]
    assert _actions(frame) == ["login", "couple_created", "login_failed", "login", "login"]
    stamps = list(frame["at"])
    assert stamps == sorted(stamps, reverse=True)


def test_events_at_the_same_moment_are_ordered_by_insertion(db: Database, team: Team) -> None:
    moment = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
    for action in ("first", "second", "third"):
        _add_event(db, moment, action, "alice", team.alice.id)
    assert _actions(audit.list_events(db, team.admin)) == ["third", "second", "first"]


def test_events_filter_by_action(db: Database, history: Team) -> None:
    frame = audit.list_events(db, history.admin, action="login")
    assert _actions(frame) == ["login", "login", "login"]
    assert list(frame["username"]) == ["super1", "bruno", "alice"]
    assert audit.list_events(db, history.admin, action="no_such_action").empty


def test_events_filter_by_part_of_a_username_ignoring_case(db: Database, history: Team) -> None:
    frame = audit.list_events(db, history.admin, username=" ALI ")
    assert list(frame["username"]) == ["alice", "alice"]
    assert _actions(frame) == ["couple_created", "login"]


def test_events_filter_by_first_day(db: Database, history: Team) -> None:
    frame = audit.list_events(db, history.admin, since=date(2026, 11, 2))
    assert list(frame["username"]) == ["super1", "alice", "mallory", "bruno"]


def test_events_filter_by_last_day_inclusive(db: Database, history: Team) -> None:
    frame = audit.list_events(db, history.admin, until=date(2026, 11, 2))
    # 23:59:59 on the last day is still inside it.
    assert list(frame["username"]) == ["mallory", "bruno", "alice"]


def test_events_filter_by_a_single_day(db: Database, history: Team) -> None:
    day = date(2026, 11, 2)
    frame = audit.list_events(db, history.admin, since=day, until=day)
    assert list(frame["username"]) == ["mallory", "bruno"]


def test_event_filters_combine(db: Database, history: Team) -> None:
    frame = audit.list_events(
        db, history.admin, action="login", username="alice", since=date(2026, 11, 2)
    )
    assert frame.empty
    assert list(frame.columns) == AUDIT_COLUMNS


def test_event_list_is_capped_by_limit(db: Database, history: Team) -> None:
    frame = audit.list_events(db, history.admin, limit=2)
    assert list(frame["username"]) == ["super1", "alice"]


def test_empty_audit_log_is_an_empty_frame_with_the_columns(db: Database, team: Team) -> None:
    frame = audit.list_events(db, team.admin)
    assert frame.empty
    assert list(frame.columns) == AUDIT_COLUMNS


def test_known_actions_are_distinct_and_sorted(db: Database, history: Team) -> None:
    assert audit.known_actions(db, history.admin) == ["couple_created", "login", "login_failed"]


def test_service_writes_appear_in_the_log(db: Database, team: Team) -> None:
    view = couples.create_couple(db, team.alice, intake_form())

    (row,) = audit.list_events(db, team.admin).itertuples(index=False)
    assert row.username == "alice"
    assert row.action == "couple_created"
    assert row.entity == "couple"
    assert row.entity_id == str(view.id)
    assert json.loads(row.detail) == {"case_code": "C-0001"}
    assert abs(row.at - datetime.now(UTC)) < timedelta(minutes=5)


# --- record ---------------------------------------------------------------------------------


def test_record_stores_dict_details_as_sorted_json(db: Database, team: Team) -> None:
    with db.transaction() as session:
        audit.record(
            session, team.alice, "note_signed", "session", 42, {"b": 2, "a": date(2026, 1, 2)}
        )

    with db.read() as session:
        event = session.scalars(select(AuditEvent)).one()
    assert event.actor_id == team.alice.id
    assert event.actor_username == "alice"
    assert event.entity_id == "42"
    assert event.detail == '{"a": "2026-01-02", "b": 2}'
    assert event.at.tzinfo is not None


def test_record_without_actor_uses_the_given_username(db: Database) -> None:
    with db.transaction() as session:
        audit.record(session, None, "login_failed", "account", username="ghost")
        audit.record(session, None, "login_failed", "account")

    with db.read() as session:
        names = session.scalars(select(AuditEvent.actor_username).order_by(AuditEvent.id)).all()
    assert names == ["ghost", "(unknown)"]


def test_event_recorded_in_a_failed_transaction_is_rolled_back(db: Database, team: Team) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        audit.record(session, team.alice, "login", "account", team.alice.id)
        raise RuntimeError("the write failed")

    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


# --- append-only ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'tampered'",
        "UPDATE audit_events SET detail = '' WHERE actor_username = 'alice'",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE action = 'login'",
    ],
    ids=["update-all", "update-one", "delete-all", "delete-one"],
)
def test_database_refuses_to_change_audit_events(
    db: Database, history: Team, statement: str
) -> None:
    before = audit.list_events(db, history.admin)

    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(statement))

    after = audit.list_events(db, history.admin)
    assert after.equals(before)


def test_orm_cannot_edit_an_audit_event_either(db: Database, history: Team) -> None:
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as session:
        event = session.scalars(select(AuditEvent).limit(1)).one()
        event.action = "tampered"

    assert "tampered" not in audit.known_actions(db, history.admin)


def test_orm_cannot_delete_an_audit_event(db: Database, history: Team) -> None:
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as session:
        session.delete(session.scalars(select(AuditEvent).limit(1)).one())

    assert len(audit.list_events(db, history.admin)) == 5


def test_audit_service_offers_no_way_to_change_events() -> None:
    names = [name.lower() for name in vars(audit)]
    for verb in ("delete", "update", "edit", "remove", "purge", "truncate", "clear"):
        assert not [name for name in names if verb in name], verb


def test_no_service_updates_or_deletes_audit_events() -> None:
    """Static check over every module in core/services: AuditEvent is only ever added."""
    forbidden = re.compile(r"(update|delete)\(\s*AuditEvent|audit_events\b.*\b(UPDATE|DELETE)")
    checked = 0
    for module_info in pkgutil.iter_modules(core.services.__path__):
        module = __import__(f"core.services.{module_info.name}", fromlist=["_"])
        source = inspect.getsource(module)
        assert not forbidden.search(source), module_info.name
        checked += 1
    assert checked >= 4
