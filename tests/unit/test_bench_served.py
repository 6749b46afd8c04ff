"""`python -m bench.served` without a browser: the figure sizes of the longest demo
couple, the simulated users it would send, the memory reading from /proc and the table.

No timing or size is asserted against its target: that is read from `make bench-served`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bench import served, served_browser
from core.db import Database
from core.demo import load_demo


@pytest.fixture
def demo_db(sqlite_db: Database) -> Database:
    load_demo(sqlite_db, couples=6, seed=1)
    return sqlite_db


def test_the_longest_couples_figures_are_built_and_measured(demo_db: Database) -> None:
    couple = served.longest_couple(demo_db)
    assert couple.rated_days >= 1
    sizes = served.couple_figures(demo_db, couple, served.datetime.now(served.UTC).date())
    assert any(name.startswith("trend") for name in sizes)
    assert all(size > 1000 for size in sizes.values())  # a plotly figure's JSON, not empty
    assert served.progress_tab_charts(sizes) >= 1
    rows = served.figure_rows(sizes, couple)
    assert len(rows) == len(sizes)
    assert all(row.met is not None and couple.case_code in row.what for row in rows)


def test_ten_users_each_open_couples_with_ratings_they_may_see(demo_db: Database) -> None:
    users = served.users_of(demo_db)
    assert [u.username for u in users] == list(served.USERS)
    assert all(u.case_codes for u in users)
    assert all(len(u.case_codes) <= served.COUPLES_PER_USER for u in users)
    assert all(u.password == served.LOGINS[u.username] for u in users)


def test_the_served_bench_starts_the_server_with_make_runs_malloc_settings() -> None:
    makefile = (served.ROOT / "Makefile").read_text()
    [line] = [line for line in makefile.splitlines() if line.startswith("SERVER_MALLOC :=")]
    settings = dict(pair.split("=") for pair in line.removeprefix("SERVER_MALLOC :=").split())
    assert settings == served_browser.SERVER_MALLOC
    [run] = [line for line in makefile.splitlines() if "/streamlit run app.py" in line]
    assert "$(SERVER_MALLOC)" in run


def test_memory_is_read_from_proc_for_this_process_and_its_children() -> None:
    assert served_browser.status_kb(os.getpid(), "VmRSS") > 0
    assert served_browser.status_kb(os.getpid(), "NoSuchField") == 0
    with served_browser.MemorySampler(os.getpid(), interval=0.01) as sampler:
        pass
    assert sampler.peak_kb > 0 and sampler.hwm_kb >= sampler.peak_kb // 2
    assert len(sampler.samples) >= 2


def test_the_table_and_results_file(tmp_path: Path) -> None:
    sampler = served_browser.MemorySampler(os.getpid())
    sampler.sample()
    journeys = [
        served_browser.Journey("counsellor1", login_ms=900.0, couple_ms=[1200.0, 1500.0]),
        served_browser.Journey("supervisor", error="TimeoutError: not drawn"),
    ]
    first = served_browser.Journey("supervisor", login_ms=2000.0, couple_ms=[3000.0])
    first.after_kb = 200 * 1024
    rows = served.memory_rows(sampler, 150 * 1024, journeys, 42.0, first)
    rows += served.navigation_rows(
        progress_ms=300.0,
        empty_ms=100.0,
        case_code="C-0001",
        progress_marks={"websocket open": 120.0, "chart drawn": 280.0},
        empty_marks={"websocket open": 90.0},
        path_marks={"websocket open": 190.0},
        chart_page_ms=200.0,
        path_empty_ms=150.0,
        vega_page_ms=210.0,
    )
    rows += served.in_app_rows(progress_ms=450.0, empty_ms=300.0, case_code="C-0001")
    rows.append(served.Measure("figure JSON: trend", "12.0 KB", "≤ 200 KB", True))
    text = served.table(rows)
    lines = text.splitlines()
    assert lines[0] == served.HEADER and all(line.count("|") == 5 for line in lines)
    # Not every user finished: the memory target is not called met.
    assert "| served app, peak resident memory, 2 users at once |" in text
    assert lines[2].endswith("| < 400 MB | **no** |")
    assert "| first visit before the others (1 user, 1 couple) | 5,000 ms, then 200 MB" in text
    assert "| users who finished (3 couple pages each) | 1 of 2 in 42 s |  |  |" in text
    assert "| Chromium: Progress tab / empty page | 3.0x | ≤ 2x | **no** |" in text
    assert (
        "C-0001's Progress tab (ms from navigation start, median of untimed navigations) | " in text
    )
    assert "| websocket open 120, chart drawn 280 |" in text
    assert "an empty page at a path (/two of bench/empty_pages.py) (ms from navigation " in text
    assert "| websocket open 190 |" in text
    # What Streamlit and plotly.js alone cost, beside the target's ratio.
    assert (
        "one small plotly chart at a path (/chart of bench/empty_pages.py), median | 200 ms" in text
    )
    assert "| Chromium: that page / empty page | 2.0x |  |  |" in text
    # The same small chart drawn by Streamlit's Vega-Lite chart, against plotly's.
    assert "one small Vega-Lite chart (st.line_chart) at a path (/vega of " in text
    assert "| Chromium: that page / the page with one small plotly chart | 1.05x |  |  |" in text
    # The same empty page at a path, as the couple page is: the ratio beside the target's.
    assert "empty page at a path (/two of bench/empty_pages.py), median | 150 ms |" in text
    assert "| Chromium: that page / empty page | 1.5x |  |  |" in text
    assert "| Chromium: Progress tab / empty page at a path | 2.0x |  |  |" in text
    assert "| Chromium: Progress tab / that page | 1.5x |  |  |" in text
    # The in-app navigation beside the full one, with its own ratio.
    assert "| Chromium, in-app: Progress tab / empty page | 1.5x | ≤ 2x | yes |" in text
    assert "| Chromium, in-app: the caseload's \"Open couple\" to C-0001's drawn " in text
    assert "| Chromium, in-app: an empty page's button to the other empty page drawn, " in text
    assert "| error: supervisor | TimeoutError: not drawn |  |  |" in text
    assert "| figure JSON: trend | 12.0 KB | ≤ 200 KB | yes |" in text
    results = tmp_path / "results-served.md"
    served.write_results(results, rows, couples=6, repeats=5)
    written = results.read_text()
    assert "CPUs" in written and "SQLite" in written and text in written
    assert "bench/empty_pages.py" in written and "In-app navigation" in written


def test_the_in_app_floor_is_two_empty_pages_that_open_each_other() -> None:
    """bench/empty_pages.py, run as the bench's server runs it: each page's button opens
    the other through st.switch_page (the titles the browser half waits for)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(served.ROOT / "bench" / "empty_pages.py"), default_timeout=30)
    at.run()
    assert [t.value for t in at.title] == ["Empty one"]
    for title in ["Empty two", "Empty one"]:
        at.button[0].click().run()
        assert not at.exception
        assert [t.value for t in at.title] == [title]


def _empty_pages_at(url_path: str) -> Any:
    """bench/empty_pages.py run with its page at `url_path` made the default (AppTest has
    no address)."""
    from streamlit.testing.v1 import AppTest

    script = (served.ROOT / "bench" / "empty_pages.py").read_text()
    script = script.replace(", default=True", "").replace(
        f'url_path="{url_path}"', f'url_path="{url_path}", default=True'
    )
    at = AppTest.from_string(script, default_timeout=30).run()
    assert not at.exception
    return at


def test_the_chart_floor_is_a_heading_and_one_small_chart_at_a_path() -> None:
    """bench/empty_pages.py's /chart: a heading and the one chart the browser half waits
    for."""
    at = _empty_pages_at("chart")
    assert [t.value for t in at.title] == ["One chart"]
    assert len(at.get("plotly_chart")) == 1


def test_the_vega_reference_is_the_same_small_chart_drawn_by_vega_lite() -> None:
    """bench/empty_pages.py's /vega: a heading and one Vega-Lite chart (st.line_chart) of
    the /chart page's three points."""
    at = _empty_pages_at("vega")
    assert [t.value for t in at.title] == ["One Vega chart"]
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1 and not at.get("plotly_chart")
