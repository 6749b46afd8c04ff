"""The bench runs end to end at 20 couples (one repetition) and reports every page.

No timing is asserted: speed is read from `make bench`, never checked in a test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, func, make_url, select, text

from bench import databases, report, run
from core.db import Database, alembic_config
from core.demo import load_demo

TABS = ["progress", "sessions", "homework", "safety", "check-ins"]


def test_bench_reports_every_page_and_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite://")  # restored after the bench points it elsewhere
    monkeypatch.delenv("MEND_DEMO", raising=False)
    results = tmp_path / "results.md"
    code = run.main(
        ["--sizes", "20", "--repeats", "1", "--cache", str(tmp_path), "--results", str(results)]
    )
    assert code == 0
    written = results.read_text()
    assert "CPUs" in written and "SQLite" in written
    expected = {(page.name, role) for page in run.PAGES for role in page.roles}
    expected.add((report.PAGE, "counsellor"))
    found = {
        (cells[1], cells[2])
        for line in written.splitlines()
        if (cells := [c.strip() for c in line.split("|")])[1:2] and cells[3:4] == ["20"]
    }
    assert found == expected
    # No session form for supervisors; the couple page by tab (edit details and status
    # for its counsellor, reassign for supervisors); the admin page by its two tabs that
    # read the database.
    assert len(expected) == 26
    assert {name for name, _ in found if name.startswith("admin")} == {
        "admin/accounts",
        "admin/audit-log",
    }
    assert {(name, role) for name, role in found if name.startswith("couple/")} == {
        *((f"couple/{tab}", role) for tab in TABS for role in ("counsellor", "supervisor")),
        ("couple/edit-details", "counsellor"),
        ("couple/status", "counsellor"),
        ("couple/reassign", "supervisor"),
    }
    assert "| couple/progress | counsellor | 20 | sqlite |" in capsys.readouterr().out


@pytest.mark.skipif(
    not os.environ.get("MEND_TEST_POSTGRES_URL"),
    reason="MEND_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped",
)
def test_bench_large_measures_on_a_cached_postgresql_database_and_drops_its_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = os.environ["MEND_TEST_POSTGRES_URL"]
    name = f"mend_bench_test_{os.getpid()}"
    monkeypatch.setattr(databases, "postgres_name", lambda couples: f"{name}_{couples}")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("MEND_DEMO", raising=False)
    results = tmp_path / "results.md"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")

    def names() -> set[str]:
        with admin.connect() as connection:
            found = connection.execute(text("SELECT datname FROM pg_database")).scalars()
            return set(found)

    try:
        arguments = ["--engine", "postgresql", "--postgres-url", server, "--sizes", "20"]
        arguments += ["--repeats", "1", "--pages", "caseload", "--results", str(results)]
        code = run.main(arguments)
        assert code == 0
        written = results.read_text()
        assert "PostgreSQL" in written
        assert "| caseload | supervisor | 20 | postgresql |" in written
        assert f"| {report.PAGE} | counsellor | 20 | postgresql |" in written
        assert "the empty page's run" in written
        present = names()
        assert f"{name}_20" in present  # the cache stays for the next run
        assert make_url(server).database in present  # the server's own database untouched
        assert not any(n.startswith("mend_bench_work_20_") for n in present)  # copy dropped
        assert databases.postgres_database(server, 20)[1] is False  # found, not rebuilt
        assert "Built" in capsys.readouterr().out
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}_20" WITH (FORCE)'))
        admin.dispose()


def test_a_cached_database_of_an_older_schema_is_upgraded_not_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new migration upgrades a copy of the demo database built at the head before it
    (the migration carries the data), instead of building the caseload again."""
    older = tmp_path / f"mend-3-0014-{databases.demo_hash()}.db"
    engine = create_engine(f"sqlite:///{older}")
    config = alembic_config(f"sqlite:///{older}")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0014")
    db = Database.from_url(f"sqlite:///{older}")
    load_demo(db, couples=3, seed=databases.SEED)
    db.dispose()
    built: list[int] = []
    monkeypatch.setattr(databases.subprocess, "run", lambda *a, **k: built.append(1))

    url, made = databases.sqlite_database(3, cache=tmp_path)

    assert made and not built and older.exists()  # upgraded from the copy, kept the original
    assert url.endswith(f"mend-3-{databases.cache_key()}.db")
    with create_engine(url).connect() as connection:
        couples = connection.scalar(text("SELECT COUNT(*) FROM couples"))
        stamped = connection.scalar(text("SELECT COUNT(*) FROM couple_stamps"))
    assert couples == stamped == 3  # the new migration's data step ran on the demo
    assert databases.sqlite_database(3, cache=tmp_path) == (url, False)  # cached from now on


