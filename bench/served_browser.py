"""The browser half of `python -m bench.served`: Streamlit's own server on 127.0.0.1,
its memory read from /proc while headless Chromium (Playwright, Debian's chromium) drives
it, and the time from navigation to a drawn page.

Everything here is bounded: each server is started in a process group of its own and
stopped (then killed) on the way out; every browser wait has a timeout, and the whole
load has one too."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [  # the browser tests' too (tests/e2e/conftest.py)
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# glibc malloc settings of the server process: the Makefile's SERVER_MALLOC (why: there),
# so what is measured and tested is what `make run` serves.
SERVER_MALLOC = {"MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": "131072"}
COOKIE = "mend_login"
WAIT_MS = 180_000  # one page on a loaded 2-core machine

# True once Streamlit has finished the run and every visible plotly chart is drawn
# (its `.main-svg` exists); `charts` is how many charts must at least be visible.
DRAWN = """(charts) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  const shown = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .filter((c) => c.checkVisibility());
  return shown.length >= charts && shown.every((c) => c.querySelector('.main-svg'));
}"""
# Where a navigation's time goes, read in the page: ms from its navigation start to the
# websocket's opening, its first and last message, the first heading, the first chart's
# element and its first drawn chart. Installed only for navigations after the timed ones
# (its DOM observer, busier on the bigger page, is in no timing compared).
RECORDER = """(() => {
  const m = window.__mendMarks = {};
  const mark = (k) => { if (!(k in m)) m[k] = performance.now(); };
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    ws.addEventListener('open', () => mark('websocket open'));
    ws.addEventListener('message', () => {
      mark('first message'); m['last message'] = performance.now();
    });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, Native);
  new MutationObserver(() => {
    if (document.querySelector('h1')) mark('first heading');
    if (document.querySelector('[data-testid="stPlotlyChart"]')) mark('chart element');
    if (document.querySelector('.main-svg')) mark('chart drawn');
  }).observe(document, {subtree: true, childList: true});
})();"""
MARKS = (
    "websocket open",
    "first message",
    "first heading",
    "last message",
    "chart element",
    "chart drawn",
)
EMPTY_DRAWN = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && [...document.querySelectorAll('h1')].some((h) => h.textContent.includes('Empty'));
}"""
# bench/empty_pages.py's /vega drawn: its run over, the Vega-Lite chart on its canvas (or
# SVG), as DRAWN waits for plotly's.
VEGA_DRAWN = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  const chart = document.querySelector('[data-testid="stVegaLiteChart"]');
  return !!chart && !!chart.querySelector('canvas, svg.marks');
}"""
# bench/empty_pages.py's page `title` drawn: its run over, its heading the one shown.
TITLE_DRAWN = """(title) => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidget"]')
    && [...document.querySelectorAll('h1')].map((h) => h.textContent.trim()).join() === title;
}"""


# --- the server and its memory -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(script: str, env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """`streamlit run script` on a free port of 127.0.0.1 (the command `make run` runs,
    with its malloc settings); yields its URL and process id; stops the whole process
    group afterwards."""
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                script,
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env={**env, **SERVER_MALLOC},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one below
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(url, server)
            yield url, server.pid
        finally:
            _stop(server)


def _wait_until_healthy(url: str, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited early with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the server did not answer in time")


def _stop(server: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if server.poll() is not None:
            return
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue


def status_kb(pid: int, field_name: str) -> int:
    """A field of /proc/PID/status in kB (VmRSS: resident now; VmHWM: the kernel's peak
    resident size since the process started); 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return 0


