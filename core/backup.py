"""Backup and restore: every table (audit log and alembic_version included) in one portable
file that any engine Mend supports can read back.

The file is gzip'd UTF-8 text. Line 1 is a JSON header:

    {"format": "mend-backup", "format_version": 1, "schema_revision": "0007",
     "created_at": "2026-11-26T06:12:26.123456+00:00",
     "tables": {"counsellors": {"columns": [...], "rows": 4}, ...},
     "body_sha256": "<hex>"}

Every later line is one row, `["table", [value, ...]]` in the header's column order; the
checksum covers those lines exactly as stored. Dates and datetimes are ISO strings (UTC),
JSON columns stay JSON, bytes are base64, enums are their stored value.

A restore reads and checks the whole file first (gzip intact, checksum, row counts, schema
revision) and only then writes, into an empty database, in one transaction: ids are kept,
PostgreSQL sequences moved past them, tables inserted parents first. Ratings of a signed
session are inserted while the session is still a draft (the guard trigger refuses ratings
added to a signed note) and the session is signed in the same transaction after them.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import (
    Column,
    Connection,
    Date,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    select,
    text,
)
from sqlalchemy import Enum as SAEnum

from core.db import Database, alembic_config
from core.domain import NoteStatus
from core.errors import MendError
from core.models import Base, Counter, UTCDateTime, utcnow

FORMAT = "mend-backup"
FORMAT_VERSION = 1
CHUNK = 1000
ALEMBIC_VERSION = Table("alembic_version", MetaData(), Column("version_num", String(32)))


class BackupRefused(MendError):
    """A backup file or a target database that a restore must not touch."""


@dataclass
class BackupFile:
    header: dict[str, Any]
    rows: dict[str, list[list[Any]]] = field(default_factory=dict)

    @property
    def revision(self) -> str:
        return str(self.header["schema_revision"])

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.rows.items()}


# Derived data a restore rebuilds by itself: the database's triggers fill rating_stamps,
# couple_stamps and counsellor_stamps as the rows go in (migrations 0014 to 0016), so a
# backup leaves them out.
DERIVED = frozenset({"rating_stamps", "couple_stamps", "counsellor_stamps"})


def data_tables() -> list[Table]:
    """Mend's tables, parents before children (foreign-key order), derived ones left out."""
    return [t for t in Base.metadata.sorted_tables if t.name not in DERIVED]


def all_tables() -> list[Table]:
    return [*data_tables(), ALEMBIC_VERSION]


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


# --- values <-> JSON ---------------------------------------------------------------


def _encode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return value.astimezone(UTC).isoformat()
    if isinstance(kind, Date):
        return value.isoformat()
    if isinstance(kind, SAEnum):
        return getattr(value, "value", value)
    if isinstance(kind, LargeBinary):
        return base64.b64encode(value).decode("ascii")
    return value


def _decode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, SAEnum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    return value


def _line(payload: Any) -> bytes:
    return (json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


# --- writing -------------------------------------------------------------------------


def table_rows(connection: Connection, table: Table) -> Iterator[tuple[Any, ...]]:
    """Every row of `table` as Python values, in primary-key order."""
    order = list(table.primary_key.columns) or list(table.columns)
    yield from connection.execute(select(table).order_by(*order))


def dump(db: Database, *, now: datetime | None = None) -> bytes:
    """The whole database as one backup file (bytes), read in one transaction."""
    body: list[bytes] = []
    tables: dict[str, dict[str, Any]] = {}
    with db.engine.connect() as connection, connection.begin():
        for table in all_tables():
            columns = list(table.columns)
            count = 0
            for row in table_rows(connection, table):
                values = [_encode(c, v) for c, v in zip(columns, row, strict=True)]
                body.append(_line([table.name, values]))
                count += 1
            tables[table.name] = {"columns": [c.name for c in columns], "rows": count}
        revision = connection.scalar(select(ALEMBIC_VERSION.c.version_num)) or ""
    digest = hashlib.sha256()
    for line in body:
        digest.update(line)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_revision": revision,
        "created_at": (now or utcnow()).isoformat(),
        "tables": tables,
        "body_sha256": digest.hexdigest(),
    }
    return gzip.compress(_line(header) + b"".join(body), compresslevel=6, mtime=0)


# --- reading and checking ----------------------------------------------------------


