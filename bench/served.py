"""The served app at clinic scale: `make bench-served` (not in `make test` nor CI).

    python -m bench.served --couples 2000

Against a copy of the cached demo database (bench/databases.py; the cache is never
written), it measures what AppTest cannot:

- memory: Streamlit's own server, started as `make run` starts it (`core.cli init-db`
  first, then `streamlit run app.py` with the Makefile's malloc settings) on 127.0.0.1,
  its resident size sampled from /proc every 0.1 s (and the kernel's high-water mark,
  VmHWM) while 10 simulated users in headless Chromium, at the same time, each in a
  browser context of its own, log in, see their caseload drawn and open 3 couple pages
  (to the drawn Progress tab). Only four demo accounts can log in (core.demo), so the
  10 users are sessions of counsellor1, counsellor2 and the supervisor;
- navigation: in a logged-in Chromium tab, the median time from navigation to the couple
  Progress tab with its charts drawn (`.main-svg` in every visible plotly chart), against
  navigation to an empty Streamlit page (bench/empty_page.py, on a server of its own),
  after one warm-up of each; the couple is the demo couple with the most rated days;
- figure sizes: that couple's charts as the couple page builds them (core.charts' pure
  functions), `len(fig.to_json())` each.

Prints one table and writes bench/results-served.md. Speed is measured here, never in a
test; every wait is bounded and the servers and browsers are stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.databases import CACHE, sqlite_database
from bench.run import machine
from bench.served_browser import (
    CHROMIUM,
    Journey,
    MemorySampler,
    User,
    navigation_ms,
    simulated_users,
    streamlit_server,
)
from core import charts
from core.db import Database
from core.measures import PCPTSD5
from core.models import Counsellor, Couple, Measurement
from core.progress import TRACKED
from core.services import progress_views, safety
from core.services.access import Actor

ROOT = Path(__file__).resolve().parents[1]
RESULTS_MD = Path(__file__).resolve().parent / "results-served.md"
MEMORY_TARGET_MB = 400
NAVIGATION_TARGET = 2.0  # the Progress tab within 2x an empty page
FIGURE_TARGET_BYTES = 200 * 1024
# Who the 10 simulated users are: the demo accounts that can log in (core.demo).
LOGINS = {
    "counsellor1": "counsel-demo-1",
    "counsellor2": "counsel-demo-2",
    "supervisor": "supervise-demo",
}
USERS = ("counsellor1",) * 4 + ("counsellor2",) * 3 + ("supervisor",) * 3
COUPLES_PER_USER = 3


@dataclass(frozen=True)
class Measure:
    """One line of the table: what was measured, its figure, the target and whether met
    (None: no target, shown for reference)."""

    what: str
    value: str
    target: str = ""
    met: bool | None = None


HEADER = "| measure | value | target | met |"


def format_row(row: Measure) -> str:
    met = "" if row.met is None else ("yes" if row.met else "**no**")
    return f"| {row.what} | {row.value} | {row.target} | {met} |"


def table(rows: list[Measure]) -> str:
    return "\n".join([HEADER, "|---|---|---|---|", *map(format_row, rows)])


# --- the couple and its figures -------------------------------------------------------------


@dataclass(frozen=True)
class LongestCouple:
    couple_id: int
    case_code: str
    rated_days: int


def longest_couple(db: Database, counsellor_ids: list[int] | None = None) -> LongestCouple:
    """The couple with ratings on the most days (the longest charts); of `counsellor_ids`'
    couples if given. Ties: the lowest id."""
    days = func.count(func.distinct(Measurement.measured_on))
    query = (
        select(Couple.id, Couple.case_code, days)
        .join(Measurement, Measurement.couple_id == Couple.id)
        .group_by(Couple.id, Couple.case_code)
        .order_by(days.desc(), Couple.id)
        .limit(1)
    )
    if counsellor_ids is not None:
        query = query.where(Couple.counsellor_id.in_(counsellor_ids))
    with db.read() as session:
        couple_id, case_code, rated = session.execute(query).one()
    return LongestCouple(couple_id, case_code, rated)


def actor(db: Database, username: str) -> Actor:
    with db.read() as session:
        return Actor.of(session.scalars(select(Counsellor).filter_by(username=username)).one())


def couple_figures(db: Database, couple: LongestCouple, today: date) -> dict[str, int]:
    """The couple page's charts for `couple` (every tracked measure's trend, which the
    Progress tab shows one at a time; the 5 Cs profile; homework adherence; the Safety
    tab's PC-PTSD-5 totals), each built as the page builds it: its JSON size in bytes."""
    viewer = actor(db, "supervisor")  # sees every couple
    reference = progress_views.clinic_reference(db)
    result = progress_views.couple_progress(
        db, viewer, couple.couple_id, today=today, reference=reference
    )
    ratings, code = result.ratings, couple.case_code
    figures = {}
    rated = set(ratings["instrument"]) if len(ratings) else set()
    for key in TRACKED:
        if key in rated:
            figures[f"trend ({key})"] = charts.trend(ratings, key, reference.band, case_code=code)
    if "five_cs" in rated:
        figures["5 Cs profile"] = charts.five_cs_profile(ratings, case_code=code)
    if not result.adherence_by_week.empty:
        figures["homework adherence"] = charts.adherence_over_time(
            result.adherence_by_week, case_code=code
        )
    totals = safety.ptsd_totals(db, viewer, couple.couple_id)
    if not totals.empty:
        cutoff = float(PCPTSD5.cutoff or 0)
        figures["PC-PTSD-5 totals"] = charts.ptsd_over_time(totals, cutoff=cutoff, case_code=code)
    return {name: len(figure.to_json()) for name, figure in figures.items()}


