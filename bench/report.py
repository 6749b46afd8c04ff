"""The progress report's row in `make bench`: one demo couple's clinician report (PDF),
warm, through the service (reads, analysis, charts drawn by kaleido in the process's
Chromium, kept open between reports, fpdf2 layout, audit). Its floor: that browser
drawing one empty chart plus the couple's bare reads."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from core.reports import images
from core.reports.model import Figure
from core.services import progress_views, reports

if TYPE_CHECKING:
    from bench.run import Context

PAGE = "report (clinician PDF)"


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return 1000 * (time.perf_counter() - start)


def report_ms(ctx: Context, repeats: int, after_write: Callable[[], None]) -> tuple[float, float]:
    """Median warm generation, and median right after a rating saved elsewhere."""
    db, user, couple_id, today = ctx.db, ctx.users["counsellor"], ctx.couple_id, ctx.today

    def make() -> None:
        reference = progress_views.clinic_reference(db)
        reports.progress_report(
            db, user, couple_id, {"version": "clinician"}, today=today, reference=reference
        )

    make()  # warm-up: imports, the browser started, plotly.js loaded, the disk cache
    warm = statistics.median(_timed(make) for _ in range(repeats))
    after = []
    for _ in range(repeats):
        after_write()
        after.append(_timed(make))
    return warm, statistics.median(after)


def browser_floor_ms(repeats: int) -> float:
    """The warm browser drawing one empty figure: the irreducible part of a report."""
    empty = [Figure(go.Figure(), 300, 200)]

    def draw() -> None:
        list(images.render_pngs(empty))  # drawn, not only handed to the browser

    draw()  # the browser started here if no report started it
    return statistics.median(_timed(draw) for _ in range(repeats))
