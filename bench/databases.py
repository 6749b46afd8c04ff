"""Demo databases for the bench, built once per size and cached.

A cached database is named by its size and a key made of the schema head and a hash of
the demo generator's code: a change to `core/demo` builds a new one; a new migration
upgrades a copy of the one built at an older head (minutes instead of half an hour at
20,000 couples, and the migration's own data step is exercised on clinic-sized data).
SQLite: a file in bench/.cache/. PostgreSQL: a database of its own on the server of
MEND_TEST_POSTGRES_URL (`mend_bench_<size>_<key>`, never the server's other databases),
filled by core.demo's bulk loader in a child process; the bench works on a copy made from
it as a template (`work_database`), dropped after the run.

    python -m bench.databases [SIZE ...]                        # SQLite files
    python -m bench.databases --postgres-url URL [SIZE ...]     # PostgreSQL databases
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, make_url, text

from core.app_role import quoted
from core.db import Database, alembic_config, upgrade_schema
from core.demo import load_demo

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache"
SEED = 1


def schema_head() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or "none"


def demo_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "core" / "demo").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_key() -> str:
    return f"{schema_head()}-{demo_hash()}"


def sqlite_database(couples: int, cache: Path = CACHE) -> tuple[str, bool]:
    """The URL of a cached SQLite demo database with `couples` couples; True if built now."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"mend-{couples}-{cache_key()}.db"
    if path.exists():
        return f"sqlite:///{path}", False
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    start = time.perf_counter()
    if older := _older_sqlite(cache, couples):
        shutil.copyfile(older, partial)
        _upgrade(f"sqlite:///{partial}")
        partial.rename(path)
        print(f"Upgraded {older.name} to {path.name} in {time.perf_counter() - start:.1f} s")
        return f"sqlite:///{path}", True
    subprocess.run(
        [
            sys.executable,
            "-m",
            "core.demo",
            "--couples",
            str(couples),
            "--seed",
            str(SEED),
            "--database-url",
            f"sqlite:///{partial}",
        ],
        cwd=ROOT,
        check=True,
        env={**os.environ, "MEND_DEMO": "1"},
    )
    partial.rename(path)  # only a complete build is ever found in the cache
    print(f"Built {path.name} in {time.perf_counter() - start:.1f} s", flush=True)
    return f"sqlite:///{path}", True


def _older_sqlite(cache: Path, couples: int) -> Path | None:
    """A complete database of the same demo built at an older schema head, if any."""
    known = _revisions()
    found = [
        path
        for path in cache.glob(f"mend-{couples}-*-{demo_hash()}.db")
        if path.name.split("-")[2] in known  # not a newer branch's
    ]
    return max(found, key=lambda path: path.stat().st_mtime) if found else None


def _upgrade(url: str) -> None:
    """Bring a cached demo database built at an older schema head to the current one:
    the migrations carry the data (as they do for a clinic's), instead of a new build."""
    db = Database.from_url(url)
    try:
        upgrade_schema(db.engine)
        if db.engine.dialect.name == "postgresql":
            _vacuum(db)
    finally:
        db.dispose()


# --- PostgreSQL -------------------------------------------------------------------------


def postgres_name(couples: int) -> str:
    return f"mend_bench_{couples}_{cache_key().replace('-', '_')}".lower()


