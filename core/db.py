"""Engine, sessions and schema upgrades.

SQLite (the default file) gets WAL mode and foreign keys on every connection;
PostgreSQL is selected with DATABASE_URL. The schema is only ever created or
changed by Alembic.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from core.config import PROJECT_ROOT
from core.domain import READ_ONLY_MODE
from core.errors import LostRace, ReadOnlyDatabase

SAVED_MEANWHILE = (
    "Someone else saved this record while you were saving. Nothing was overwritten; "
    "reload it and save again."
)
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
DATA_DIR = PROJECT_ROOT / "data"

# Objects that exist only in migrations (a PostgreSQL trigram expression index),
# which autogenerate must not try to drop.
MIGRATION_ONLY = frozenset({"ix_sessions_note_trgm"})


def include_object(obj: Any, name: str | None, kind: str, reflected: bool, other: Any) -> bool:
    return not (kind == "index" and reflected and name in MIGRATION_ONLY)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
    # SQLite's own lower() (behind ILIKE) folds ASCII only; search must match "Émile" too.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _private_sqlite_file(path: Path) -> None:
    """Clinical records are the owner's alone: a new database file is created 0600 (its
    -wal and -shm files inherit that) in a folder created 0700; the project's own data
    folder is narrowed to 0700 too. Other existing folders are left as they are."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.parent.resolve() == DATA_DIR.resolve():
        path.parent.chmod(0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:" and not database.startswith("file:"):
            _private_sqlite_file(Path(database))
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_schema(engine: Engine) -> None:
    """Bring the database to the newest Alembic revision."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_is_current(engine: Engine) -> bool:
    return "alembic_version" in inspect(engine).get_table_names()


def dialect_insert(session: Session) -> Any:
    """INSERT with ON CONFLICT for the engine in use (both dialects spell it alike)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def like_pattern(term: str) -> str:
    """`%term%` with LIKE's wildcards in the term taken literally (use escape="\\")."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


SQLITE_READONLY = 8  # its extended codes (READONLY_DBMOVED...) keep 8 in the low byte
PG_READ_ONLY_TRANSACTION = "25006"
# A write that changes nothing, to ask the database whether it takes writes at all: the
# case-code counter is a table the app role must be able to UPDATE.
WRITE_PROBE = "UPDATE counters SET value = value WHERE 1 = 0"


def is_read_only_error(error: BaseException) -> bool:
    """A refusal to write because the database is read-only (SQLite: a read-only file or
    `?mode=ro`, `PRAGMA query_only`; PostgreSQL: a read-only transaction or role)."""
    original = getattr(error, "orig", error)
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == SQLITE_READONLY
    return getattr(original, "sqlstate", None) == PG_READ_ONLY_TRANSACTION


def probe_writable(engine: Engine) -> bool:
    """Whether the database takes writes, asked once with a write that changes nothing
    (rolled back). Only a read-only refusal counts: any other error (a database not yet
    migrated) leaves the answer to the write itself."""
    with engine.connect() as connection:
        try:
            connection.execute(text(WRITE_PROBE))
        except DBAPIError as error:
            return not is_read_only_error(error)
        finally:
            connection.rollback()
    return True


class Database:
    """One engine and its session factory; services open transactions here."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writable: bool | None = None

    @property
    def writable(self) -> bool:
        """False in read-only mode: the database refused a write probe (asked once)."""
        if self._writable is None:
            self._writable = probe_writable(self.engine)
        return self._writable

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: commit on success, roll back on error.

        A versioned UPDATE that matched no row (another save of the same version
        committed first) is a LostRace (a ConflictError), never a raw StaleDataError;
        services word it for their record (core.services.conflicts); this is the
        last resort. A write the database refuses as read-only is ReadOnlyDatabase."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except StaleDataError:
            raise LostRace(SAVED_MEANWHILE) from None
        except DBAPIError as error:
            if not is_read_only_error(error):
                raise
            self._writable = False
            raise ReadOnlyDatabase(READ_ONLY_MODE) from None

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[Database]:
    """A new, private PostgreSQL database on the server of `server_url` (named `prefix`
    and a random suffix), dropped at the end even if still in use: for the tests and the
    soak, so runs on one server never disturb each other."""
    server = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database.from_url(server.set(database=name).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