def descendants(pid: int) -> list[int]:
    """The process's children, grandchildren ... (from /proc/*/task/*/children)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                kids = [int(k) for k in children.read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            found += kids
            todo += kids
    return found


@dataclass
class MemorySampler:
    """Samples the server's resident size (and its child processes', if any) every
    `interval` seconds in a thread; `peak_mb` is the highest sample of the process,
    `hwm_mb` the kernel's own high-water mark (it also sees spikes between samples)."""

    pid: int
    interval: float = 0.1
    peak_kb: int = 0
    peak_with_children_kb: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> int:
        rss = status_kb(self.pid, "VmRSS")
        children = sum(status_kb(child, "VmRSS") for child in descendants(self.pid))
        self.peak_kb = max(self.peak_kb, rss)
        self.peak_with_children_kb = max(self.peak_with_children_kb, rss + children)
        self.samples.append((time.monotonic(), rss))
        return rss

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> MemorySampler:
        self.sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self.sample()

    @property
    def hwm_kb(self) -> int:
        return status_kb(self.pid, "VmHWM")


# --- the users --------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    username: str
    password: str
    case_codes: tuple[str, ...]  # the couples this user opens, in order


@dataclass
class Journey:
    """What one simulated user waited for, in ms: the login (to a drawn caseload) and
    each couple page (to its drawn Progress tab)."""

    username: str
    login_ms: float = 0.0
    couple_ms: list[float] = field(default_factory=list)
    after_kb: int = 0  # the server's resident size when this user was done (if read)
    stage: str = "not started"  # where the user is: said in the error of one cut short
    error: str = ""


async def _drawn(page: Page, expression: str, arg: object = None) -> None:
    await page.wait_for_function(expression, arg=arg, timeout=WAIT_MS, polling=100)


async def _log_in(page: Page, url: str, user: User) -> None:
    await page.goto(url)
    await page.get_by_label("Username", exact=True).fill(user.username)
    await page.get_by_label("Password", exact=True).fill(user.password)
    button = page.get_by_test_id("stFormSubmitButton").get_by_role("button")
    await button.click()
    await page.wait_for_function(
        f"document.cookie.includes('{COOKIE}=')", timeout=WAIT_MS, polling=100
    )
    await page.get_by_role("heading", name="Caseload").wait_for(timeout=WAIT_MS)
    await _drawn(page, DRAWN, 0)


async def _one_user(browser: Browser, url: str, user: User, journey: Journey) -> None:
    context = await browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="en-GB", timezone_id="Europe/London"
    )
    try:
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        start = time.perf_counter()
        journey.stage = "logging in"
        await _log_in(page, url, user)
        journey.login_ms = 1000 * (time.perf_counter() - start)
        for case_code in user.case_codes:
            journey.stage = f"opening {case_code}"
            start = time.perf_counter()
            await page.goto(f"{url}/couple?case={case_code}")
            await _drawn(page, DRAWN, 1)
            journey.couple_ms.append(1000 * (time.perf_counter() - start))
        journey.stage = "done"
    except Exception as error:  # reported in the table, not hidden
        first_line = str(error).splitlines()[0][:160]
        journey.error = f"{journey.stage}: {type(error).__name__}: {first_line}"
    finally:
        await context.close()


async def _load(url: str, users: list[User], timeout_s: float) -> list[Journey]:
    journeys = [Journey(user.username) for user in users]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            runs = [_one_user(browser, url, u, j) for u, j in zip(users, journeys, strict=True)]
            await asyncio.wait_for(asyncio.gather(*runs), timeout=timeout_s)
        except TimeoutError:
            for journey in journeys:
                if not journey.error and journey.stage != "done":
                    journey.error = f"{journey.stage}: not done within the {timeout_s:.0f} s bound"
        finally:
            await browser.close()
    return journeys


def simulated_users(url: str, users: list[User], timeout_s: float) -> list[Journey]:
    """All `users` at once, each in a browser context of its own (its own cookies and
    Streamlit session): log in, see the caseload drawn, open each couple's page and wait
    for its Progress tab's charts. Bounded by `timeout_s` in all."""
    return asyncio.run(_load(url, users, timeout_s))


# --- in-app navigation (no page reload) -------------------------------------------------------


@dataclass
class InApp:
    """Median ms from an in-app action to the page it opens drawn (no page reload:
    plotly.js already loaded): the caseload's "Open couple" to the couple's Progress tab,
    and bench/empty_pages.py's button to its other empty page."""

    progress_ms: float
    empty_ms: float