def progress_tab_charts(sizes: dict[str, int]) -> int:
    """How many charts the Progress tab shows at once: one (the first measure's trend;
    the other trends, the 5 Cs profile and the adherence are each one click away) when
    the couple has ratings."""
    return 1 if any(name.startswith("trend") for name in sizes) else 0


def figure_rows(sizes: dict[str, int], couple: LongestCouple) -> list[Measure]:
    target = f"≤ {FIGURE_TARGET_BYTES // 1024} KB"
    return [
        Measure(
            f"figure JSON: {name}, {couple.case_code} ({couple.rated_days} rated days)",
            f"{size / 1024:,.1f} KB",
            target,
            size <= FIGURE_TARGET_BYTES,
        )
        for name, size in sizes.items()
    ]


# --- the served app ---------------------------------------------------------------------


def users_of(db: Database) -> list[User]:
    """The 10 simulated users, each with 3 couples to open (with ratings, so the Progress
    tab draws charts); sessions of one account open the next couples of its caseload (the
    supervisor's from the other end of the clinic), round again when it has too few."""
    users = []
    seen: dict[str, int] = {}
    for username in USERS:
        viewer = actor(db, username)
        query = select(Couple.case_code).where(Couple.id.in_(select(Measurement.couple_id)))
        if viewer.sees_every_caseload:  # colleagues' couples, not counsellor1's again
            query = query.order_by(Couple.id.desc()).limit(len(USERS) * COUPLES_PER_USER)
        else:
            query = query.where(Couple.counsellor_id == viewer.id).order_by(Couple.id)
        with db.read() as session:
            codes = session.scalars(query).all()
        nth = seen.get(username, 0)
        seen[username] = nth + 1
        start = nth * COUPLES_PER_USER
        picked = [codes[(start + i) % len(codes)] for i in range(COUPLES_PER_USER)] if codes else []
        users.append(User(username, LOGINS[username], tuple(dict.fromkeys(picked))))
    return users


