"""Shared fixtures: a real, migrated database per test on SQLite and, when
MEND_TEST_POSTGRES_URL is set, on PostgreSQL too."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from core.db import Database, scratch_postgres, upgrade_schema
from core.domain import ACCESS_REFUSED, CASE_VIEWED, Role
from core.models import AuditEvent, Counsellor
from core.services import couples, progress_cache
from core.services.access import Actor
from core.services.accounts import hash_password
from core.services.couples import CoupleView

POSTGRES_URL = os.environ.get("MEND_TEST_POSTGRES_URL")
TEST_PASSWORD = "test-pass-123"
# PC-PTSD-5 answers at the cut-off (3 of 5 symptoms, after an exposure): a positive screen.
PTSD_AT_CUTOFF = {
    "exposure": 1,
    "nightmares": 1,
    "avoidance": 1,
    "on_guard": 1,
    "numb": 0,
    "guilt": 0,
}


def audited_writes(db: Database) -> int:
    """Audit events of writes: reads and refused attempts (audited as well since issue 11)
    left out, for tests showing that a refused call wrote nothing."""
    with db.read() as session:
        return session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.not_in([CASE_VIEWED, ACCESS_REFUSED]))
        )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database.from_url(f"sqlite:///{path}")
    upgrade_schema(db.engine)
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Database]:
    """A private PostgreSQL database for this test run, dropped at the end, so runs
    on the same server (a developer's and CI's) never disturb each other."""
    if not POSTGRES_URL:
        pytest.skip("MEND_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped")
    with scratch_postgres(POSTGRES_URL, f"mend_test_{os.getpid()}") as db:
        upgrade_schema(db.engine)
        yield db


def _fresh_sqlite(template: Path, tmp_path: Path) -> Database:
    path = tmp_path / "mend-test.db"
    shutil.copyfile(template, path)
    return Database.from_url(f"sqlite:///{path}")


def _truncate_postgres(db: Database) -> None:
    with db.engine.begin() as connection:
        tables = (
            connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        # TRUNCATE fires no row triggers; the append-only tables' TRUNCATE guards
        # (migration 0008) are ordinary triggers, off in replica mode (tests run as superuser).
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A real, empty, migrated database; each test gets its own state."""
    if request.param == "sqlite":
        database = _fresh_sqlite(sqlite_template, tmp_path)
        yield database
        database.dispose()
        return
    database = request.getfixturevalue("postgres_database")
    _truncate_postgres(database)
    progress_cache.clear(database)  # ids restart: keys from the last test
    yield database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Database, Path | None]]:
    """One empty, migrated database a module's tests share (seed it in a module-scoped
    fixture): a SQLite file, with its path, or the run's PostgreSQL database, emptied."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("module") / "shared.db"
        shutil.copyfile(sqlite_template, path)
        database = Database.from_url(f"sqlite:///{path}")
        yield database, path
        database.dispose()
        return
    database = request.getfixturevalue("postgres_database")
    _truncate_postgres(database)
    progress_cache.clear(database)  # ids restart: keys from the last module
    yield database, None


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    database = _fresh_sqlite(sqlite_template, tmp_path)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def test_password_hash() -> str:
    return hash_password(TEST_PASSWORD)


@dataclass(frozen=True)
class Team:
    admin: Actor
    supervisor: Actor
    alice: Actor  # counsellor
    bruno: Actor  # counsellor


def add_account(db: Database, username: str, role: Role, password_hash: str) -> Actor:
    with db.transaction() as session:
        user = Counsellor(
            username=username,
            display_name=username.title(),
            role=role,
            password_hash=password_hash,
            active=True,
            failed_logins=0,
            must_change_password=False,
        )
        session.add(user)
        session.flush()
        return Actor.of(user)


def make_team(db: Database, password_hash: str) -> Team:
    return Team(
        admin=add_account(db, "admin1", Role.ADMIN, password_hash),
        supervisor=add_account(db, "super1", Role.SUPERVISOR, password_hash),
        alice=add_account(db, "alice", Role.COUNSELLOR, password_hash),
        bruno=add_account(db, "bruno", Role.COUNSELLOR, password_hash),
    )


@pytest.fixture
def team(db: Database, test_password_hash: str) -> Team:
    return make_team(db, test_password_hash)


def intake_form(**overrides: Any) -> dict[str, Any]:
    """A valid intake in CoupleIn's shape; override any field."""
    form: dict[str, Any] = {
        "partner_a": {"name": "Kit", "pronouns": "they/them", "role": "hurt"},
        "partner_b": {"name": "Lou", "pronouns": "she/her", "role": "broke_trust"},
        "breach_types": ["lying_money"],
        "pattern": "one_time",
        "intake_date": date(2026, 9, 1),
        "goals": "Rebuild honesty about money.",
    }
    form.update(overrides)
    return form


@pytest.fixture
def kit_and_lou(db: Database, team: Team) -> CoupleView:
    """Alice's couple C-0001 (Kit = A, hurt; Lou = B), intake 2026-09-01."""
    return couples.create_couple(db, team.alice, intake_form())


@pytest.fixture
def mara_and_nils(db: Database, team: Team) -> CoupleView:
    """Bruno's couple."""
    return couples.create_couple(
        db,
        team.bruno,
        intake_form(
            partner_a={"name": "Mara", "role": "hurt"},
            partner_b={"name": "Nils", "role": "broke_trust"},
        ),
    )