async def _caseload_ready(page: Page, case_code: str) -> None:
    """From the couple page, back to the caseload through the sidebar's link (in-app), the
    couple found with the caseload's search and chosen in its "Open a couple" list: all
    that is left is the click on "Open couple"."""
    await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Caseload").click()
    await page.get_by_role("heading", name="Caseload").wait_for(timeout=WAIT_MS)
    await _drawn(page, DRAWN, 0)
    search = page.get_by_placeholder("Case code or partner name")
    await search.fill(case_code)
    await search.press("Enter")
    await page.get_by_text("1 couple. Select a row").wait_for(timeout=WAIT_MS)
    await _drawn(page, DRAWN, 0)
    await page.get_by_test_id("stSelectbox").filter(has_text="Open a couple").click()
    await page.get_by_role("option").filter(has_text=case_code).click()


async def _shown(page: Page, expression: str, arg: object) -> None:
    """As `_drawn`, checked at every frame: the in-app times are short, and 100 ms polls
    would add up to 100 ms to each."""
    await page.wait_for_function(expression, arg=arg, timeout=WAIT_MS, polling="raf")


async def _open_couple(page: Page, charts: int) -> float:
    start = time.perf_counter()
    await page.get_by_role("button", name="Open couple", exact=True).click()
    await page.wait_for_url("**/couple?*", timeout=WAIT_MS)
    await _shown(page, DRAWN, charts)
    return 1000 * (time.perf_counter() - start)


async def _switch(page: Page, to_title: str) -> float:
    start = time.perf_counter()
    await page.get_by_role("button", name="Open the other page").click()
    await _shown(page, TITLE_DRAWN, to_title)
    return 1000 * (time.perf_counter() - start)


async def _in_app_ms(
    app: Page, app_url: str, pages_url: str, case_code: str, charts: int, repeats: int
) -> InApp:
    """`app`, a logged-in tab on the app, and a new tab of its context on the two empty
    pages; after one warm-up of each (the app's loads plotly.js), `repeats` timed in-app
    navigations of each, interleaved. Only the way there is timed: the way back (sidebar
    link to the caseload and the search; the other button) is not."""
    empty = await app.context.new_page()
    await app.goto(f"{app_url}/couple?case={case_code}")
    await _drawn(app, DRAWN, charts)
    await empty.goto(pages_url)
    await _drawn(empty, TITLE_DRAWN, "Empty one")
    progress, switches = [], []
    for repeat in range(repeats + 1):  # the first: a warm-up
        await empty.bring_to_front()
        switch_ms = await _switch(empty, "Empty two")
        await _switch(empty, "Empty one")
        await app.bring_to_front()
        await _caseload_ready(app, case_code)
        open_ms = await _open_couple(app, charts)
        if repeat:
            switches.append(switch_ms)
            progress.append(open_ms)
    await empty.close()
    await app.bring_to_front()
    return InApp(statistics.median(progress), statistics.median(switches))


# --- navigation to a drawn page -----------------------------------------------------------


@dataclass
class Navigation:
    """Median ms from navigation to the drawn couple's Progress tab and to the drawn empty
    page; `progress_marks`, `empty_marks`: each MARKS' median over navigations of its own;
    `path_marks`: the same for an empty page at a path (bench/empty_pages.py's /two), as
    the couple page is at /couple (Streamlit's frontend pings /two/_stcore/health first);
    `chart_page_ms`: to bench/empty_pages.py's /chart drawn (a heading and one small
    plotly chart at a path), `path_empty_ms`: to its /two drawn (an empty page at a
    path), both timed interleaved with the other two."""

    progress_ms: float
    empty_ms: float
    progress_marks: dict[str, float] = field(default_factory=dict)
    empty_marks: dict[str, float] = field(default_factory=dict)
    in_app: InApp | None = None
    path_marks: dict[str, float] = field(default_factory=dict)
    chart_page_ms: float | None = None  # bench/empty_pages.py's /chart drawn, median
    path_empty_ms: float | None = None  # bench/empty_pages.py's /two drawn, median
    vega_page_ms: float | None = None  # bench/empty_pages.py's /vega drawn, median


