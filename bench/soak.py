"""make soak: the 2,000-couple demo caseload through backup and restore, SQLite ->
PostgreSQL -> SQLite, compared row by row with the original; prints rows per table and
the time of each step. Not in CI (minutes, and it needs a PostgreSQL it may fill).

    python -m bench.soak [--couples 2000] [--postgres-url postgresql+psycopg://...]

Without a PostgreSQL URL (or MEND_TEST_POSTGRES_URL) it goes SQLite -> SQLite."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice, zip_longest
from pathlib import Path

from bench.databases import sqlite_database
from core import backup
from core.db import Database, scratch_postgres, upgrade_schema
from core.services import backups


def differences(left: Database, right: Database, events: int) -> dict[str, str]:
    """Tables whose rows differ. The audit log is compared over the `events` the first
    backup held; after them `right` may only have the restores' own events."""
    found: dict[str, str] = {}
    with left.engine.connect() as a, right.engine.connect() as b:
        for table in backup.all_tables():
            ours, theirs = backup.table_rows(a, table), backup.table_rows(b, table)
            if table.name == "audit_events":
                ours, theirs = islice(ours, events), list(theirs)
                extra = {row.action for row in theirs[events:]}
                if extra - {"database_restored", "backup_created"}:
                    found[table.name] = f"unexpected extra events {extra}"
                theirs = iter(theirs[:events])
            for number, (one, other) in enumerate(zip_longest(ours, theirs), start=1):
                if one is None or other is None or tuple(one) != tuple(other):
                    found[table.name] = f"row {number} differs: {one} / {other}"
                    break
    return found


def timed(label: str, step):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = step()
    print(f"{label:<44} {time.perf_counter() - start:7.1f} s", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--couples", type=int, default=2000)
    parser.add_argument("--postgres-url", default=os.environ.get("MEND_TEST_POSTGRES_URL"))
    args = parser.parse_args(argv)
    source = Database.from_url(sqlite_database(args.couples)[0])
    total = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        first, second = work / "first.mend.gz", work / "second.mend.gz"
        # The cached demo is only read (backup.dump writes no audit event into it).
        counts = timed("backup of the SQLite demo", lambda: _dump(source, first))
        with (
            scratch_postgres(args.postgres_url, "mend_soak")
            if args.postgres_url
            else _sqlite(work / "middle.db") as middle
        ):
            upgrade_schema(middle.engine)
            engine = middle.engine.dialect.name
            timed(f"restore into {engine}", lambda: backups.restore_from_file(middle, first))
            timed(f"backup of {engine}", lambda: backups.backup_to_file(middle, second))
            with _sqlite(work / "back.db") as back:
                upgrade_schema(back.engine)
                timed("restore into SQLite again", lambda: backups.restore_from_file(back, second))
                found = timed(
                    "row-by-row comparison",
                    lambda: differences(source, back, counts["audit_events"]),
                )
        size = first.stat().st_size
    print(f"{'total':<44} {time.perf_counter() - total:7.1f} s")
    print(f"backup file: {size / 1e6:.1f} MB (gzip'd)\n")
    print(f"{'table':<26} {'rows':>9}")
    for name, rows in counts.items():
        print(f"{name:<26} {rows:>9}")
    print(f"{'all tables':<26} {sum(counts.values()):>9}")
    if found:
        print(f"DIFFERENCES: {found}")
        return 1
    print(f"Every table identical after SQLite -> {engine} -> SQLite.")
    return 0


def _dump(db: Database, path: Path) -> dict[str, int]:
    data = backup.dump(db)
    path.write_bytes(data)
    return {name: info["rows"] for name, info in backup.load(data).header["tables"].items()}


@contextmanager
def _sqlite(path: Path) -> Iterator[Database]:
    db = Database.from_url(f"sqlite:///{path}")
    try:
        yield db
    finally:
        db.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