def _first_visitor(users: list[User]) -> User:
    """A supervisor session opening one couple, before the others arrive."""
    codes = next((u.case_codes for u in users if u.username == "supervisor"), ())
    return User("supervisor", LOGINS["supervisor"], codes[-1:])


def memory_rows(
    sampler: MemorySampler,
    idle_kb: int,
    journeys: list[Journey],
    seconds: float,
    first: Journey | None = None,
) -> list[Measure]:
    peak_mb = max(sampler.hwm_kb, sampler.peak_kb) / 1024
    done = [j for j in journeys if not j.error]
    couple_ms = [ms for j in journeys for ms in j.couple_ms]
    rows = [
        Measure(
            f"served app, peak resident memory, {len(journeys)} users at once",
            f"{peak_mb:,.0f} MB",
            f"< {MEMORY_TARGET_MB} MB",
            peak_mb < MEMORY_TARGET_MB and len(done) == len(journeys),
        ),
        Measure("served app, resident memory when started (idle)", f"{idle_kb / 1024:,.0f} MB"),
        Measure(
            "served app, resident memory after the users left",
            f"{sampler.samples[-1][1] / 1024:,.0f} MB",
        ),
        Measure(
            f"users who finished ({COUPLES_PER_USER} couple pages each)",
            f"{len(done)} of {len(journeys)} in {seconds:,.0f} s",
        ),
    ]
    if first is not None:
        said = first.error or (
            f"{first.login_ms + sum(first.couple_ms):,.0f} ms, "
            f"then {first.after_kb / 1024:,.0f} MB resident"
        )
        rows.insert(2, Measure("first visit before the others (1 user, 1 couple)", said))
    if sampler.peak_with_children_kb > sampler.peak_kb:
        rows.append(
            Measure(
                "served app with its child processes, peak",
                f"{sampler.peak_with_children_kb / 1024:,.0f} MB",
            )
        )
    if done:
        logins = [j.login_ms for j in done]
        rows.append(Measure("under load: login to a drawn caseload, median", _ms(logins)))
    if couple_ms:
        rows.append(
            Measure("under load: a couple page to its drawn Progress tab, median", _ms(couple_ms))
        )
        rows.append(Measure("under load: the same, slowest", _ms([max(couple_ms)])))
    rows += [Measure(f"error: {j.username}", j.error) for j in journeys if j.error]
    return rows


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} ms"


def navigation_rows(
    progress_ms: float,
    empty_ms: float,
    case_code: str,
    progress_marks: dict[str, float] | None = None,
    empty_marks: dict[str, float] | None = None,
    path_marks: dict[str, float] | None = None,
    chart_page_ms: float | None = None,
    path_empty_ms: float | None = None,
    vega_page_ms: float | None = None,
) -> list[Measure]:
    ratio = progress_ms / empty_ms
    marks = [
        Measure(
            f"Chromium: where the time goes, {what} (ms from navigation start, median of "
            "untimed navigations)",
            ", ".join(f"{name} {ms:,.0f}" for name, ms in found.items()),
        )
        for what, found in (
            ("empty page", empty_marks),
            ("an empty page at a path (/two of bench/empty_pages.py)", path_marks),
            (f"{case_code}'s Progress tab", progress_marks),
        )
        if found
    ]
    return [
        Measure("Chromium: navigation to a drawn empty page, median", f"{empty_ms:,.0f} ms"),
        Measure(
            f"Chromium: navigation to {case_code}'s drawn Progress tab, median",
            f"{progress_ms:,.0f} ms",
        ),
        Measure(
            "Chromium: Progress tab / empty page",
            f"{ratio:.1f}x",
            f"≤ {NAVIGATION_TARGET:.0f}x",
            ratio <= NAVIGATION_TARGET,
        ),
        *_path_page_rows(progress_ms, empty_ms, path_empty_ms),
        *_chart_page_rows(progress_ms, empty_ms, chart_page_ms),
        *_vega_page_rows(empty_ms, chart_page_ms, vega_page_ms),
        *marks,
    ]


