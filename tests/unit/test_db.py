"""Engine, transactions and the Alembic schema (core.db, migrations/)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, make_url, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm.exc import StaleDataError

from core.db import (
    Database,
    alembic_config,
    include_object,
    make_engine,
    schema_is_current,
    upgrade_schema,
)
from core.domain import BreachPattern, Role
from core.errors import ConflictError
from core.models import AuditEvent, Base, Counsellor, Couple, ReferenceSnapshot
from core.services import couples
from tests.conftest import POSTGRES_URL, Team, add_account, intake_form

MODEL_TABLES = set(Base.metadata.tables)


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _head() -> str | None:
    from alembic.script import ScriptDirectory

    from core.db import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


HEAD = _head()


def _revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


# --- SQLite engine ------------------------------------------------------------------------


def test_sqlite_connections_enforce_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_sqlite_runs_in_wal_mode(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


def test_every_pooled_sqlite_connection_gets_the_pragmas(sqlite_db: Database) -> None:
    first = sqlite_db.engine.connect()
    second = sqlite_db.engine.connect()
    try:
        for connection in (first, second):
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        first.close()
        second.close()


def test_sqlite_file_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "mend.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        assert path.exists()
    finally:
        engine.dispose()


def test_in_memory_sqlite_needs_no_folder() -> None:
    engine = make_engine("sqlite:///:memory:")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


# --- constraints on both engines ------------------------------------------------------------


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO couples (case_code, counsellor_id, intake_date, status, pattern, "
                "goals, created_at, updated_at, version) VALUES ('C-0001', 999, '2026-09-01', "
                "'intake', 'one_time', '', '2026-09-01 10:00:00', '2026-09-01 10:00:00', 1)"
            )
        )


def test_enum_columns_refuse_unknown_values(db: Database) -> None:
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO counsellors (username, display_name, role, password_hash, active, "
                "failed_logins, must_change_password, created_at) VALUES ('x', 'X', 'wizard', "
                "'h', true, 0, false, '2026-09-01 10:00:00')"
            )
        )


def test_usernames_are_unique(db: Database, team: Team) -> None:
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(
            Counsellor(
                username="alice",
                display_name="Another Alice",
                role=Role.COUNSELLOR,
                password_hash="h",
                active=True,
                failed_logins=0,
                must_change_password=False,
            )
        )


# --- transactions and datetimes -------------------------------------------------------------


def test_transaction_commits_on_success(db: Database) -> None:
    with db.transaction() as session:
        session.add(AuditEvent(actor_username="system", action="test", entity="database"))
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(ZeroDivisionError), db.transaction() as session:
        session.add(AuditEvent(actor_username="system", action="test", entity="database"))
        session.flush()
        _ = 1 / 0
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_datetimes_come_back_as_the_same_instant_in_utc(db: Database) -> None:
    written = datetime(2026, 11, 24, 16, 30, tzinfo=timezone(timedelta(hours=2)))
    with db.transaction() as session:
        session.add(AuditEvent(at=written, actor_username="s", action="t", entity="e"))
    with db.read() as session:
        read = session.scalars(select(AuditEvent.at)).one()
    assert read == written
    assert read.utcoffset() == timedelta(0)
    assert read == datetime(2026, 11, 24, 14, 30, tzinfo=UTC)


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"), db.transaction() as session:
        session.add(
            AuditEvent(at=datetime(2026, 11, 24, 9, 0), actor_username="s", action="t", entity="e")
        )


# --- migrations ---------------------------------------------------------------------------


def test_migrated_database_has_every_model_table(db: Database) -> None:
    assert _tables(db) == MODEL_TABLES | {"alembic_version"}
    assert schema_is_current(db.engine)
    assert _revision(db) == HEAD


def test_upgrade_schema_is_idempotent(db: Database, team: Team) -> None:
    upgrade_schema(db.engine)
    upgrade_schema(db.engine)

    assert _revision(db) == HEAD
    assert _tables(db) == MODEL_TABLES | {"alembic_version"}
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Counsellor)) == 4


def test_empty_database_is_not_current_until_upgraded(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert not schema_is_current(db.engine)
        upgrade_schema(db.engine)
        assert schema_is_current(db.engine)
    finally:
        db.dispose()


def _sqlite_triggers(db: Database) -> set[str]:
    with db.engine.connect() as connection:
        return set(
            connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).scalars()
        )


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    db = Database.from_url(url)
    try:
        upgrade_schema(db.engine)
        assert {"audit_events_no_update", "audit_events_no_delete"} <= _sqlite_triggers(db)

        command.downgrade(alembic_config(url), "base")
        assert _tables(db) <= {"alembic_version"}
        assert _revision(db) is None
        assert _sqlite_triggers(db) == set()

        upgrade_schema(db.engine)
        assert _tables(db) == MODEL_TABLES | {"alembic_version"}
        assert _revision(db) == HEAD
        assert {"audit_events_no_update", "audit_events_no_delete"} <= _sqlite_triggers(db)
        # The guard works again after the round trip.
        with db.transaction() as session:
            session.add(AuditEvent(actor_username="s", action="t", entity="e"))
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_events"))
    finally:
        db.dispose()


def test_migrated_schema_matches_the_models(db: Database) -> None:
    """Autogenerate finds nothing to do: the migration and models.py agree.

    compare_type is on, so column types are compared too. No differences are
    ignored; if a dialect-only type difference ever appears it should be fixed
    in the migration rather than filtered here.
    """
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": include_object,
            },
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_every_foreign_key_is_indexed(db: Database) -> None:
    """Issue 10: each foreign key of the migrated database leads an index (or the primary
    key or a unique constraint), on both engines: a read by one of them never scans its
    table, and PostgreSQL indexes no foreign key by itself."""
    inspector = inspect(db.engine)
    unindexed = []
    for table in inspector.get_table_names():
        leading = [index["column_names"] for index in inspector.get_indexes(table)]
        leading += [u["column_names"] for u in inspector.get_unique_constraints(table)]
        leading.append(inspector.get_pk_constraint(table)["constrained_columns"])
        for key in inspector.get_foreign_keys(table):
            columns = key["constrained_columns"]
            if not any(list(lead[: len(columns)]) == columns for lead in leading):
                unindexed.append(f"{table}.{', '.join(columns)}")
    assert unindexed == []
    assert any(
        key for table in ("sessions", "measurements") for key in inspector.get_foreign_keys(table)
    )


def test_a_new_sqlite_database_is_the_owners_alone(tmp_path: Path) -> None:
    """Clinical records: the file is 0600 and a folder Mend creates is 0700, also
    for the write-ahead log SQLite adds next to the file."""
    path = tmp_path / "clinic" / "mend.db"
    database = Database.from_url(f"sqlite:///{path}")
    try:
        upgrade_schema(database.engine)
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.parent.stat().st_mode & 0o777 == 0o700
        wal = path.with_name("mend.db-wal")
        assert not wal.exists() or wal.stat().st_mode & 0o077 == 0
    finally:
        database.dispose()


# --- 0005: reference snapshots, on both engines --------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (migrations are run on it by the test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("MEND_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped")
    server = make_url(POSTGRES_URL)
    name = f"mend_migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _guards(db: Database) -> set[str]:
    """Triggers and (PostgreSQL) trigger functions guarding reference_snapshots."""
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        if db.engine.dialect.name == "sqlite"
        else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
        "UNION SELECT proname FROM pg_proc WHERE proname LIKE 'reference%'"
    )
    with db.engine.connect() as connection:
        names = set(connection.execute(text(query)).scalars())
    return {name for name in names if name.startswith("reference_snapshots")}


def _store_snapshot(db: Database) -> None:
    with db.transaction() as session:
        session.add(
            ReferenceSnapshot(
                reason="test",
                n_couples=0,
                n_ratings=0,
                constants={"rows": []},
                band={"rows": []},
                dtypes={},
            )
        )


def test_0005_upgrades_and_downgrades_on_both_engines(scratch_url: str) -> None:
    db = Database.from_url(scratch_url)
    config = alembic_config(scratch_url)
    try:
        command.upgrade(config, "0004")
        assert "reference_snapshots" not in _tables(db)

        command.upgrade(config, "0005")
        assert "reference_snapshots" in _tables(db)
        assert _guards(db)
        _store_snapshot(db)
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("UPDATE reference_snapshots SET reason = 'changed'"))

        command.downgrade(config, "0004")
        assert _revision(db) == "0004"
        assert "reference_snapshots" not in _tables(db)
        assert _guards(db) == set()
        assert {"audit_events", "measurements"} <= _tables(db)  # the rest stays

        upgrade_schema(db.engine)
        assert _revision(db) == HEAD
        _store_snapshot(db)  # empty again after the round trip, and guarded again
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("DELETE FROM reference_snapshots"))
    finally:
        db.dispose()


# --- 0007: the case-code counter, on both engines ------------------------------------------


def test_0007_starts_the_case_code_counter_at_the_highest_existing_code(
    scratch_url: str, test_password_hash: str
) -> None:
    db = Database.from_url(scratch_url)
    config = alembic_config(scratch_url)
    try:
        command.upgrade(config, "0006")
        alice = add_account(db, "alice", Role.COUNSELLOR, test_password_hash)
        with db.transaction() as session:  # codes from before the counter
            session.add_all(
                Couple(
                    case_code=code,
                    counsellor_id=alice.id,
                    intake_date=date(2026, 9, 1),
                    pattern=BreachPattern.ONE_TIME,
                )
                for code in ("C-0001", "C-0003", "C-0002")
            )
        assert "counters" not in _tables(db)

        command.upgrade(config, "0007")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT name, value FROM counters")).all() == [
                ("case_code", 3)
            ]
        command.upgrade(config, "head")  # today's services write today's audit columns
        assert couples.create_couple(db, alice, intake_form()).case_code == "C-0004"

        command.downgrade(config, "0006")
        assert "counters" not in _tables(db)
        assert _revision(db) == "0006"
    finally:
        db.dispose()


def test_a_lost_race_that_no_service_worded_is_still_a_conflict(db: Database, team: Team) -> None:
    """The last resort in Database.transaction: a versioned UPDATE that matched no row."""
    with pytest.raises(ConflictError, match="Someone else saved this record"), db.transaction():
        raise StaleDataError("UPDATE statement on table 'couples' expected 1 row")
