"""The bench runs end to end at 20 couples (one repetition) and reports every page.

No timing is asserted: speed is read from `make bench`, never checked in a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report, run


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
    assert len(expected) == 14  # no session form for supervisors
    assert "| couple | counsellor | 20 | sqlite |" in capsys.readouterr().out
