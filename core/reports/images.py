"""Charts drawn as PNG images with plotly + kaleido, in ONE Chromium kept open by the
process: the first report starts it, later reports reuse it (a browser start costs
seconds; a warm chart a few hundred milliseconds).

Kaleido 1.x drives a Chromium through choreographer; Mend points it at the browser in
Settings.browser_path (BROWSER_PATH, else Debian's `chromium` on the PATH). MathJax is
off, so nothing is fetched from the network: plotly.js comes with plotly.py.

The browser lives in a daemon thread with its own event loop, so callers stay
synchronous (Streamlit's script threads, the CLI, tests). A lock lets one report draw
at a time: two sessions asking at once get their own images, one after the other. A
browser that died (crash, killed, OOM) is started again and the report drawn once more.
The browser is closed when the process exits (atexit), or by `shutdown()`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

import kaleido

from core.config import load_settings
from core.reports.model import Figure

SCALE = 2  # pixels per layout pixel: sharp in print at 180 mm wide
TABS = 2  # a report's charts are drawn two at a time (one per core of a small server)
DRAW_TIMEOUT = 120  # seconds for one report's charts, browser start included
T = TypeVar("T")


def render_pngs(figures: Sequence[Figure], *, scale: float = SCALE) -> list[bytes]:
    """PNG bytes of each figure, in order, drawn in the process's browser."""
    if not figures:
        return []
    return _BROWSER.draw(figures, scale)


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

    def draw(self, figures: Sequence[Figure], scale: float) -> list[bytes]:
        with self._lock:
            try:
                return self._draw(figures, scale)
            except Exception as error:
                if self._alive() and not isinstance(error, TimeoutError):
                    raise  # the browser is fine: the figure itself failed
            self._stop()  # the browser died under the report: a new one, one more try
            return self._draw(figures, scale)

    def stop(self) -> None:
        with self._lock:
            self._stop()

    def pid(self) -> int | None:
        """The Chromium's process id while one runs."""
        return self._kaleido.subprocess.pid if self._alive() and self._kaleido else None

    def _draw(self, figures: Sequence[Figure], scale: float) -> list[bytes]:
        if not self._alive():
            self._stop()
            self._start()
        browser = self._kaleido
        assert browser is not None

        async def draw_all() -> list[bytes]:
            return list(
                await asyncio.gather(
                    *(
                        browser.calc_fig(
                            item.figure,
                            opts={
                                "format": "png",
                                "width": item.width,
                                "height": item.height,
                                "scale": scale,
                            },
                        )
                        for item in figures
                    )
                )
            )

        return self._call(draw_all())

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


async def _cancel_the_rest() -> None:
    """End the loop's other tasks (choreographer's watchdog of a dead browser) cleanly."""
    rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in rest:
        task.cancel()
    await asyncio.gather(*rest, return_exceptions=True)


_BROWSER = ChartBrowser()
atexit.register(shutdown)