def _path_page_rows(
    progress_ms: float, empty_ms: float, path_empty_ms: float | None
) -> list[Measure]:
    """The same empty page at a path, as the couple page is at /couple: for such an
    address Streamlit's frontend first asks <path>/_stcore/health, gets a 404 and tries
    again 100 ms later at /, whatever the page."""
    if path_empty_ms is None:
        return []
    return [
        Measure(
            "Chromium: navigation to a drawn empty page at a path (/two of "
            "bench/empty_pages.py), median",
            f"{path_empty_ms:,.0f} ms",
        ),
        Measure("Chromium: that page / empty page", f"{path_empty_ms / empty_ms:.1f}x"),
        Measure(
            "Chromium: Progress tab / empty page at a path", f"{progress_ms / path_empty_ms:.1f}x"
        ),
    ]


def _chart_page_rows(
    progress_ms: float, empty_ms: float, chart_page_ms: float | None
) -> list[Measure]:
    """What Streamlit and plotly.js alone cost: a page at a path with one small chart."""
    if chart_page_ms is None:
        return []
    return [
        Measure(
            "Chromium: navigation to a drawn page with one small plotly chart at a path "
            "(/chart of bench/empty_pages.py), median",
            f"{chart_page_ms:,.0f} ms",
        ),
        Measure("Chromium: that page / empty page", f"{chart_page_ms / empty_ms:.1f}x"),
        Measure("Chromium: Progress tab / that page", f"{progress_ms / chart_page_ms:.1f}x"),
    ]


def _vega_page_rows(
    empty_ms: float, chart_page_ms: float | None, vega_page_ms: float | None
) -> list[Measure]:
    """The same small chart drawn by Streamlit's Vega-Lite chart instead of plotly: what a
    change of chart library would save a navigation."""
    if vega_page_ms is None or chart_page_ms is None:
        return []
    return [
        Measure(
            "Chromium: navigation to a drawn page with one small Vega-Lite chart "
            "(st.line_chart) at a path (/vega of bench/empty_pages.py), median",
            f"{vega_page_ms:,.0f} ms",
        ),
        Measure("Chromium: that page / empty page", f"{vega_page_ms / empty_ms:.1f}x"),
        Measure(
            "Chromium: that page / the page with one small plotly chart",
            f"{vega_page_ms / chart_page_ms:.2f}x",
        ),
    ]


def in_app_rows(progress_ms: float, empty_ms: float, case_code: str) -> list[Measure]:
    """The in-app navigation (no page reload, plotly.js loaded): the caseload's "Open
    couple" to the drawn Progress tab, against a button's st.switch_page between two
    empty pages; its ratio against the same target as the full navigation's."""
    ratio = progress_ms / empty_ms
    return [
        Measure(
            "Chromium, in-app: an empty page's button to the other empty page drawn, median",
            f"{empty_ms:,.0f} ms",
        ),
        Measure(
            f"Chromium, in-app: the caseload's \"Open couple\" to {case_code}'s drawn "
            "Progress tab, median",
            f"{progress_ms:,.0f} ms",
        ),
        Measure(
            "Chromium, in-app: Progress tab / empty page",
            f"{ratio:.1f}x",
            f"≤ {NAVIGATION_TARGET:.0f}x",
            ratio <= NAVIGATION_TARGET,
        ),
    ]


