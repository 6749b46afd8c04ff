"""Charts drawn as PNG images with plotly + kaleido: every figure of a report in ONE
kaleido session (one Chromium start per report, not one per figure).

Kaleido 1.x drives a Chromium through choreographer; Mend points it at the browser in
Settings.browser_path (BROWSER_PATH, else Debian's `chromium` on the PATH). MathJax is
off, so nothing is fetched from the network: plotly.js comes with plotly.py.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

import kaleido

from core.config import load_settings
from core.reports.model import Figure

SCALE = 2  # pixels per layout pixel: sharp in print at 180 mm wide
T = TypeVar("T")


def render_pngs(figures: Sequence[Figure], *, scale: float = SCALE) -> list[bytes]:
    """PNG bytes of each figure, in order, drawn in one browser session."""
    if not figures:
        return []
    browser = load_settings().browser_path
    options: dict[str, Any] = {"n": 1, "mathjax": False}
    if browser:
        options["path"] = browser

    async def draw() -> list[bytes]:
        async with kaleido.Kaleido(**options) as session:
            return [
                await session.calc_fig(
                    item.figure,
                    opts={
                        "format": "png",
                        "width": item.width,
                        "height": item.height,
                        "scale": scale,
                    },
                )
                for item in figures
            ]

    return _run(draw())


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run to the end from synchronous code, also where an event loop already runs in
    this thread (it then runs in a worker thread with its own loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()