def _medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {
        name: statistics.median(r[name] for r in runs if name in r)
        for name in MARKS
        if any(name in r for r in runs)
    }


async def _navigation_ms(
    app_url: str,
    empty_url: str,
    user: User,
    case_code: str,
    charts: int,
    repeats: int,
    marked: int,
    pages_url: str | None,
) -> Navigation:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            context = await browser.new_context(viewport={"width": 1400, "height": 1000})
            page = await context.new_page()
            await _log_in(page, app_url, user)

            async def timed(url: str, expression: str, arg: object) -> float:
                start = time.perf_counter()
                await page.goto(url)
                await _drawn(page, expression, arg)
                return 1000 * (time.perf_counter() - start)

            couple_url = f"{app_url}/couple?case={case_code}"  # Progress: the first tab
            await timed(couple_url, DRAWN, charts)  # warm-up: caches filled as in use
            await timed(empty_url, EMPTY_DRAWN, None)
            chart_url = f"{pages_url}/chart" if pages_url else None
            path_url = f"{pages_url}/two" if pages_url else None
            vega_url = f"{pages_url}/vega" if pages_url else None
            if chart_url and path_url and vega_url:
                await timed(chart_url, DRAWN, 1)
                await timed(path_url, TITLE_DRAWN, "Empty two")
                await timed(vega_url, VEGA_DRAWN, None)
            progress, empty, chart_page, path_empty, vega_page = [], [], [], [], []
            for _ in range(repeats):  # interleaved: a drift in load falls on all alike
                empty.append(await timed(empty_url, EMPTY_DRAWN, None))
                progress.append(await timed(couple_url, DRAWN, charts))
                if chart_url and path_url and vega_url:
                    chart_page.append(await timed(chart_url, DRAWN, 1))
                    path_empty.append(await timed(path_url, TITLE_DRAWN, "Empty two"))
                    vega_page.append(await timed(vega_url, VEGA_DRAWN, None))
            in_app = None
            if pages_url:  # before RECORDER: its observer is in none of the timed runs
                in_app = await _in_app_ms(page, app_url, pages_url, case_code, charts, repeats)
            await context.add_init_script(RECORDER)  # from here on: untimed, marked
            progress_marks, empty_marks, path_marks = [], [], []
            for _ in range(marked):
                await timed(empty_url, EMPTY_DRAWN, None)
                empty_marks.append(await page.evaluate("window.__mendMarks"))
                await timed(couple_url, DRAWN, charts)
                progress_marks.append(await page.evaluate("window.__mendMarks"))
                if path_url:
                    await timed(path_url, TITLE_DRAWN, "Empty two")
                    path_marks.append(await page.evaluate("window.__mendMarks"))
            await context.close()
        finally:
            await browser.close()
    return Navigation(
        statistics.median(progress),
        statistics.median(empty),
        _medians(progress_marks),
        _medians(empty_marks),
        in_app,
        _medians(path_marks),
        statistics.median(chart_page) if chart_page else None,
        statistics.median(path_empty) if path_empty else None,
        statistics.median(vega_page) if vega_page else None,
    )


def navigation_ms(
    app_url: str,
    empty_url: str,
    user: User,
    case_code: str,
    charts: int,
    repeats: int,
    timeout_s: float,
    marked: int = 3,
    pages_url: str | None = None,
) -> Navigation:
    """Median ms from navigation to the couple's Progress tab with its `charts` charts
    drawn, and to the empty page drawn (served by a Streamlit server of its own), after
    one warm-up of each, in a logged-in browser context; then `marked` navigations to
    each with RECORDER, for where the time goes (MARKS). With `pages_url` (bench/empty_pages.py
    served), in the same context, the in-app navigations too (_in_app_ms)."""
    return asyncio.run(
        asyncio.wait_for(
            _navigation_ms(app_url, empty_url, user, case_code, charts, repeats, marked, pages_url),
            timeout_s,
        )
    )
