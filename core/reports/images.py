"""Charts drawn as PNG images with plotly + kaleido, in ONE Chromium kept open by the
process: the first report starts it, later reports reuse it (a browser start costs
seconds; a warm chart a few hundred milliseconds).

Kaleido 1.x drives a Chromium through choreographer; Mend points it at the browser in
Settings.browser_path (BROWSER_PATH, else Debian's `chromium` on the PATH). MathJax is
off, so nothing is fetched from the network: plotly.js comes with plotly.py.

The browser lives in a daemon thread with its own event loop, so callers stay
synchronous (Streamlit's script threads, the CLI, tests), and a report's charts are
drawn while its pages are laid out. Each chart is its own request with its own answer,
so two sessions asking at once each get their own pictures; a lock keeps the browser
from being started, restarted or closed while a report hands its charts over. A browser
that died (crash, killed, OOM) is started again and the charts not yet collected drawn
once more. The browser is closed when the process exits (atexit), or by `shutdown()`.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import kaleido

from core.config import load_settings
from core.reports.model import Figure

SCALE = 2  # pixels per layout pixel: sharp in print at 180 mm wide
TABS = 2  # a report's charts are drawn two at a time (one per core of a small server)
DRAW_TIMEOUT = 120  # seconds to wait for one chart, or for the browser to start
T = TypeVar("T")


def render_pngs(figures: Sequence[Figure], *, scale: float = SCALE) -> Iterable[bytes]:
    """PNG bytes of each figure, in order, drawn in the process's browser. Drawing starts
    now and goes on in the browser while the caller lays out the pages: iterating waits
    for each picture in turn (list() it to wait for all)."""
    if not figures:
        return []
    return _BROWSER.start(figures, scale)


def shutdown() -> None:
    """Close the browser now (the next report starts a new one)."""
    _BROWSER.stop()


class _Kaleido(kaleido.Kaleido):
    """Kaleido whose tabs reload (which clears the last chart) in the background: a
    chart's bytes are handed back as soon as drawn, and the tab rejoins the queue of free
    tabs once reloaded, so every chart is still drawn on a fresh page. A reload that
    failed marks the browser broken (it is started again before the next report)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.broken = False
        self._reloads: set[asyncio.Task[None]] = set()

    async def _return_kaleido_tab(self, tab: Any) -> None:
        reload = asyncio.create_task(super()._return_kaleido_tab(tab))
        self._reloads.add(reload)
        reload.add_done_callback(self._reloaded)

    def _reloaded(self, reload: asyncio.Task[None]) -> None:
        self._reloads.discard(reload)
        if reload.cancelled() or reload.exception() is not None:
            self.broken = True


class ChartBrowser:
    """One kaleido browser in a background event loop, started on first use."""

    def __init__(self, tabs: int = TABS) -> None:
        self._tabs = tabs
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: _Kaleido | None = None
        self.starts = 0  # how many browsers this process has started (tests, diagnostics)

    def start(self, figures: Sequence[Figure], scale: float) -> Drawing:
        """Every figure handed to the browser at once (its tabs draw them in parallel);
        the pictures are collected in order by iterating the Drawing."""
        with self._lock:  # no stop or restart while the figures are handed over
            if not self._alive():
                self._stop()
                self._start()
            browser, loop = self._kaleido, self._loop
            assert browser is not None and loop is not None
            pending = [
                asyncio.run_coroutine_threadsafe(
                    browser.calc_fig(
                        item.figure,
                        opts={
                            "format": "png",
                            "width": item.width,
                            "height": item.height,
                            "scale": scale,
                        },
                    ),
                    loop,
                )
                for item in figures
            ]
            return Drawing(self, list(figures), scale, pending, self.starts)

    def draw(self, figures: Sequence[Figure], scale: float) -> list[bytes]:
        return list(self.start(figures, scale))

    def recover(self, started: int, error: BaseException) -> bool:
        """After a picture failed: True when the figures should be drawn again (the
        browser of start number `started` died or hung, and is now closed, or another
        report already replaced it); False when the figure itself failed."""
        with self._lock:
            if self.starts != started or self._kaleido is None:
                return True  # replaced or closed meanwhile: the next start draws
            if self._alive() and not isinstance(error, TimeoutError):
                return False
            self._stop()
            return True

    def stop(self) -> None:
        with self._lock:
            self._stop()

    def pid(self) -> int | None:
        """The Chromium's process id while one runs."""
        return self._kaleido.subprocess.pid if self._alive() and self._kaleido else None

    def _alive(self) -> bool:
        browser = self._kaleido
        return (
            browser is not None
            and not browser.broken
            and self._thread is not None
            and self._thread.is_alive()
            and hasattr(browser, "subprocess")
            and browser.subprocess.poll() is None
        )

    def _start(self) -> None:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="mend-charts", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        settings = load_settings()
        options: dict[str, Any] = {"n": self._tabs, "mathjax": False}
        if settings.browser_path:
            options["path"] = settings.browser_path

        async def open_browser() -> _Kaleido:
            browser = _Kaleido(**options)
            try:
                await browser.open()
            except BaseException:
                with contextlib.suppress(Exception):
                    await browser.close()  # no half-started Chromium left behind
                raise
            return browser

        try:
            self._kaleido = self._call(open_browser())
        except BaseException:
            self._stop()
            raise
        self.starts += 1

    def _stop(self) -> None:
        """Close the browser (killed if it does not close) and end the loop's thread."""
        loop, thread, browser = self._loop, self._thread, self._kaleido
        self._loop = self._thread = self._kaleido = None
        if loop is None:
            return
        if thread is not None and thread.is_alive():
            # A dead browser has nothing left to close; the loop is ended all the same.
            with contextlib.suppress(Exception):
                if browser is not None:
                    self._call(browser.close(), loop=loop, timeout=30)
            with contextlib.suppress(Exception):
                self._call(_cancel_the_rest(), loop=loop, timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=10)
        if not loop.is_running():
            loop.close()

    def _call(
        self,
        coroutine: Coroutine[Any, Any, T],
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        timeout: float = DRAW_TIMEOUT,
    ) -> T:
        target = loop or self._loop
        assert target is not None
        future = asyncio.run_coroutine_threadsafe(coroutine, target)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise


class Drawing:
    """One report's pictures being drawn; iterate for them in order. A browser that died
    while drawing is started again and the figures not yet collected drawn once more."""

    def __init__(
        self,
        browser: ChartBrowser,
        figures: list[Figure],
        scale: float,
        pending: list[concurrent.futures.Future[bytes]],
        started: int,
    ) -> None:
        self._browser, self._figures, self._scale = browser, figures, scale
        self._pending, self._started = pending, started

    def __iter__(self) -> Iterator[bytes]:
        for number, picture in enumerate(self._pending):
            try:
                yield picture.result(DRAW_TIMEOUT)
            except Exception as error:
                picture.cancel()
                if not self._browser.recover(self._started, error):
                    raise
                for rest in self._pending[number + 1 :]:
                    rest.cancel()
                # One more try, on a new browser; a second failure is the caller's.
                yield from self._browser.start(self._figures[number:], self._scale)._once()
                return

    def _once(self) -> Iterator[bytes]:
        for picture in self._pending:
            yield picture.result(DRAW_TIMEOUT)


async def _cancel_the_rest() -> None:
    """End the loop's other tasks (choreographer's watchdog of a dead browser) cleanly."""
    rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in rest:
        task.cancel()
    await asyncio.gather(*rest, return_exceptions=True)


_BROWSER = ChartBrowser()
atexit.register(shutdown)
