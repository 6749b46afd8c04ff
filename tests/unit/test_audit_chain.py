"""The audit log's hash chain (core.audit_chain, core.services.audit, migration 0008) and
`python -m core.cli verify-audit`, on SQLite and PostgreSQL: an intact chain verifies; a
removed, forged or edited event is found, by its id; concurrent writers keep it whole."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, func, select, text

from core import audit_chain, cli
from core.db import Database
from core.models import AuditEvent
from core.services import audit, couples
from tests.conftest import Team, intake_form


@pytest.fixture
def events(db: Database, team: Team, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Six chained events (logins, intakes) and the CLI pointed at this database."""
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    for n in range(3):
        with db.transaction() as session:
            audit.record(session, team.alice, "login", "account", team.alice.id, {"n": n})
    couples.create_couple(db, team.alice, intake_form())
    couples.create_couple(db, team.bruno, intake_form())
    with db.transaction() as session:
        audit.record(session, None, "note", "system", username="system")
    with db.read() as session:
        return list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def _verify(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["verify-audit"])
    out = capsys.readouterr()
    return code, out.out + out.err


@contextmanager
def _unguarded(db: Database) -> Iterator[Connection]:
    """The table owner switching the append-only guard off, as an attacker with the
    owner's password could."""
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
            connection.execute(text("DROP TRIGGER audit_events_no_delete"))
            yield connection
            return  # this test's own copy of the database: the guard is not put back
        toggle = "ALTER TABLE audit_events {} TRIGGER audit_events_append_only"
        connection.execute(text(toggle.format("DISABLE")))
        yield connection
        connection.execute(text(toggle.format("ENABLE")))  # the server's database is shared


def test_an_intact_chain_verifies(
    db: Database, events: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = _verify(capsys)
    assert code == 0
    assert said.startswith(f"OK: {len(events)} audit event(s), chain intact")
    with db.read() as session:
        first, second = session.execute(
            select(AuditEvent.prev_hash, AuditEvent.hash).order_by(AuditEvent.id).limit(2)
        ).all()
    assert first.prev_hash == audit_chain.GENESIS
    assert second.prev_hash == first.hash and len(first.hash) == 64


def test_a_deleted_event_is_found(
    db: Database, events: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    with _unguarded(db) as connection:
        connection.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[2]})
    code, said = _verify(capsys)
    assert code == 1
    assert f"BROKEN at audit event #{events[3]}" in said
    assert f"does not follow event #{events[1]}" in said


def test_a_deleted_last_event_is_found(
    db: Database, events: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    with _unguarded(db) as connection:
        connection.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[-1]})
    code, said = _verify(capsys)
    assert code == 1
    assert f"{len(events)} events were chained but {len(events) - 1} are stored" in said


def test_an_edited_detail_is_found(
    db: Database, events: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    with _unguarded(db) as connection:
        connection.execute(
            text("UPDATE audit_events SET detail = '{}' WHERE id = :id"), {"id": events[1]}
        )
    code, said = _verify(capsys)
    assert code == 1
    assert f"event #{events[1]} does not match its hash: it was edited or forged" in said


def test_a_forged_insert_is_found(
    db: Database, team: Team, events: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    """A row inserted by SQL (the guard allows inserts): with a made-up hash, and with a
    correctly computed one that the chain's counter never counted."""
    with db.read() as session:
        head = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    forged = {
        "at": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        "actor_id": team.bruno.id,
        "actor_username": "bruno",
        "action": "login",
        "entity": "account",
        "entity_id": str(team.bruno.id),
        "detail": "",
    }
    digest = audit_chain.link(head, audit_chain.canonical(**forged))
    insert = text(
        "INSERT INTO audit_events (at, actor_id, actor_username, action, entity, entity_id, "
        "detail, prev_hash, hash) VALUES (:at, :actor_id, :actor_username, :action, :entity, "
        ":entity_id, :detail, :prev_hash, :hash)"
    )
    with db.engine.begin() as connection:
        connection.execute(insert, {**forged, "prev_hash": head, "hash": digest})
    code, said = _verify(capsys)
    assert code == 1
    assert f"{len(events)} events were chained but {len(events) + 1} are stored" in said

    with db.engine.begin() as connection:
        connection.execute(insert, {**forged, "prev_hash": digest, "hash": "f" * 64})
    code, said = _verify(capsys)
    assert code == 1
    assert "does not match its hash: it was edited or forged" in said


def test_concurrent_writers_keep_one_chain(db: Database, team: Team) -> None:
    """Eight threads appending at once (each event its own transaction, some two per
    transaction) leave one unbroken chain holding every event."""
    threads, rounds = 8, 6
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            for r in range(rounds):
                with db.transaction() as session:
                    audit.record(session, team.alice, "race", "test", n, {"round": r})
                    if r % 2:
                        audit.record(session, team.alice, "race_pair", "test", n, {"round": r})
        except BaseException as error:  # reported below
            failures.append(error)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    verdict = audit.verify_chain(db)
    expected = threads * rounds + threads * (rounds // 2)
    assert verdict.intact, verdict.problem
    assert verdict.rows == expected
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == expected


def test_the_walk_reports_the_first_row_that_does_not_hold() -> None:
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    rows, previous = [], audit_chain.GENESIS
    for n in range(1, 4):
        row = audit_chain.ChainedRow(n, moment, None, "s", "a", "e", None, str(n), previous, None)
        previous = audit_chain.row_hash(row, previous)
        rows.append(row.__class__(**{**row.__dict__, "hash": previous}))
    assert audit_chain.walk(rows, 3).intact
    assert audit_chain.walk(rows, None).intact
    assert audit_chain.walk([rows[0], rows[2]], 3).broken_at == 3
    edited = rows[1].__class__(**{**rows[1].__dict__, "detail": "changed"})
    assert audit_chain.walk([rows[0], edited, rows[2]], 3).broken_at == 2
    assert not audit_chain.walk(rows[:2], 3).intact
