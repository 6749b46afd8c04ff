"""bench/paired.py: the pages about one couple at two sizes, their runs alternating.

No timing is asserted: speed is read from `make bench`, never checked in a test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import databases, paired, run


@pytest.fixture
def copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[int, str]:
    """The same demo caseload under two sizes: what is compared is the mechanics, not
    speed."""
    monkeypatch.setenv("DATABASE_URL", "sqlite://")  # restored after the runs point it elsewhere
    monkeypatch.delenv("MEND_DEMO", raising=False)
    url, _ = databases.sqlite_database(20, tmp_path)
    found = {}
    for size in (20, 21):
        copy = tmp_path / f"copy-{size}.db"
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        found[size] = f"sqlite:///{copy}"
    return found


def test_compares_every_couple_page_at_the_two_sizes_and_tables_them(
    copies: dict[int, str],
) -> None:
    rows = paired.compare(copies, "sqlite", repeats=1, pages=["couple/progress", "log_session"])
    assert [(r.page, r.role) for r in rows] == [
        ("couple/progress", "counsellor"),
        ("couple/progress", "supervisor"),
        ("log_session", "counsellor"),
    ]
    assert all(r.smaller == 20 and r.larger == 21 and r.target == 1.2 for r in rows)
    assert all(r.smaller_ms > 0 and r.larger_ms > 0 for r in rows)
    written = paired.table(rows, repeats=1)
    assert "at 20 and 21 couples, in alternating runs" in written
    assert "caseload" not in written  # on PostgreSQL only
    assert "| log_session | counsellor | 20 / 21 | sqlite |" in written


def test_one_size_or_no_couple_page_compares_nothing(tmp_path: Path) -> None:
    assert paired.compare({20: "sqlite://"}, "sqlite", repeats=1) == []
    assert paired.compare({20: "a", 2000: "b"}, "sqlite", repeats=1, pages=["caseload"]) == []
    assert paired.table([], repeats=1) == ""


def test_compared_pages_are_the_couple_tabs_and_log_session() -> None:
    names = {page.name for page in paired.COMPARED_PAGES}
    assert "log_session" in names and "couple/progress" in names
    assert all(page.needs_case for page in paired.COMPARED_PAGES)
    assert {page.name for page in run.PAGES if page.needs_case} == names


def test_on_postgresql_the_supervisor_caseload_is_compared_warm_and_after_a_write(
    copies: dict[int, str],
) -> None:
    # The engine only labels the rows and chooses what is compared and against which
    # target: SQLite copies do for the mechanics.
    rows = paired.compare(copies, "postgresql", repeats=1, pages=["caseload"])
    assert [(r.page, r.role, r.after_write, r.target) for r in rows] == [
        ("caseload", "supervisor", False, 1.5),
        ("caseload", "supervisor", True, 1.5),
    ]
    written = paired.table(rows, repeats=1)
    assert "| caseload | supervisor | 20 / 21 | postgresql |" in written
    assert "| caseload, after a write | supervisor | 20 / 21 | postgresql |" in written
