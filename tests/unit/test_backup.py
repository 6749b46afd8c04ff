"""Backup and restore (core.backup, core.services.backups, `python -m core.cli backup`):
every table round-trips row by row across engines, and every bad case is refused with
nothing written."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from core import backup, cli
from core.db import Database
from core.demo import load_demo
from core.models import Addendum, AuditEvent, Counsellor, Couple, ReferenceSnapshot, utcnow
from core.models import Session as SessionRow
from core.services import audit, backups, couples, reference, sessions
from core.services.access import Actor
from tests.conftest import Team, intake_form

TODAY = date(2026, 11, 1)


def fresh_sqlite(template: Path, path: Path) -> Database:
    shutil.copyfile(template, path)
    return Database.from_url(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def source_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic clinic on SQLite, built once: accounts, couples, signed sessions
    with ratings, homework, safety screens, a reference snapshot and audit events."""
    path = tmp_path_factory.mktemp("backup") / "source.db"
    database = fresh_sqlite(sqlite_template, path)
    load_demo(database, couples=6, seed=3, today=TODAY)
    reference.current_reference_id(database, first_reason=reference.FIRST_START)
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture
def source(source_template: Path, tmp_path: Path) -> Iterator[Database]:
    database = fresh_sqlite(source_template, tmp_path / "source.db")
    yield database
    database.dispose()


@pytest.fixture
def back_home(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    database = fresh_sqlite(sqlite_template, tmp_path / "back-home.db")
    yield database
    database.dispose()


def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    with db.engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in backup.table_rows(connection, table)]
            for table in backup.all_tables()
        }


def test_the_demo_source_has_what_a_round_trip_must_carry(source: Database) -> None:
    with source.read() as session:
        assert session.scalar(select(func.count()).where(SessionRow.status == "signed")) > 0
        assert session.scalar(select(func.count()).select_from(ReferenceSnapshot)) == 1
    rows = snapshot(source)
    assert all(rows[name] for name in ("measurements", "assignments", "audit_events"))