def test_the_bench_compiles_each_script_once_as_a_server_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AppTest makes a new ScriptCache per run; under the bench's shared cache a script
    is read and compiled once, then reused by every later AppTest run."""
    import builtins

    from streamlit.runtime.scriptrunner import script_cache
    from streamlit.testing.v1 import AppTest, app_test

    script = tmp_path / "page.py"
    script.write_text("import streamlit as st\nst.write('one')\n")
    compiled: list[str] = []

    def counting(source: object, path: str, *args: object, **kwargs: object) -> object:
        compiled.append(path)
        return builtins.compile(source, path, *args, **kwargs)  # type: ignore[call-overload]

    # script_cache calls the builtin compile: a module global of that name comes first.
    monkeypatch.setattr(script_cache, "compile", counting, raising=False)
    with run.served_script_cache():
        at = AppTest.from_file(str(script))
        at.run()
        at.run()
        AppTest.from_file(str(script)).run()
    assert compiled.count(str(script)) == 1
    compiled.clear()
    at.run()  # outside the bench: AppTest's own behaviour again, a compile per run
    assert compiled.count(str(script)) == 1
    assert app_test.ScriptCache is script_cache.ScriptCache


def test_the_bench_audits_a_page_runs_reads_as_the_served_app_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under served_page_runs, three runs of a couple's tab write one case_viewed event
    (app.py's page_reads.audited: one per page view, none on a rerun); without it each
    audited read of each run commits its own."""
    from core.domain import CASE_VIEWED
    from core.models import AuditEvent

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    db = Database.from_url(url)
    from core.db import upgrade_schema

    upgrade_schema(db.engine)
    load_demo(db, couples=4, seed=1)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("MEND_DEMO", raising=False)
    ctx = run.context(url)
    page = next(p for p in run.PAGES if p.name == "couple/sessions")

    def case_views_after_three_runs() -> int:
        with ctx.db.read() as session:
            before = session.scalar(select(func.count()).where(AuditEvent.action == CASE_VIEWED))
        at = run.open_page(ctx, page, "counsellor")
        for _ in range(3):
            run.checked_run(at)
        with ctx.db.read() as session:
            return (
                session.scalar(select(func.count()).where(AuditEvent.action == CASE_VIEWED))
                - before
            )

    with run.served_page_runs():
        served = case_views_after_three_runs()
    bare = case_views_after_three_runs()
    assert served == 1
    assert bare > 3
    ctx.db.dispose()
    db.dispose()


def test_every_size_opens_the_same_couple_with_the_same_history(tmp_path: Path) -> None:
    """The couple pages are compared across sizes on one couple: the same case code at 20
    and 60 couples, with the same status, sessions and homework, opened by its own
    counsellor, and the writer another counsellor."""
    from core.db import upgrade_schema
    from core.models import Assignment
    from core.models import Session as SessionRow

    histories = []
    for size in (20, 60):
        url = f"sqlite:///{tmp_path / f'demo-{size}.db'}"
        db = Database.from_url(url)
        upgrade_schema(db.engine)
        load_demo(db, couples=size, seed=1)
        ctx = run.context(url)
        with ctx.db.read() as session:
            counts = [
                session.scalar(select(func.count()).where(model.couple_id == ctx.couple_id))
                for model in (SessionRow, Assignment)
            ]
            histories.append((ctx.case_code, *counts))
        assert ctx.users["writer"].id != ctx.users["counsellor"].id
        ctx.db.dispose()
        db.dispose()
    assert histories[0] == histories[1]
    assert abs(histories[0][1] - run.TYPICAL_SESSIONS) <= 10
