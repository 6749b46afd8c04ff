"""The existing charts (core.charts) made ready for print: same content, print sizes.
Pure: figures in, figures out."""

from __future__ import annotations

from textwrap import wrap

import pandas as pd
import plotly.graph_objects as go

from core import charts
from core.measures import INSTRUMENTS
from core.progress import TRACKED
from core.reports.model import Figure

WIDTH, HEIGHT = 900, 430  # pixels at scale 1; drawn at scale 2, 180 mm wide on the page


def printable(figure: go.Figure, *, height: int = HEIGHT) -> Figure:
    """`figure` (fresh from core.charts, changed in place) with print fonts and margins;
    the subtitle (core.charts' own words, no user text) wrapped to the page."""
    subtitle = figure.layout.title.subtitle.text or ""
    figure.update_layout(
        font={"family": "DejaVu Sans, Arial, sans-serif", "size": 13, "color": "#222"},
        title={"font": {"size": 16}, "subtitle": {"text": "<br>".join(wrap(subtitle, 110))}},
        margin={"t": 110 if len(subtitle) > 110 else 85, "b": 100, "l": 70, "r": 30},
        width=WIDTH,
        height=height,
    )
    return Figure(figure, WIDTH, height)


def trend_figures(
    ratings: pd.DataFrame, band: pd.DataFrame | None, *, case_code: str, plain: bool = False
) -> list[Figure]:
    """One trend chart per tracked measure rated so far (the expected band if given);
    `plain`: without the clinical cut-off line (the couple's and a partner's reports)."""
    rated = set(ratings["instrument"]) if len(ratings) else set()
    shown = []
    for key in TRACKED:
        if key not in rated:
            continue
        figure = charts.trend(ratings, key, band, case_code=case_code)
        if plain:
            _drop_cutoff(figure, INSTRUMENTS[key].cutoff)
        shown.append(printable(figure))
    return shown


def _drop_cutoff(figure: go.Figure, cutoff: float | None) -> None:
    """Remove the horizontal cut-off line and its label (the milestone lines stay)."""
    if cutoff is None:
        return
    figure.layout.shapes = [
        s for s in figure.layout.shapes if not (s.y0 == s.y1 == cutoff and s.yref == "y")
    ]
    figure.layout.annotations = [
        a for a in figure.layout.annotations if not (a.yref == "y" and a.y == cutoff)
    ]


def five_cs_figure(ratings: pd.DataFrame, *, case_code: str) -> Figure:
    return printable(charts.five_cs_profile(ratings, case_code=case_code))


def adherence_figure(adherence: pd.DataFrame, *, case_code: str) -> Figure:
    return printable(charts.adherence_over_time(adherence, case_code=case_code), height=380)