def init_like_make_run(env: dict[str, str]) -> None:
    """What `make run` does before it serves: `python -m core.cli init-db --demo-if-empty`
    in a process of its own (schema, exercise catalogue, and the clinic reference's first
    snapshot when there is none: the cached demo databases have none)."""
    subprocess.run(
        [sys.executable, "-m", "core.cli", "init-db", "--demo-if-empty"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )


def _memory(app_url: str, pid: int, users: list[User], timeout_s: float) -> list[Measure]:
    """The 10 users at once against the served app (process `pid`): its memory."""
    with MemorySampler(pid) as sampler:
        idle_kb = sampler.samples[0][1]
        # One user first: the fresh server's first run imports the app and fills its
        # caches (a row of its own); the 10 then find it warm, as after a clinic's first
        # login of the day. Concurrent first visits are a browser test of their own
        # (tests/e2e/test_a_first_request.py).
        [first] = simulated_users(app_url, [_first_visitor(users)], timeout_s)
        first.after_kb = sampler.sample()
        start = time.monotonic()
        journeys = simulated_users(app_url, users, timeout_s)
        seconds = time.monotonic() - start
    rows = memory_rows(sampler, idle_kb, journeys, seconds, first)
    print("\n".join(map(format_row, rows)), flush=True)
    return rows


def served_rows(
    url: str,
    repeats: int,
    timeout_s: float,
    logs: Path,
    users_count: int = len(USERS),
    navigation_only: bool = False,
) -> list[Measure]:
    """The memory and navigation measures against the database at `url` (written to:
    logins, audit); the navigation measures alone if `navigation_only`."""
    env = {**os.environ, "MEND_DEMO": "1", "DATABASE_URL": url}
    db = Database.from_url(url)
    try:
        users = users_of(db)[:users_count]
        timed_user = User("supervisor", LOGINS["supervisor"], ())
        couple = longest_couple(db)
        charts_shown = progress_tab_charts(couple_figures(db, couple, datetime.now(UTC).date()))
    finally:
        db.dispose()
    rows = []
    init_like_make_run(env)
    with streamlit_server("app.py", env, logs / "app.log") as (app_url, pid):
        time.sleep(2)  # settled after start
        if not navigation_only:
            rows += _memory(app_url, pid, users, timeout_s)
        with (
            streamlit_server("bench/empty_page.py", env, logs / "empty.log") as (empty_url, _),
            streamlit_server("bench/empty_pages.py", env, logs / "pages.log") as (pages_url, _),
        ):
            navigation = navigation_ms(
                app_url,
                empty_url,
                timed_user,
                couple.case_code,
                charts_shown,
                repeats,
                timeout_s,
                pages_url=pages_url,
            )
        timed = navigation_rows(
            navigation.progress_ms,
            navigation.empty_ms,
            couple.case_code,
            navigation.progress_marks,
            navigation.empty_marks,
            navigation.path_marks,
            navigation.chart_page_ms,
            navigation.path_empty_ms,
            navigation.vega_page_ms,
        )
        if navigation.in_app is not None:
            timed += in_app_rows(
                navigation.in_app.progress_ms, navigation.in_app.empty_ms, couple.case_code
            )
        print("\n".join(map(format_row, timed)), flush=True)
    return rows + timed


# --- output ---------------------------------------------------------------------------------


def write_results(
    path: Path, rows: list[Measure], couples: int, repeats: int, users: int = len(USERS)
) -> None:
    path.write_text(
        "# Served app: memory, navigation in Chromium, figure sizes\n\n"
        f"Written by `python -m bench.served --couples {couples}` (`make bench-served`) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, SQLite demo database of {couples:,} "
        "couples (a copy of bench/.cache's).\n\n"
        f"Machine: {machine()}; headless Chromium ({CHROMIUM}) driven by Playwright.\n\n"
        "Memory: `python -m core.cli init-db --demo-if-empty`, then `streamlit run app.py` "
        "(as `make run`, with its malloc settings) on 127.0.0.1, its resident size "
        f"read from /proc/PID/status every 0.1 s and its VmHWM, while {users} Chromium contexts "
        f"at once log in, see the caseload drawn and open {COUPLES_PER_USER} couple pages "
        "each, to the drawn Progress tab (4 sessions of counsellor1, 3 of counsellor2, 3 of "
        "the supervisor: the demo accounts that can log in), after one first visit alone "
        "(a supervisor opening one couple): the fresh server's first run imports the app "
        "and fills its caches, timed on its own. "
        "Navigation: a logged-in tab, "
        f"median of {repeats} after one warm-up, interleaved, navigation until the page's run "
        "is over and every visible plotly chart has its `.main-svg`; the empty page "
        "(bench/empty_page.py) on a Streamlit server of its own (the same "
        ".streamlit/config.toml); where the time goes: 3 more navigations to each with an "
        "in-page recorder (websocket open, first and last message, first heading, the chart's "
        "element and its first drawing), not in the timed ones; and to the empty page at a "
        "path, /two of bench/empty_pages.py: the couple page is at /couple, and for an "
        "address with a path Streamlit's frontend first pings <path>/_stcore/health and "
        "host-config (404), waits its first retry delay (100 ms), then pings /, so the "
        "websocket opens about 100 ms later than at / whatever the app. Interleaved with "
        "the timed navigations: that empty page at a path (/two), the page's like for the "
        "couple page's address; and a page at a path with a heading and one plotly chart of "
        "three points (/chart of bench/empty_pages.py): what Streamlit and plotly.js alone "
        "cost a navigation to a drawn chart; and the same three points drawn by Streamlit's "
        "Vega-Lite chart (/vega, st.line_chart, drawn when its canvas is): what another "
        "chart library would cost. In-app navigation (rows "
        '"Chromium, in-app"): in the same logged-in context, after the timed navigations '
        "and one warm-up of each, the same number of interleaved in-app navigations (no "
        "page reload: plotly.js stays loaded), timed from the click to the drawn page: "
        "the caseload's \"Open couple\" (the couple found with the caseload's search and "
        "chosen in its list, untimed; the form's submit reruns the caseload, then "
        "st.switch_page, as selecting its row does) to the couple's drawn Progress tab, "
        "against a button's st.switch_page between the two empty pages of "
        "bench/empty_pages.py (st.navigation, on a Streamlit server of its own). "
        "Figure sizes: "
        "`len(fig.to_json())` of the couple page's charts (core.charts) for the demo couple "
        "with the most rated days.\n\n" + table(rows) + "\n"
    )


def work_copy(couples: int, cache: Path, into: Path) -> str:
    """A copy of the cached demo database (built if missing) in `into`: the app writes
    logins and audit events, so the cache itself is never opened."""
    url, _ = sqlite_database(couples, cache)
    work = into / f"served-{couples}.db"
    shutil.copyfile(url.removeprefix("sqlite:///"), work)
    return f"sqlite:///{work}"


def figures_only(url: str) -> list[Measure]:
    db = Database.from_url(url)
    try:
        couple = longest_couple(db)
        return figure_rows(couple_figures(db, couple, datetime.now(UTC).date()), couple)
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.served", description=__doc__)
    parser.add_argument("--couples", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=CACHE, help="where demo databases are kept")
    parser.add_argument("--results", type=Path, default=RESULTS_MD)
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds for the 10 users (and the timing)"
    )
    parser.add_argument(
        "--users", type=int, default=len(USERS), help="fewer simulated users (a smoke run)"
    )
    parser.add_argument(
        "--figures-only", action="store_true", help="no server, no browser: figure sizes only"
    )
    parser.add_argument(
        "--navigation-only",
        action="store_true",
        help="no simulated users: the figure sizes and the navigation measures only",
    )
    args = parser.parse_args(argv)
    print(f"Machine: {machine()}\n\n{HEADER}\n|---|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory(prefix="mend-served-") as work:
        url = work_copy(args.couples, args.cache, Path(work))
        rows = figures_only(url)
        print("\n".join(map(format_row, rows)), flush=True)
        if not args.figures_only:
            rows += served_rows(
                url, args.repeats, args.timeout, Path(work), args.users, args.navigation_only
            )
    print("\n" + table(rows) + "\n")
    write_results(args.results, rows, args.couples, args.repeats, args.users)
    print(f"Wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