def load(data: bytes) -> BackupFile:
    """Read and check a backup file completely; BackupRefused says what is wrong."""
    try:
        raw = gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as error:
        raise BackupRefused(
            "The backup file is truncated or damaged (it is not a complete gzip file); "
            f"nothing was restored. ({error})"
        ) from None
    first, _, body = raw.partition(b"\n")
    try:
        header = json.loads(first)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupRefused("This is not a Mend backup file; nothing was restored.")
    if header.get("format_version") != FORMAT_VERSION:
        raise BackupRefused(
            f"This backup uses file format {header.get('format_version')}; this Mend reads "
            f"format {FORMAT_VERSION}. Nothing was restored."
        )
    if hashlib.sha256(body).hexdigest() != header.get("body_sha256"):
        raise BackupRefused(
            "The backup file's checksum does not match its contents: it was truncated or "
            "altered after it was written. Nothing was restored."
        )
    _check_revision(str(header.get("schema_revision", "")))
    backup = BackupFile(header, {name: [] for name in header["tables"]})
    for line in body.splitlines():
        name, values = json.loads(line)
        backup.rows[name].append(values)
    expected = {name: info["rows"] for name, info in header["tables"].items()}
    if backup.counts() != expected:
        raise BackupRefused("The backup file's row counts do not match; nothing was restored.")
    _check_columns(header["tables"])
    return backup


def _check_revision(revision: str) -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = scripts.get_current_head()
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise BackupRefused(
            f"The backup comes from a newer Mend (schema revision {revision}; this Mend "
            f"knows up to {head}). Upgrade Mend first; nothing was restored."
        )
    if revision != head:
        raise BackupRefused(
            f"The backup comes from an older Mend (schema revision {revision}; this Mend "
            f"is at {head}). Restore it with that version, then upgrade. Nothing was restored."
        )


def _check_columns(tables: dict[str, dict[str, Any]]) -> None:
    expected = {t.name: [c.name for c in t.columns] for t in all_tables()}
    given = {name: info["columns"] for name, info in tables.items()}
    if given != expected:
        raise BackupRefused(
            "The backup's tables or columns differ from this Mend's schema; nothing was restored."
        )


# --- restoring -----------------------------------------------------------------------


def is_empty(connection: Connection) -> bool:
    """No row in any table; a fresh schema's zero counters count as empty."""
    for table in data_tables():
        if table is Counter.__table__:
            if connection.scalar(select(func.count()).where(table.c.value != 0)):
                return False
        elif connection.scalar(select(func.count()).select_from(table)):
            return False
    return True


def restore(db: Database, backup: BackupFile) -> dict[str, int]:
    """Write a checked backup into an empty, upgraded database in one transaction; the
    rows per table. Refuses (writing nothing) a database that holds any row."""
    with db.engine.connect() as connection, connection.begin():
        if not is_empty(connection):
            raise BackupRefused(
                "The database is not empty: restore only into a new, empty database "
                "(before `init-db` or starting Mend on it). Nothing was restored."
            )
        connection.execute(Counter.__table__.delete())
        suspended = _suspend_insert_guards(connection)
        signed: list[int] = []
        for table in data_tables():
            columns = list(table.columns)
            stored = backup.rows[table.name]
            for start in range(0, len(stored), CHUNK):
                rows = [
                    {c.name: _decode(c, v) for c, v in zip(columns, values, strict=True)}
                    for values in stored[start : start + CHUNK]
                ]
                if table.name == "sessions":
                    signed += [row["id"] for row in rows if row["status"] is NoteStatus.SIGNED]
                    rows = [{**row, "status": NoteStatus.DRAFT} for row in rows]
                connection.execute(table.insert(), rows)
        for start in range(0, len(signed), CHUNK):
            connection.execute(
                text("UPDATE sessions SET status = 'signed' WHERE id = :id"),
                [{"id": sid} for sid in signed[start : start + CHUNK]],
            )
        _restore_insert_guards(connection, suspended)
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
    return backup.counts()


# Guards that date a co-signature or an addendum "now" (migration 0009) would refuse a
# restored one, signed months ago: the restore (the owner, into an empty database) lifts
# them for its own transaction only and puts them back before it commits.
SQLITE_INSERT_GUARDS = ("sessions_cosign_not_new", "addenda_not_backdated")
POSTGRES_INSERT_GUARDS = (
    ("sessions", "sessions_guard_cosign"),
    ("addenda", "addenda_refuse_backdated"),
)


def _suspend_insert_guards(connection: Connection) -> list[str]:
    """Lift the insert guards; what _restore_insert_guards needs to put them back."""
    if connection.dialect.name == "postgresql":
        for table, trigger in POSTGRES_INSERT_GUARDS:
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
        return []
    definitions = list(
        connection.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN (:a, :b)"),
            dict(zip(("a", "b"), SQLITE_INSERT_GUARDS, strict=True)),
        ).scalars()
    )
    for name in SQLITE_INSERT_GUARDS:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    return definitions


def _restore_insert_guards(connection: Connection, definitions: list[str]) -> None:
    if connection.dialect.name == "postgresql":
        for table, trigger in POSTGRES_INSERT_GUARDS:
            connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
        return
    for definition in definitions:
        connection.execute(text(definition))


def _reset_sequences(connection: Connection) -> None:
    for table in data_tables():
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
            )
        )
