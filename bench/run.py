"""Every page at clinic scale against its floor: `make bench` (SQLite) and
`make bench-large` (PostgreSQL, `--engine postgresql`).

For each demo database size (built once and cached: SQLite files in bench/.cache/,
PostgreSQL databases of their own on the server of `--postgres-url`, see
bench/databases.py) and each page, as a counsellor and as a supervisor (the admin page
as the admin), it times:

- warm: the page's run through AppTest after app.py registered the pages (AppTest
  then reruns the page's script itself, without app.py's login gate), median of
  `--repeats` reruns after one warm-up run, each script compiled once and each run's
  reads audited as a server does (`served_page_runs`). The couple page runs only its
  open tab, so
  it has one row per tab the role sees (couple/progress, couple/sessions, ...: the tab
  in the address, ?tab=...), each with the couple page's floor;
- after write: the same run right after another counsellor (counsellor2) saved a note
  with ratings through `sessions.record_session` (median of `--repeats` write + run,
  each after a warm run);
- floor: an empty Streamlit page's AppTest run, timed between the page's own warm runs
  (so both are measured in the same seconds), plus a bare `pd.read_sql` of the rows the
  page shows (see `floor_queries` for the approximation of each page).

Prints one table and writes bench/results.md (bench/results-postgresql.md for
PostgreSQL). Speed is measured here, never in a test.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session as OrmSession

from bench import report
from bench.databases import CACHE, sqlite_database, work_database
from core.db import Database
from core.domain import CoupleStatus
from core.models import Counsellor, Couple
from core.models import Session as SessionRow
from core.services import sessions
from core.services.access import Actor

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
EMPTY_PAGE = str(Path(__file__).resolve().parent / "empty_page.py")
RESULTS_MD = Path(__file__).resolve().parent / "results.md"
RESULTS_POSTGRES_MD = Path(__file__).resolve().parent / "results-postgresql.md"
SEARCH_WORD = "boundary"
SAFETY_BANNER = "**Open safety concern."
DUE_SOON_DAYS = 7
RATINGS = {
    "A": {
        "five_cs": dict(care=3, communication=4, character=5, consistency=2, competence=6),
        "csi4": {"q1": 2, "q2": 3, "q3": 2, "q4": 3},
        "distress": {"distress": 7},
    },
    "B": {
        "five_cs": dict(care=6, communication=5, character=7, consistency=4, competence=8),
        "csi4": {"q1": 4, "q2": 4, "q3": 3, "q4": 4},
        "distress": {"distress": 3},
    },
}


@dataclass(frozen=True)
class Context:
    """Who and what the pages are opened with in one database."""

    db: Database
    users: dict[str, Actor]  # counsellor, supervisor, admin, writer
    case_code: str  # a couple of counsellor1's (the couple and log-session pages)
    couple_id: int
    writer_couple_id: int  # a couple of counsellor2's: where the rating is saved
    today: date


# --- floors: a bare read of the rows each page shows (approximations) --------------------


def _scope(role: str) -> str:
    return "1 = 1" if role in ("supervisor", "admin") else "c.counsellor_id = :me"


def floor_queries(page: str, role: str) -> list[str]:
    """SQL for the rows `page` shows to `role`; :me, :couple, :due, :today, :word are
    bound."""
    scope = _scope(role)
    couples = (
        "SELECT c.id, c.case_code, c.status, c.intake_date, c.counsellor_id, pa.name, pb.name "
        "FROM couples c JOIN partners pa ON pa.couple_id = c.id AND pa.label = 'A' "
        "JOIN partners pb ON pb.couple_id = c.id AND pb.label = 'B' "
    )
    one_couple = couples + "WHERE c.id = :couple"
    if page == "caseload":  # one row per couple in scope, with both partners' names
        return [couples + f"WHERE {scope}"]
    if page == "couple":  # header, notes, ratings, homework and screens of one couple
        return [
            one_couple,
            "SELECT * FROM sessions WHERE couple_id = :couple",
            "SELECT * FROM measurements WHERE couple_id = :couple",
            "SELECT * FROM assignments WHERE couple_id = :couple",
            "SELECT s.* FROM safety_screens s JOIN partners p ON p.id = s.partner_id "
            "WHERE p.couple_id = :couple",
        ]
    if page == "log_session":  # the header, its safety banner, the homework to review
        return [
            one_couple,
            "SELECT s.* FROM safety_screens s JOIN partners p ON p.id = s.partner_id "
            "WHERE p.couple_id = :couple AND s.status = 'open'",
            # each review shows the exercise's title and questions as given
            "SELECT a.*, v.title, v.prompts FROM assignments a "
            "JOIN exercise_versions v ON v.id = a.exercise_version_id "
            "WHERE a.couple_id = :couple AND a.status IN ('assigned', 'in_progress') "
            "AND a.due_on <= :today",
        ]
    if page == "homework_due":
        return [
            "SELECT a.id, c.case_code, a.due_on, a.status, v.title FROM assignments a "
            "JOIN couples c ON c.id = a.couple_id "
            "JOIN exercise_versions v ON v.id = a.exercise_version_id "
            "WHERE a.status IN ('assigned', 'in_progress') AND a.due_on <= :due "
            f"AND c.status != 'closed' AND {scope}"
        ]
    if page == "library":  # the exercises; for a counsellor, the couples to assign to
        exercises = (
            "SELECT e.slug, v.* FROM exercises e JOIN exercise_versions v "
            "ON v.exercise_id = e.id AND v.version = e.current_version WHERE NOT e.retired"
        )
        if role != "counsellor":
            return [exercises]
        return [
            exercises,
            couples + "WHERE c.counsellor_id = :me AND c.status IN ('intake', 'active', 'paused')",
        ]
    if page == "supervision":  # one row per couple (the status table) and per counsellor
        return [
            couples + f"WHERE {scope}",
            "SELECT id, display_name FROM counsellors WHERE role = 'counsellor'",
        ]
    if page == "search":
        return [
            "SELECT s.id, c.case_code, s.session_date, s.note_data, s.note_assessment, "
            "s.note_plan FROM sessions s JOIN couples c ON c.id = s.couple_id "
            "WHERE (s.note_data LIKE :word OR s.note_assessment LIKE :word "
            f"OR s.note_plan LIKE :word) AND {scope} ORDER BY s.session_date DESC LIMIT 50"
        ]
    if page == "admin/accounts":
        return ["SELECT id, username, display_name, role, active FROM counsellors"]
    if page == "admin/audit-log":
        return ["SELECT * FROM audit_events ORDER BY at DESC, id DESC LIMIT 1000"]
    raise ValueError(page)


# --- the pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    roles: tuple[str, ...] = ("counsellor", "supervisor")
    needs_case: bool = False
    state: dict[str, Any] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)  # in the address, e.g. the tab
    floor: str = ""  # whose floor_queries (default: the name)

    @property
    def floor_page(self) -> str:
        return self.floor or self.name

    def chosen(self, names: list[str] | None) -> bool:
        """In `--pages` (a couple tab by its row name, e.g. couple/homework, or with all
        its tabs by the page's, couple)."""
        return not names or self.name in names or self.floor_page in names


# The couple page's tabs (pages/couple.py) and who sees each: only the open tab runs.
COUPLE_TABS = {
    "Progress": ("counsellor", "supervisor"),
    "Sessions": ("counsellor", "supervisor"),
    "Homework": ("counsellor", "supervisor"),
    "Safety": ("counsellor", "supervisor"),
    "Check-ins": ("counsellor", "supervisor"),
    "Edit details": ("counsellor",),  # the couple's own counsellor
    "Status": ("counsellor",),
    "Reassign": ("supervisor",),
}

PAGES = (
    Page("caseload", "pages/caseload.py"),
    *(
        Page(
            "couple/" + label.lower().replace(" ", "-"),
            "pages/couple.py",
            roles=roles,
            needs_case=True,
            query={"tab": label},
            floor="couple",
        )
        for label, roles in COUPLE_TABS.items()
    ),
    Page("log_session", "pages/log_session.py", needs_case=True, roles=("counsellor",)),
    Page("homework_due", "pages/homework_due.py"),
    Page("library", "pages/library.py"),
    Page("supervision", "pages/supervision.py", roles=("supervisor",)),
    Page("search", "pages/search.py", state={"note_search": SEARCH_WORD}),
    # The admin page's tabs (only the open one runs, as on the couple page).
    Page("admin/accounts", "pages/admin.py", roles=("admin",), query={"tab": "Accounts"}),
    Page("admin/audit-log", "pages/admin.py", roles=("admin",), query={"tab": "Audit log"}),
)


@dataclass
class Row:
    page: str
    role: str
    size: int
    engine: str
    median_ms: float
    after_write_ms: float
    floor_ms: float

    @property
    def ratio(self) -> float:
        return self.median_ms / self.floor_ms

    @property
    def write_ratio(self) -> float:
        return self.after_write_ms / self.median_ms


@contextmanager
def served_script_cache() -> Iterator[None]:
    """AppTest compiles app.py and the page's script afresh on every run (a new
    ScriptCache per run: streamlit.testing.v1.app_test and local_script_runner); a served
    app compiles each script once per process (the Runtime's one ScriptCache). One cache
    shared by every AppTest of the bench, as the server does, so a page's time is its run,
    not its compilation (about 5-10 ms a run for the couple page's scripts, nothing for the
    empty page's two lines)."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    originals = app_test.ScriptCache, local_script_runner.ScriptCache
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        app_test.ScriptCache, local_script_runner.ScriptCache = originals  # type: ignore[misc]


@contextmanager
def served_page_runs() -> Iterator[None]:
    """Each page run wrapped as app.py wraps it (`page_reads.audited`: one audit event per
    couple and page view, none again on a rerun within READ_REPEAT). After switch_page,
    AppTest runs the page's script itself, without app.py, so each audited read would
    commit an event of its own: 3 to 7 commits a couple-page run that the served app
    never makes."""
    from streamlit.navigation.page import StreamlitPage

    from core.services import audit
    from pages.components import page_reads

    original = StreamlitPage.run

    def run_audited(page: StreamlitPage) -> None:
        if audit._page.get() is not None:  # app.py's own run: already wrapped
            return original(page)
        import streamlit as st

        with page_reads.audited(page, st.session_state.get("user")):
            return original(page)

    StreamlitPage.run = run_audited  # type: ignore[method-assign]
    try:
        with served_script_cache():
            yield
    finally:
        StreamlitPage.run = original  # type: ignore[method-assign]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return 1000 * (time.perf_counter() - start)


def checked_run(at: Any) -> None:
    at.run()
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception}")


def open_page(ctx: Context, page: Page, role: str) -> Any:
    """An AppTest logged in as `role`, switched to `page` (not yet run there)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["user"] = ctx.users[role]
    for key, value in page.state.items():
        at.session_state[key] = value
    if page.needs_case:
        at.query_params["case"] = ctx.case_code
    for key, value in page.query.items():
        at.query_params[key] = value
    checked_run(at)  # app.py's default page registers the pages for this user
    at.switch_page(page.path)
    return at


def save_rating_elsewhere(ctx: Context) -> None:
    """What a busy clinic does between two page views: another counsellor saves ratings."""
    sessions.record_session(
        ctx.db,
        ctx.users["writer"],
        ctx.writer_couple_id,
        {
            "session_date": ctx.today,
            "duration_minutes": 50,
            "modality": "in_person",
            "attendees": "joint",
            "note_data": "Bench session.",
            "ratings": RATINGS,
        },
        today=ctx.today,
    )


def page_ms(
    ctx: Context, page: Page, role: str, repeats: int, empty_run: Callable[[], float]
) -> tuple[float, float, float]:
    """Median warm run, median run right after a rating saved elsewhere, and the median
    of the empty page's runs (`empty_run`), the three in turn (empty, warm, save and
    run): a page, its floor and its run after a write measured in the same seconds, so
    a machine that speeds up or slows down moves them alike (each warm run follows the
    last run after a write, which brought the page up to it)."""
    at = open_page(ctx, page, role)
    checked_run(at)  # warm-up
    # A page that refuses or fails on the bench data measures nothing (the safety banner,
    # an st.error on couples with an open concern, is content, not a failure).
    errors = [e.value for e in at.error if not e.value.startswith(SAFETY_BANNER)]
    if errors:
        raise RuntimeError(f"{page.name} as {role}: {errors}")
    if (tab := page.query.get("tab")) and [t.label for t in at.tabs if t.children] != [tab]:
        raise RuntimeError(f"{page.name} as {role}: the {tab} tab did not open")
    warm, empty, after = [], [], []
    for _ in range(repeats):
        empty.append(empty_run())
        warm.append(timed(lambda: checked_run(at)))
        save_rating_elsewhere(ctx)
        after.append(timed(lambda: checked_run(at)))
    return statistics.median(warm), statistics.median(after), statistics.median(empty)


def empty_page() -> Callable[[], float]:
    """A timer of an empty page's run, timed as the pages are: a rerun of a warm AppTest
    (one AppTest for the whole size, warmed up here)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(EMPTY_PAGE, default_timeout=60)
    checked_run(at)
    return lambda: timed(lambda: checked_run(at))


def fresh_empty_page_ms(repeats: int) -> float:
    """A new AppTest of the empty page and its first run: shown for reference, not in
    the floor (no page is timed that way)."""
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    def fresh() -> None:
        at = AppTest.from_file(EMPTY_PAGE, default_timeout=60)
        set_log_level("error")  # a new AppTest sets Streamlit's loggers afresh
        checked_run(at)

    fresh()
    return statistics.median(timed(fresh) for _ in range(repeats))


def read_ms(ctx: Context, page: str, role: str, repeats: int) -> float:
    params = {
        "me": ctx.users[role].id,
        "couple": ctx.couple_id,
        "due": ctx.today + timedelta(days=DUE_SOON_DAYS),
        "today": ctx.today,
        "word": f"%{SEARCH_WORD}%",
    }
    queries = floor_queries(page, role)

    def read() -> None:
        with ctx.db.engine.connect() as connection:
            for sql in queries:
                used = {k: v for k, v in params.items() if f":{k}" in sql}
                pd.read_sql(text(sql), connection, params=used)

    read()
    return statistics.median(timed(read) for _ in range(repeats))


def context(url: str) -> Context:
    db = Database.from_url(url)
    with db.read() as session:

        def account(username: str) -> Actor:
            return Actor.of(session.scalars(select(Counsellor).filter_by(username=username)).one())

        mine = typical_couple(session)
        own = Actor.of(session.get_one(Counsellor, mine.counsellor_id))
        writer = account("counsellor2" if own.username != "counsellor2" else "counsellor1")
        users = {
            "counsellor": own,
            "supervisor": account("supervisor"),
            "admin": account("admin"),
            "writer": writer,
        }
        theirs = session.scalars(
            select(Couple).filter_by(counsellor_id=writer.id).order_by(Couple.id).limit(1)
        ).one()
        return Context(db, users, mine.case_code, mine.id, theirs.id, datetime.now(UTC).date())


TYPICAL_SESSIONS = 30
# The couple pages and log session open one of the first COMPARED couples by case code:
# every demo size holds them with the same history (core.demo draws the couples in order
# from one seeded stream: the same statuses, sessions and homework, ratings within a
# few), so the sizes are compared on one couple. Its counsellor opens the pages.
COMPARED = 20


def typical_couple(session: OrmSession) -> Couple:
    """Of the first COMPARED couples, the active one whose number of sessions is nearest
    TYPICAL_SESSIONS (then the lowest case code): a couple page costs what the couple's
    own history holds, and a couple chosen among others (the nearest to 30 sessions of a
    counsellor's caseload) had another history at each size: at 20 couples no homework
    due, at 2,000 three to review, each with a form of ten fields."""
    first = select(Couple.id).order_by(Couple.case_code).limit(COMPARED)
    sessions_held = (
        select(func.count(SessionRow.id)).where(SessionRow.couple_id == Couple.id).scalar_subquery()
    )
    return session.scalars(
        select(Couple)
        .where(Couple.id.in_(first), Couple.status == CoupleStatus.ACTIVE)
        .order_by(func.abs(sessions_held - TYPICAL_SESSIONS), Couple.case_code)
        .limit(1)
    ).one()


def bench_size(
    url: str,
    size: int,
    repeats: int,
    engine: str = "sqlite",
    pages: list[str] | None = None,
    notes: list[str] | None = None,
) -> list[Row]:
    """The rows of one database; what the floors are made of is added to `notes`."""
    notes = [] if notes is None else notes
    import streamlit as st
    from streamlit.logger import set_log_level

    set_log_level("error")  # no "missing ScriptRunContext" from service calls made here

    st.cache_data.clear()
    st.cache_resource.clear()
    gc.collect()
    os.environ["DATABASE_URL"] = url  # read by pages/ui.py on every run
    with served_page_runs():
        return _bench_pages(url, size, repeats, engine, pages, notes)


def _bench_pages(
    url: str, size: int, repeats: int, engine: str, pages: list[str] | None, notes: list[str]
) -> list[Row]:
    import streamlit as st

    ctx = context(url)
    empty_run = empty_page()
    empties = []
    rows = []
    for page in [p for p in PAGES if p.chosen(pages)]:
        for role in page.roles:
            warm, after, empty = page_ms(ctx, page, role, repeats, empty_run)
            empties.append(empty)
            floor = empty + read_ms(ctx, page.floor_page, role, repeats)
            row = Row(page.name, role, size, engine, warm, after, floor)
            print(_format_row(row), flush=True)
            rows.append(row)
    warm, after = report.report_ms(ctx, repeats, lambda: save_rating_elsewhere(ctx))
    floor = report.browser_floor_ms(repeats) + read_ms(ctx, "couple", "counsellor", repeats)
    row = Row(report.PAGE, "counsellor", size, engine, warm, after, floor)
    print(_format_row(row), flush=True)
    rows.append(row)
    if empties:
        notes.append(
            f"{size:,} couples, {engine}: the empty page's run (timed between each row's "
            f"warm runs, in that row's floor) {min(empties):.1f}-{max(empties):.1f} ms; a "
            f"new AppTest and its first run {fresh_empty_page_ms(repeats):.0f} ms"
        )
    st.cache_resource.clear()
    ctx.db.dispose()
    return rows


# --- output ---------------------------------------------------------------------------------

HEADER = (
    "| page | role | size | engine | median ms | floor ms | ratio "
    "| after write ms | after write / warm |"
)


def _format_row(row: Row) -> str:
    return (
        f"| {row.page} | {row.role} | {row.size:,} | {row.engine} | {row.median_ms:,.0f} "
        f"| {row.floor_ms:,.0f} | {row.ratio:.1f}x | {row.after_write_ms:,.0f} "
        f"| {row.write_ratio:.2f}x |"
    )


def table(rows: list[Row]) -> str:
    return "\n".join([HEADER, _rule(), *map(_format_row, rows)])


def _rule() -> str:
    return "|" + "---|" * (HEADER.count("|") - 1)


def machine(postgres_url: str | None = None) -> str:
    described = (
        f"{platform.platform()}; {os.cpu_count()} CPUs ({platform.processor() or 'unknown'}); "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
        f"pandas {pd.__version__}"
    )
    if postgres_url:
        db = Database.from_url(postgres_url)
        try:
            with db.engine.connect() as connection:
                version = connection.execute(text("SHOW server_version")).scalar()
        finally:
            db.dispose()
        described += f"; PostgreSQL {version} on the same machine"
    return described


def write_results(
    rows: list[Row], path: Path, repeats: int, described: str, notes: list[str]
) -> None:
    postgres = any(row.engine == "postgresql" for row in rows)
    path.write_text(
        "# Bench results\n\n"
        f"Written by `python -m bench.run` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n\n"
        f"Machine: {described}.\n\n"
        f"Median of {repeats} runs after one warm-up; every run is AppTest's run of the "
        "page after `switch_page` from app.py (AppTest then runs the page's script itself: "
        "app.py's login gate and sidebar are not in the time; `make bench-served` times "
        "the served app; on the couple page the tab of the row, the only one that runs; "
        "scripts compiled once and a run's reads audited as one event per couple, as the "
        "served app does, not at every AppTest run and read). The couple pages and log "
        "session open one couple at every size, with the same history (`typical_couple`: "
        "of the first 20 case codes, the active one nearest 30 sessions), as its own "
        "counsellor, who is the counsellor of the other rows too. *After write*: the run "
        "right after another counsellor saved a note with ratings through the service, "
        "each warm run followed by one. *Floor*: an empty Streamlit page's AppTest run, "
        "timed like the pages (a rerun of a warm AppTest) before each of the page's warm "
        "runs (the median of those), plus a "
        "bare `pd.read_sql` of the rows the page shows (see `floor_queries` in "
        "bench/run.py). The report row: one couple's clinician PDF through the service "
        "(bench/report.py), its floor the warm kaleido browser (kept open between reports) "
        "drawing one empty chart plus the couple's bare reads. "
        + (
            "SQLite at 20, 200 and 2,000 couples: `make bench`, bench/results.md."
            if postgres
            else "PostgreSQL at 2,000 and 20,000 couples: `make bench-large`, "
            "bench/results-postgresql.md."
        )
        + "\n\n"
        + table(rows)
        + "\n\n"
        + "".join(f"- {note}\n" for note in notes)
    )


def sqlite_work_copy(size: int, cache: Path) -> str:
    """A copy of the cached SQLite demo database of `size` couples, for one bench run."""
    url, _ = sqlite_database(size, cache)
    work = cache / f"work-{size}.db"
    shutil.copyfile(url.removeprefix("sqlite:///"), work)
    return f"sqlite:///{work}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 200, 2000])
    # 9: runs of 10-40 ms on a shared 2-core machine; with 5, log session at 200 couples
    # was 5.6x its floor in one run and 7.4x in the next, minutes apart, the same code.
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("MEND_TEST_POSTGRES_URL"),
        help="the PostgreSQL server to build the demo databases on (--engine postgresql); "
        "default MEND_TEST_POSTGRES_URL",
    )
    parser.add_argument("--cache", type=Path, default=CACHE, help="where demo databases are kept")
    parser.add_argument("--results", type=Path, help="the markdown to write")
    parser.add_argument("--pages", nargs="+", help="only these pages (e.g. caseload couple)")
    args = parser.parse_args(argv)
    postgres = args.engine == "postgresql"
    if postgres and not args.postgres_url:
        parser.error("--engine postgresql needs --postgres-url or MEND_TEST_POSTGRES_URL")
    results = args.results or (RESULTS_POSTGRES_MD if postgres else RESULTS_MD)
    described = machine(args.postgres_url if postgres else None)
    print(f"Machine: {described}\n")
    print(HEADER)
    print(_rule(), flush=True)
    rows: list[Row] = []
    notes: list[str] = []
    with ExitStack() as work:
        urls = {}
        for size in args.sizes:
            # The bench saves notes: it works on a copy, so the cached database never drifts.
            if postgres:
                urls[size] = work.enter_context(work_database(args.postgres_url, size))
            else:
                urls[size] = sqlite_work_copy(size, args.cache)
            rows += bench_size(urls[size], size, args.repeats, args.engine, args.pages, notes)
        print("\n" + table(rows) + "\n")
        print("\n".join(notes) + "\n")
        from bench import paired  # it builds on this module

        paired_repeats = max(args.repeats, paired.MIN_REPEATS)
        compared = paired.compare(urls, args.engine, paired_repeats, args.pages)
    write_results(rows, results, args.repeats, described, notes)
    if compared:
        with results.open("a") as out:
            out.write("\n" + paired.table(compared, paired_repeats) + "\n")
    print(f"\nWrote {results}")
    return 0


if __name__ == "__main__":
    # The module's one instance (bench.paired imports it), not a second one as __main__.
    from bench.run import main as bench_main

    sys.exit(bench_main())