def test_round_trip_through_each_engine_and_back_to_sqlite(
    source: Database, db: Database, back_home: Database, tmp_path: Path
) -> None:
    original = snapshot(source)
    first = tmp_path / "first.mend.gz"
    first.write_bytes(backup.dump(source))
    counts = backups.restore_from_file(db, first)
    assert counts == {name: len(rows) for name, rows in original.items()}
    middle = snapshot(db)
    second = tmp_path / "second.mend.gz"
    second.write_bytes(backup.dump(db))
    backups.restore_from_file(back_home, second)
    final = snapshot(back_home)

    def chain_moved(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        return [row for row in rows if row[0] != "audit_chain"]  # the restore's own event

    for name in original:
        if name == "audit_events":
            continue
        if name == "counters":
            assert chain_moved(middle[name]) == chain_moved(original[name])
            assert chain_moved(final[name]) == chain_moved(original[name])
            continue
        assert middle[name] == original[name], name
        assert final[name] == original[name], name
    # The audit log is reproduced too, with each restore appended after it, and its hash
    # chain holds in each copy.
    events = original["audit_events"]
    assert middle["audit_events"][: len(events)] == events
    assert final["audit_events"][: len(events) + 1] == middle["audit_events"]
    assert audit.verify_chain(db).intact and audit.verify_chain(back_home).intact
    assert [row[4] for row in final["audit_events"][len(events) :]] == [
        "database_restored",
        "database_restored",
    ]


def test_after_a_restore_new_records_take_fresh_ids(
    source: Database, db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "clinic.mend.gz"
    path.write_bytes(backup.dump(source))
    backups.restore_from_file(db, path)
    with db.read() as session:
        highest = session.scalar(select(func.max(Couple.id)))
        counsellor = session.scalar(select(Couple.counsellor_id).order_by(Couple.id).limit(1))
        from core.models import Counsellor

        row = session.get(Counsellor, counsellor)
        assert row is not None
        actor = Actor.of(row)
    made = couples.create_couple(db, actor, intake_form(), today=TODAY)
    assert made.id == highest + 1
    with db.read() as session:
        assert session.scalar(select(func.count()).where(Couple.case_code == made.case_code)) == 1


def _rewrite(data: bytes, edit) -> bytes:  # type: ignore[no-untyped-def]
    head, _, body = gzip.decompress(data).partition(b"\n")
    header, body = edit(json.loads(head), body)
    return gzip.compress(json.dumps(header).encode() + b"\n" + body)


def _with_revision(revision: str):  # type: ignore[no-untyped-def]
    return lambda header, body: ({**header, "schema_revision": revision}, body)


def _tampered(header: dict, body: bytes):  # type: ignore[no-untyped-def,type-arg]
    return header, body.replace(b'"Kit"', b'"Kat"', 1).replace(b"counsellor1", b"counsellorX", 1)


CASES = {
    "truncated": (lambda data: data[: len(data) // 2], "truncated or damaged"),
    "tampered": (lambda data: _rewrite(data, _tampered), "checksum does not match"),
    "a row cut from the body": (
        lambda data: _rewrite(
            data, lambda header, body: (header, body[: body.rindex(b"\n", 0, len(body) - 1) + 1])
        ),
        "checksum does not match",
    ),
    "newer schema": (lambda data: _rewrite(data, _with_revision("9999")), "from a newer Mend"),
    "older schema": (lambda data: _rewrite(data, _with_revision("0006")), "from an older Mend"),
    "not a backup": (lambda data: gzip.compress(b"hello\n"), "not a Mend backup"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_file_is_refused_and_nothing_is_written(
    case: str, source: Database, db: Database, tmp_path: Path
) -> None:
    damage, message = CASES[case]
    path = tmp_path / "bad.mend.gz"
    path.write_bytes(damage(backup.dump(source)))
    with pytest.raises(backup.BackupRefused, match=message):
        backups.restore_from_file(db, path)
    with db.engine.connect() as connection:
        assert backup.is_empty(connection)


def test_a_restore_into_a_database_with_rows_is_refused(
    source: Database, db: Database, team: Team, tmp_path: Path
) -> None:
    path = tmp_path / "clinic.mend.gz"
    path.write_bytes(backup.dump(source))
    before = snapshot(db)
    with pytest.raises(backup.BackupRefused, match="not empty"):
        backups.restore_from_file(db, path)
    assert snapshot(db) == before


def test_a_failed_insert_rolls_the_whole_restore_back(
    source: Database, db: Database, tmp_path: Path
) -> None:
    loaded = backup.load(backup.dump(source))
    loaded.rows["measurements"].append(loaded.rows["measurements"][0])  # a duplicate id
    with pytest.raises(Exception):  # noqa: B017 (the engine's own integrity error)
        backup.restore(db, loaded)
    with db.engine.connect() as connection:
        assert backup.is_empty(connection)


def test_an_admin_downloads_a_backup_and_it_is_audited(db: Database, team: Team) -> None:
    data = backups.download_backup(db, team.admin)
    loaded = backup.load(data)
    assert loaded.header["tables"]["counsellors"]["rows"] == 4
    assert loaded.revision == backup.head_revision()
    with db.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "backup_created")
        ).one()
    assert event.actor_username == "admin1"
    assert json.loads(event.detail)["to"] == "download"


def test_a_counsellor_cannot_download_a_backup(db: Database, team: Team) -> None:
    from core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        backups.download_backup(db, team.alice)


def test_the_command_line_backs_up_and_restores(
    source: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "cli.mend.gz"
    monkeypatch.setenv("DATABASE_URL", str(source.engine.url))
    assert cli.main(["backup", str(path)]) == 0
    assert "Backup written" in capsys.readouterr().out
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'target.db'}")
    assert cli.main(["restore", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Restored" in out and "measurements" in out
    assert cli.main(["restore", str(path)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_datetimes_keep_their_microseconds(db: Database, team: Team, tmp_path: Path) -> None:
    moment = utcnow()
    with db.transaction() as session:
        session.add(
            AuditEvent(at=moment, actor_username="x", action="probe", entity="e", detail="é ☃")
        )
    loaded = backup.load(backup.dump(db))
    rows = loaded.rows["audit_events"]
    assert rows[-1][1] == moment.isoformat()


def test_old_co_signatures_and_addenda_are_restored_and_the_guards_come_back(
    source: Database, db: Database
) -> None:
    """The guards that date a co-signature or an addendum "now" (migration 0009) must not
    refuse a restore of ones made months ago, and must hold again right after it."""
    with source.read() as session:
        supervisor = Actor.of(
            session.scalars(select(Counsellor).where(Counsellor.username == "supervisor")).one()
        )
        note = session.scalars(select(SessionRow).where(SessionRow.status == "signed")).first()
        author = Actor.of(session.get(Counsellor, note.counsellor_id))
    sessions.cosign(source, supervisor, note.id)
    sessions.add_addendum(source, author, note.id, "Corrected the date of the next session.")
    stored = backup.load(backup.dump(source))
    months = timedelta(days=90)
    for table, names in {
        "sessions": ("signed_at", "cosigned_at", "created_at", "updated_at"),
        "addenda": ("created_at",),
    }.items():
        columns = [c.name for c in backup.Base.metadata.tables[table].columns]
        for row in stored.rows[table]:
            for name in names:
                at = columns.index(name)
                if row[at] is not None:
                    row[at] = (datetime.fromisoformat(row[at]) - months).isoformat()

    backup.restore(db, stored)
    with db.read() as session:
        restored = session.get(SessionRow, note.id)
        assert restored.cosigned_by_id == supervisor.id
        assert restored.cosigned_at is not None and restored.cosigned_at < utcnow() - months / 2
        assert session.scalar(select(func.count()).select_from(Addendum)) == 1
    backdated = Addendum.__table__.insert().values(
        session_id=note.id, author_id=author.id, text="Backdated.", created_at=utcnow() - months
    )
    with pytest.raises(DBAPIError, match="addendum is dated now"), db.engine.begin() as conn:
        conn.execute(backdated)
