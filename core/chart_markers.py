"""Chart markers for ratings a partner gave through their check-in link: pure (a frame in,
a plotly trace added), so the trend chart marks them apart from session ratings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.domain import SOURCE_CHECK_IN

CHECK_IN_SYMBOL = "diamond-open"
CHECK_IN_LEGEND = "check-in"


def check_in_rows(ratings: pd.DataFrame) -> pd.DataFrame:
    """The rows of `ratings` (measures_frame) that came from a check-in link."""
    if "source" not in ratings.columns:
        return ratings.iloc[0:0]
    return ratings.loc[ratings["source"].eq(SOURCE_CHECK_IN)]


def add_check_in_points(
    figure: go.Figure, ratings: pd.DataFrame, colour: str, name: str, short_name: str
) -> None:
    """One partner's check-in ratings as open diamonds over their line (a ring around
    the session marker would hide them): the legend says "<name> · check-in"."""
    rows = check_in_rows(ratings)
    if rows.empty:
        return
    dates = pd.to_datetime(rows["measured_on"]).dt.strftime("%d %b %Y")
    figure.add_trace(
        go.Scatter(
            x=rows["week"],
            y=rows["total"],
            mode="markers",
            name=f"{name} · {CHECK_IN_LEGEND}",
            legendgroup=f"check-in-{name}",
            marker={
                "symbol": CHECK_IN_SYMBOL,
                "size": 15,
                "color": colour,
                "line": {"width": 2.5, "color": colour},
            },
            customdata=np.array(dates, dtype=object).reshape(-1, 1),
            hovertemplate=f"<b>{name}</b>, own check-in<br>Week %{{x:.1f}} "
            f"(%{{customdata[0]}})<br>{short_name}: %{{y}}<extra></extra>",
        )
    )