def _url_of(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


@contextmanager
def _server(server_url: str) -> Iterator[Engine]:
    """A connection to the server (its own database) for CREATE / DROP DATABASE."""
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        yield admin
    finally:
        admin.dispose()


def _exists(admin: Engine, name: str) -> bool:
    with admin.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        return found.first() is not None


def _execute(admin: Engine, sql: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(sql))


def _older_postgres(admin: Engine, couples: int) -> str | None:
    """A complete database of the same demo built at an older schema head, if any (the
    newest by name; a partial build ends in _partial and is never taken)."""
    with admin.connect() as connection:
        names = connection.scalars(
            text("SELECT datname FROM pg_database WHERE datname LIKE :pattern ESCAPE '!'"),
            {"pattern": f"mend!_bench!_{couples}!_%!_{demo_hash()}"},
        ).all()
    known = _revisions()
    usable = [n for n in names if n.split("_")[3] in known]  # not a newer branch's
    return max(usable) if usable else None


def _revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {revision.revision for revision in script.walk_revisions()}


def postgres_database(server_url: str, couples: int) -> tuple[str, bool]:
    """The URL of a cached PostgreSQL demo database with `couples` couples on the server
    of `server_url`; True if built now. Built under a `_partial` name and renamed when
    complete, so an interrupted build is never found in the cache (it is rebuilt)."""
    name = postgres_name(couples)
    with _server(server_url) as admin:
        if _exists(admin, name):
            return _url_of(server_url, name), False
        partial = f"{name}_partial"
        _execute(admin, f"DROP DATABASE IF EXISTS {quoted(partial)} WITH (FORCE)")
        start = time.perf_counter()
        if older := _older_postgres(admin, couples):
            _execute(admin, f"CREATE DATABASE {quoted(partial)} TEMPLATE {quoted(older)}")
            _upgrade(_url_of(server_url, partial))
            _execute(admin, f"ALTER DATABASE {quoted(partial)} RENAME TO {quoted(name)}")
            print(f"Upgraded {older} to {name} in {time.perf_counter() - start:.1f} s")
            return _url_of(server_url, name), True
        _execute(admin, f"CREATE DATABASE {quoted(partial)}")
        fill_command = ["bench.databases", "--fill", _url_of(server_url, partial), str(couples)]
        subprocess.run(
            [sys.executable, "-m", *fill_command],
            cwd=ROOT,
            check=True,
            env={**os.environ, "MEND_DEMO": "1"},
        )
        _execute(admin, f"ALTER DATABASE {quoted(partial)} RENAME TO {quoted(name)}")
    print(f"Built {name} in {time.perf_counter() - start:.1f} s", flush=True)
    return _url_of(server_url, name), True


def _vacuum(db: Database) -> None:
    """VACUUM ANALYZE, so the planner knows the tables' sizes from the first query on; the
    stamp tables compacted first (VACUUM FULL): the bulk load bumped a stamp per rating,
    leaving 3.5 million dead versions of 20,000 rows that a caseload view would scan.
    A clinic's own writes come a few at a time, and autovacuum keeps up with them."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM FULL rating_stamps, couple_stamps, counsellor_stamps"))
        connection.execute(text("VACUUM ANALYZE"))


def fill(url: str, couples: int) -> None:
    """Schema and demo caseload (core.demo's bulk loader) into an empty database, then
    VACUUM ANALYZE so the planner knows the tables' sizes from the first query on."""
    db = Database.from_url(url)
    try:
        upgrade_schema(db.engine)
        summary = load_demo(db, couples=couples, seed=SEED)
        _vacuum(db)
    finally:
        db.dispose()
    print(
        f"Loaded {summary.couples} couples, {summary.sessions} sessions, "
        f"{summary.measurements} ratings for {summary.counsellors} counsellors.",
        flush=True,
    )


@contextmanager
def work_database(server_url: str, couples: int) -> Iterator[str]:
    """A copy of the cached database (CREATE DATABASE ... TEMPLATE) for one bench run,
    which saves notes into it; dropped at the end, so the cache never drifts."""
    cached = make_url(postgres_database(server_url, couples)[0]).database
    assert cached is not None
    work = f"mend_bench_work_{couples}_{os.getpid()}"
    with _server(server_url) as admin:
        _execute(admin, f"DROP DATABASE IF EXISTS {quoted(work)} WITH (FORCE)")
        _execute(admin, f"CREATE DATABASE {quoted(work)} TEMPLATE {quoted(cached)}")
        try:
            yield _url_of(server_url, work)
        finally:
            _execute(admin, f"DROP DATABASE IF EXISTS {quoted(work)} WITH (FORCE)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.databases")
    parser.add_argument("sizes", type=int, nargs="*", default=[20, 200, 2000])
    parser.add_argument("--postgres-url", help="build on this PostgreSQL server instead")
    parser.add_argument("--fill", metavar="URL", help=argparse.SUPPRESS)  # the child's work
    args = parser.parse_args(argv)
    if args.fill:
        (size,) = args.sizes
        fill(args.fill, size)
        return 0
    for size in args.sizes:
        if args.postgres_url:
            print(postgres_database(args.postgres_url, size)[0])
        else:
            print(sqlite_database(size)[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
