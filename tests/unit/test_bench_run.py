"""The bench runs end to end at 20 couples (one repetition) and reports every page.

No timing is asserted: speed is read from `make bench`, never checked in a test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from bench import databases, report, run

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
    # for its counsellor, reassign for supervisors).
    assert len(expected) == 25
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
