"""Backup and restore as use cases: who may take a backup, and the audit trail.

The file format and the restore itself live in core.backup; this module checks the
actor and records `backup_created` / `database_restored` in the audit log (a restore's
event is written after the restored rows, so it is the first event of the new life)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from core import backup
from core.db import Database
from core.domain import Role
from core.services import audit
from core.services.access import Actor, require_active, require_role

COMMAND_LINE = "(command line)"


def _audit_backup(db: Database, actor: Actor | None, data: bytes, where: str) -> None:
    with db.transaction() as session:
        if actor is not None:
            require_active(session, actor)
        audit.record(
            session,
            actor,
            "backup_created",
            "database",
            detail={"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "to": where},
            username=COMMAND_LINE,
        )


def download_backup(db: Database, actor: Actor) -> bytes:
    """The whole database as a backup file, for an administrator (audited)."""
    require_role(actor, Role.ADMIN, doing="download a backup of the database")
    with db.read() as session:
        require_active(session, actor)
    data = backup.dump(db)
    _audit_backup(db, actor, data, "download")
    return data


def backup_to_file(db: Database, path: Path) -> dict[str, int]:
    """`python -m core.cli backup FILE`: rows per table written."""
    data = backup.dump(db)
    path.write_bytes(data)
    _audit_backup(db, None, data, str(path))
    return {name: info["rows"] for name, info in backup.load(data).header["tables"].items()}


def read_backup_file(path: Path) -> tuple[backup.BackupFile, str]:
    """A backup file checked completely (gzip, checksum, counts, schema revision), and
    its sha256, before any database is opened."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise backup.BackupRefused(f"Cannot read {path}: {error.strerror}.") from None
    return backup.load(data), hashlib.sha256(data).hexdigest()


def restore_from_file(
    db: Database, path: Path, checked: tuple[backup.BackupFile, str] | None = None
) -> dict[str, int]:
    """`python -m core.cli restore FILE` into an empty, upgraded database; rows per
    table. The file is checked completely before anything is written (`checked`: the
    result of read_backup_file(path), when the caller checked it already)."""
    loaded, digest = checked or read_backup_file(path)
    counts = backup.restore(db, loaded)
    with db.transaction() as session:
        audit.record(
            session,
            None,
            "database_restored",
            "database",
            detail={
                "from": str(path),
                "sha256": digest,
                "backup_created_at": loaded.header["created_at"],
                "rows": sum(counts.values()),
            },
            username=COMMAND_LINE,
        )
    return counts
