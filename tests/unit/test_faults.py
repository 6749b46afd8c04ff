"""Files and faults (issue 11, item 10): a read-only database starts a clear read-only mode
(login still works, nothing is written, every save says why), and a PostgreSQL whose
connections were cut recovers by itself (pool_pre_ping). The file modes: test_db.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from core.db import Database
from core.domain import READ_ONLY_MODE
from core.errors import AuthenticationError, PermissionDenied, ReadOnlyDatabase
from core.models import AuditEvent
from core.services import accounts, audit, couples, sessions
from tests.conftest import TEST_PASSWORD, Team, intake_form

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def read_only_twin(db: Database) -> Database:
    """The same database opened read-only: SQLite's `mode=ro` (the tests run as root,
    which file modes do not stop) or a PostgreSQL session whose transactions are all
    read-only, as a read-only role's would be."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return Database.from_url(f"sqlite:///file:{url.database}?mode=ro&uri=true")
    options = {"options": "-c default_transaction_read_only=on"}
    return Database(create_engine(url, connect_args=options, pool_pre_ping=True))


@pytest.fixture
def read_only(db: Database, team: Team) -> Iterator[Database]:
    accounts._read_only_attempts.clear()  # the in-process count of read-only mode
    twin = read_only_twin(db)
    yield twin
    twin.dispose()
    accounts._read_only_attempts.clear()


def _audit_count(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_a_writable_database_is_writable(db: Database) -> None:
    assert db.writable


def test_a_read_only_database_is_detected_at_start(read_only: Database) -> None:
    assert not read_only.writable


def test_sqlite_query_only_is_read_only_too(sqlite_db: Database) -> None:
    """`PRAGMA query_only` holds per connection: one pooled connection that has it."""
    single = Database(create_engine(sqlite_db.engine.url, pool_size=1, max_overflow=0))
    try:
        with single.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA query_only = 1")
        assert not single.writable
    finally:
        single.dispose()


def test_a_save_on_a_read_only_database_says_read_only_mode(
    read_only: Database, team: Team
) -> None:
    with pytest.raises(ReadOnlyDatabase) as refused:
        couples.create_couple(read_only, team.alice, intake_form())
    assert (
        str(refused.value)
        == READ_ONLY_MODE
        == ("Mend is in read-only mode: changes cannot be saved.")
    )


def test_login_works_in_read_only_mode_and_goes_to_the_server_log(
    db: Database, read_only: Database, team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    before = _audit_count(db)
    with caplog.at_level(logging.WARNING, logger="core.services.accounts"):
        actor = accounts.authenticate(read_only, "alice", TEST_PASSWORD, now=T0)
        accounts.log_out(read_only, actor)
    assert actor.id == team.alice.id
    assert _audit_count(db) == before  # nothing written
    logged = [r.getMessage() for r in caplog.records]
    assert any(f"account {team.alice.id} logged in; not in the audit log" in m for m in logged)
    assert any(f"account {team.alice.id} logged out" in m for m in logged)
    assert not any(TEST_PASSWORD in m for m in logged)


def test_read_only_mode_refuses_like_the_writable_one_and_still_locks(
    read_only: Database, team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    message = accounts.login_refused_message()
    with caplog.at_level(logging.WARNING, logger="core.services.accounts"):
        for typed in ("nobody-here", "my-secret-password-typed-as-name"):
            with pytest.raises(AuthenticationError, match="Wrong username"):
                accounts.authenticate(read_only, typed, TEST_PASSWORD, now=T0)
        for _ in range(5):
            with pytest.raises(AuthenticationError) as refused:
                accounts.authenticate(read_only, "alice", "not-the-password", now=T0)
            assert str(refused.value) == message
        with pytest.raises(AuthenticationError):  # locked now, right password or not
            accounts.authenticate(read_only, "alice", TEST_PASSWORD, now=T0)
    assert not any("my-secret-password" in r.getMessage() for r in caplog.records)
    assert accounts.authenticate(read_only, "bruno", TEST_PASSWORD, now=T0).id == team.bruno.id


def test_read_only_mode_still_reads_couples_and_logs_the_reads_to_the_server(
    db: Database, team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    """Reading a couple is audited by writing an event: in read-only mode the read goes
    on (and a refusal stays a refusal), and the server log keeps what the audit log
    cannot."""
    own = couples.create_couple(db, team.alice, intake_form())
    before = _audit_count(db)
    twin = read_only_twin(db)
    try:
        with caplog.at_level(logging.WARNING, logger="core.services.audit"):
            assert couples.get_couple(twin, team.alice, own.id).case_code == own.case_code
            assert sessions.list_sessions(twin, team.alice, own.id) == []
            memory: dict[str, object] = {}
            with audit.page_view(twin, team.supervisor, page="couple", memory=memory):
                couples.get_couple(twin, team.supervisor, own.id)
            with pytest.raises(PermissionDenied):
                couples.get_couple(twin, team.bruno, own.id)
    finally:
        twin.dispose()
    assert _audit_count(db) == before
    logged = [r.getMessage() for r in caplog.records]
    assert f"Read-only mode: account {team.alice.id} read couple {own.id}" in logged[0]
    assert any(f"account {team.supervisor.id} read couple {own.id}" in m for m in logged)
    assert any(f"account {team.bruno.id} was refused couple {own.id}" in m for m in logged)


# --- PostgreSQL: connections cut under the app ----------------------------------------------


def test_postgresql_recovers_after_its_connections_are_terminated(db: Database, team: Team) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server fault")
    first = couples.create_couple(db, team.alice, intake_form())
    with db.engine.connect() as connection:  # the pool now holds an open connection
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    name = db.engine.url.database
    other = create_engine(make_url(db.engine.url).set(database="postgres"))
    try:
        with other.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                    "FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).scalar_one()
    finally:
        other.dispose()
    assert killed >= 1
    second = couples.create_couple(db, team.alice, intake_form(goals="After the outage."))
    assert second.case_code != first.case_code
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
