"""Charts: pure functions, DataFrame in, plotly Figure out (no Streamlit, no database).

Every chart with a week axis counts weeks since intake and marks weeks 6, 12 and 26
("6 wk", "12 wk", "6 months"). Colours stay the same everywhere: partner A blue,
partner B vermillion (Okabe-Ito, readable with colour-blindness), and one colour per
status and outcome. Empty input gives a figure that says so, never an exception.

The trend chart draws totals (so the y axis is the instrument's range and the cut-off
line means what it says) and shifts the expected band to each partner's own first
rating: the shaded area is the expected range (10th to 90th percentile of couples'
change at that week), relative to where this partner started, drawn smoothly to the
chart's end and kept within the scale.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from core.chart_markers import add_check_in_points
from core.formatting import chart_text
from core.measures import FIVE_CS, INSTRUMENTS
from core.progress import (
    LATE_BASELINE_WEEKS,
    MILESTONE_LABELS,
    MILESTONES,
    MIN_BAND_COUPLES,
    SIX_MONTHS,
)
from core.progress.trajectory import band_at

PARTNER_COLOURS: dict[str, str] = {"A": "#0072B2", "B": "#D55E00"}
STATUS_COLOURS: dict[str, str] = {
    "deteriorated": "#B2182B",
    "not on track": "#E69F00",
    "recovered": "#009E73",
    "improved": "#56B4E9",
    "on track": "#0072B2",
    "too early": "#999999",
    "no ratings": "#CCCCCC",
}
# adherence_over_time's input: one row per partner and week (or bin of weeks); `rate` is
# the share of expected homework done, 0-1 (NaN: nothing was expected). Optional columns
# partner_name, done and expected enrich the hover.
ADHERENCE_TREND_COLUMNS = ["partner_label", "week", "rate"]
WEEK_AXIS_TITLE = "Weeks since intake"
MIN_WEEK_AXIS = 30  # the six-month marker is always in view
# Every Mend figure uses this template. As plotly's default, a new figure takes it as it
# is (about 0.5 ms); named in each figure's layout, plotly validated all of it again for
# every figure (about 7 ms, a tenth of the supervision page's run after a write).
pio.templates.default = "plotly_white"


class KeptFigure(go.Figure):
    """A figure kept between page runs and drawn again unchanged: st.plotly_chart asks a
    figure for its dict form on every run (a deep copy of every trace with its arrays
    encoded: 1.7 ms for a couple's trend, more for the supervision charts), and a kept
    one makes it once. Never change one after it is drawn: it would draw as it was."""

    _as_dict: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        if self._as_dict is None:
            self._as_dict = super().to_dict()
        return self._as_dict


def kept(figure: go.Figure) -> KeptFigure:
    """`figure`, just built and from now on only drawn, as a KeptFigure: the same object
    (a copy would cost a validation of every trace, about 12 ms for a trend)."""
    figure.__class__ = KeptFigure
    return figure  # type: ignore[return-value]


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def base_figure(
    title: str, *, subtitle: str = "", x_title: str = "", y_title: str = ""
) -> go.Figure:
    # The layout given to the constructor: update_layout goes through plotly's relayout
    # machinery (about 4 ms a figure, against 0.6).
    return go.Figure(
        layout={
            "title": {"text": title, "subtitle": {"text": subtitle}},
            "hovermode": "closest",
            "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
            "margin": {"t": 90, "b": 90, "l": 70, "r": 30},
            "xaxis": {"title": {"text": x_title}},
            "yaxis": {"title": {"text": y_title}},
        }
    )


Line = tuple[dict[str, Any], dict[str, Any] | None]  # a shape and its label, if any


def vline(x: float, line: dict[str, Any], label: str, size: int) -> Line:
    """A vertical line across the plot with `label` above it, as plotly's add_vline
    draws it."""
    shape = {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain"}
    above = _label(label, x=x, xref="x", xanchor="center", y=1, yref="y domain")
    return {**shape, "line": line}, {**above, "font": {"size": size}}


def hline(y: float, line: dict[str, Any], label: str | None = None) -> Line:
    """A horizontal line across the plot, with `label` at its top left, as add_hline
    draws it."""
    shape = {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y, "yref": "y"}
    if label is None:
        return {**shape, "line": line}, None
    return {**shape, "line": line}, _label(
        label, x=0, xref="x domain", xanchor="left", y=y, yref="y"
    )


def _label(text: str, *, x: float, xref: str, xanchor: str, y: float, yref: str) -> dict[str, Any]:
    """A line's label, just above the point (x, y): plotly's own placement for a line's
    annotation."""
    return {
        "text": text,
        "x": x,
        "xref": xref,
        "xanchor": xanchor,
        "y": y,
        "yref": yref,
        "yanchor": "bottom",
        "showarrow": False,
    }


def add_lines(figure: go.Figure, *lines: Line) -> None:
    """`lines` added to the layout by assignment: add_vline and add_shape validate all the
    figure's shapes again and search its subplots (about 4 ms a labelled line), and
    update_layout on a figure with traces goes through each trace (about 35 ms on the
    supervision overview)."""
    figure.layout.shapes = (*figure.layout.shapes, *(shape for shape, _ in lines))
    figure.layout.annotations = (
        *figure.layout.annotations,
        *(label for _, label in lines if label),
    )


def set_axis(axis: Any, **props: Any) -> None:
    """An axis's properties set one by one: update_xaxes and update_yaxes go through
    plotly's relayout machinery (about 1.5 ms on a figure with traces, against 0.2)."""
    for name, value in props.items():
        axis[name] = value


def week_axis(figure: go.Figure, last_week: float | None = None) -> None:
    """Milestone lines at weeks 6, 12 and 26, and an x range that shows them."""
    lines = []
    for week in MILESTONES:
        six_months = week == SIX_MONTHS
        line = {"dash": "dash" if six_months else "dot", "color": "#444", "width": 1.5}
        lines.append(vline(week, line, MILESTONE_LABELS[week], 12 if six_months else 11))
    add_lines(figure, *lines)
    end = MIN_WEEK_AXIS if last_week is None or math.isnan(last_week) else last_week + 2
    last = max(MIN_WEEK_AXIS, math.ceil(end))
    set_axis(figure.layout.xaxis, range=[0, last], title_text=WEEK_AXIS_TITLE)


def say_empty(figure: go.Figure, message: str) -> go.Figure:
    figure.add_annotation(
        text=message,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"size": 15, "color": "#555"},
    )
    return figure


def signed_change(value: float) -> str:
    return f"{value:+.1f}".removesuffix(".0").replace("-", "−")


def _partner_name(ratings: pd.DataFrame, label: str) -> str:
    names = ratings["partner_name"].dropna() if "partner_name" in ratings.columns else []
    # A name is text a person typed: plotly would draw <a href>, <img> or <b> in it.
    return f"{chart_text(names.iloc[0])} ({label})" if len(names) else f"Partner {label}"


# --- the couple's trend ------------------------------------------------------------------------


def trend(
    frame: pd.DataFrame, instrument_key: str, band: pd.DataFrame | None, *, case_code: str
) -> go.Figure:
    """One couple's ratings on one instrument: each partner's line over weeks since intake
    (markers are sessions), the expected band shaded from each partner's first rating,
    milestone lines, the cut-off line where the instrument has one.

    `frame`: measures_frame rows (any couples; this couple is picked by `case_code`);
    `band`: empirical_band (None: no shading). A first rating after week 6 is not an
    intake baseline, so no band is drawn from it.
    """
    tool = INSTRUMENTS.get(instrument_key)
    if tool is None:
        figure = base_figure(f"{case_code}: unknown measure {instrument_key!r}")
        week_axis(figure)
        return say_empty(figure, f"There is no measure called {instrument_key!r}.")
    low, high = tool.total_range
    better = "higher" if tool.higher_is_better else "lower"
    data = frame.loc[
        (frame["case_code"] == case_code) & (frame["instrument"] == instrument_key)
    ].sort_values(["partner_label", "week"], kind="stable")
    rows = band.loc[band["instrument"] == instrument_key] if band is not None else None
    figure = base_figure(
        f"{case_code} · {tool.name}",
        subtitle=_band_note(rows),
        y_title=f"{tool.short_name} total ({low}–{high}, {better} is better)",
    )
    last_week = float(data["week"].max()) if len(data) else None
    x_end = max(MIN_WEEK_AXIS, math.ceil((last_week or 0) + 2))
    for label, ratings in data.groupby("partner_label", sort=True):
        name = _partner_name(ratings, str(label))
        if rows is not None and ratings["week"].iloc[0] <= LATE_BASELINE_WEEKS:
            _add_band(figure, rows, ratings, str(label), name, x_end, (low, high))
        _add_partner_line(figure, ratings, str(label), name, tool.short_name)
    if tool.cutoff is not None:
        text = tool.cutoff_label or "cut-off"
        if f"{tool.cutoff:g}" not in text:
            text = f"{text} {tool.cutoff:g}"
        add_lines(figure, hline(tool.cutoff, {"dash": "dash", "color": "#888", "width": 1}, text))
    pad = (high - low) * 0.03
    set_axis(figure.layout.yaxis, range=[low - pad, high + pad])
    week_axis(figure, last_week)
    if data.empty:
        say_empty(figure, f"No {tool.short_name} ratings for {case_code} yet.")
    return figure


def _band_note(rows: pd.DataFrame | None) -> str:
    if rows is None or rows.empty:
        return "Points are sessions; open diamonds are the partner's own check-ins."
    sources = set(rows["source"])
    if sources == {"clinic"}:
        origin = f"fitted on the clinic's couples who completed six months (≥{MIN_BAND_COUPLES})"
    else:
        origin = (
            f"the reference curve (fewer than {MIN_BAND_COUPLES} couples have completed six months)"
        )
    return (
        "Shaded: the expected range (10th to 90th percentile of change) from each "
        f"partner's first rating; {origin}."
    )


def _add_band(
    figure: go.Figure,
    rows: pd.DataFrame,
    ratings: pd.DataFrame,
    label: str,
    name: str,
    x_end: float,
    limits: tuple[int, int],
) -> None:
    start_week, baseline = float(ratings["week"].iloc[0]), float(ratings["total"].iloc[0])
    if start_week >= x_end:
        return
    # Weekly points from the first rating to the chart's end (the band is flat after
    # week 26 and held after the last bin), so the band neither stops nor jumps.
    weeks = pd.Series(np.append(np.arange(math.ceil(start_week), x_end, 1.0), x_end))
    weeks = pd.Series(np.unique(np.append(start_week, weeks)))
    at = band_at(rows, pd.Series(rows["instrument"].iloc[0], index=weeks.index), weeks)
    shown = at.assign(week=weeks)
    upper = np.clip(baseline + shown["p90"].to_numpy(), *limits)
    lower = np.clip(baseline + shown["p10"].to_numpy(), *limits)
    colour = PARTNER_COLOURS.get(label, "#666")
    edge = {
        "x": shown["week"],
        "mode": "lines",
        "line": {"width": 0},
        "legendgroup": f"band-{label}",
    }
    figure.add_trace(
        go.Scatter(
            y=upper,
            showlegend=False,
            hoverinfo="skip",
            name=f"Expected range (upper) · {name}",
            **edge,
        )
    )
    ranges = [
        f"{signed_change(p10)} to {signed_change(p90)} ({source})"
        for p10, p90, source in zip(shown["p10"], shown["p90"], shown["source"], strict=True)
    ]
    figure.add_trace(
        go.Scatter(
            y=lower,
            fill="tonexty",
            fillcolor=_rgba(colour, 0.14),
            name=f"Expected range · {name}",
            customdata=np.array(ranges, dtype=object).reshape(-1, 1),
            hovertemplate="Week %{x:.0f}: expected change %{customdata[0]}, "
            "10th to 90th percentile"
            f"<extra>{name}</extra>",
            **edge,
        )
    )


def _add_partner_line(
    figure: go.Figure, ratings: pd.DataFrame, label: str, name: str, short_name: str
) -> None:
    change = ratings["total"] - ratings["total"].iloc[0]
    notes = ["first rating"] + [
        f"{signed_change(c)} since the first rating" for c in change.iloc[1:]
    ]
    dates = pd.to_datetime(ratings["measured_on"]).dt.strftime("%d %b %Y")
    colour = PARTNER_COLOURS.get(label, "#666")
    figure.add_trace(
        go.Scatter(
            x=ratings["week"],
            y=ratings["total"],
            mode="lines+markers",
            name=name,
            line={"color": colour, "width": 2.5},
            marker={"size": 8, "color": colour},
            customdata=np.column_stack([dates.to_numpy(), np.array(notes, dtype=object)]),
            hovertemplate=f"<b>{name}</b><br>Week %{{x:.1f}} (%{{customdata[0]}})<br>"
            f"{short_name}: %{{y}}<br>%{{customdata[1]}}<extra></extra>",
        )
    )
    add_check_in_points(figure, ratings, colour, name, short_name)


# --- five C's profile --------------------------------------------------------------------------


def five_cs_profile(frame: pd.DataFrame, *, case_code: str | None = None) -> go.Figure:
    """Each partner's five C's at the first and the latest rating, as grouped bars
    (first: pale, latest: solid). `frame`: measures_frame rows; `case_code` picks the
    couple (default: the first in the frame)."""
    data = frame.loc[frame["instrument"] == FIVE_CS.key]
    if case_code is None and len(data):
        case_code = str(sorted(data["case_code"].dropna())[0])
    if case_code is not None:
        data = data.loc[data["case_code"] == case_code]
    keys = [item.key for item in FIVE_CS.scored_items]
    names = [item.text.split(":")[0] for item in FIVE_CS.scored_items]
    figure = base_figure(
        f"{case_code or 'No couple'} · Five C's of trust: first and latest rating",
        subtitle="Pale bars: first rating; solid bars: latest rating.",
        x_title="",
        y_title="Trust (0 = not at all, 10 = completely)",
    )
    figure.update_layout(barmode="group")
    set_axis(figure.layout.yaxis, range=[0, 10.5])
    if data.empty:
        set_axis(figure.layout.xaxis, categoryorder="array", categoryarray=names)
        return say_empty(figure, "No five C's ratings yet.")
    ordered = data.sort_values(["partner_label", "week"], kind="stable")
    answers = pd.DataFrame(ordered["items"].tolist(), index=ordered.index).reindex(columns=keys)
    for label, ratings in ordered.groupby("partner_label", sort=True):
        name = _partner_name(ratings, str(label))
        colour = PARTNER_COLOURS.get(str(label), "#666")
        first, last = ratings.index[0], ratings.index[-1]
        moments = [(first, "first rating", 0.35)]
        if last != first:
            moments.append((last, "latest rating", 1.0))
        else:
            moments = [(first, "only rating so far", 0.35)]
        for row, moment, alpha in moments:
            week = math.floor(float(ordered.at[row, "week"]) + 1e-9)
            figure.add_trace(
                go.Bar(
                    x=names,
                    y=answers.loc[row].to_numpy(dtype=float),
                    name=f"{name} · {moment} (week {week})",
                    offsetgroup=f"{label}-{moment}",
                    marker={
                        "color": _rgba(colour, alpha),
                        "line": {"color": colour, "width": 1.5},
                    },
                    hovertemplate=f"<b>{name}</b>, {moment} (week {week})<br>"
                    "%{x}: %{y}<extra></extra>",
                )
            )
    return figure


# --- homework adherence ------------------------------------------------------------------------


def adherence_over_time(adherence: pd.DataFrame, *, case_code: str = "") -> go.Figure:
    """Homework adherence per partner over weeks since intake.

    `adherence`: ADHERENCE_TREND_COLUMNS (partner_label, week, rate 0-1), optionally
    partner_name, done, expected. Weeks with nothing expected (rate NaN) leave a gap.
    """
    title = "Homework adherence by week since intake"
    figure = base_figure(
        f"{case_code} · {title}" if case_code else title,
        subtitle="Share of the homework expected by then that each partner did.",
        y_title="Homework done (% of expected)",
    )
    set_axis(figure.layout.yaxis, range=[0, 105], ticksuffix="%")
    if adherence.empty or adherence["rate"].notna().sum() == 0:
        week_axis(figure)
        return say_empty(figure, "No homework expected yet.")
    data = adherence.sort_values(["partner_label", "week"], kind="stable")
    for label, rows in data.groupby("partner_label", sort=True):
        name = _partner_name(rows, str(label))
        colour = PARTNER_COLOURS.get(str(label), "#666")
        if {"done", "expected"} <= set(rows.columns):
            detail = [
                "nothing expected" if pd.isna(e) or e == 0 else f"{d:.0f} of {e:.0f} done"
                for d, e in zip(rows["done"], rows["expected"], strict=True)
            ]
        else:
            detail = [""] * len(rows)
        figure.add_trace(
            go.Scatter(
                x=rows["week"],
                y=rows["rate"] * 100,
                mode="lines+markers",
                name=name,
                connectgaps=False,
                line={"color": colour, "width": 2.5},
                marker={"size": 7, "color": colour},
                customdata=np.array(detail, dtype=object).reshape(-1, 1),
                hovertemplate=f"<b>{name}</b><br>Week %{{x:.0f}}: %{{y:.0f}}%"
                "<br>%{customdata[0]}<extra></extra>",
            )
        )
    week_axis(figure, float(data["week"].max()))
    return figure


# --- the trauma screen -------------------------------------------------------------------------


def ptsd_over_time(totals: pd.DataFrame, *, cutoff: float, case_code: str = "") -> go.Figure:
    """PC-PTSD-5 totals (0-5) per partner by screening date (padded three weeks either
    side), with the cut-off. `totals`: partner_label, partner_name, measured_on, total."""
    title = "PC-PTSD-5 trauma screen over time"
    figure = base_figure(
        f"{case_code} · {title}" if case_code else title,
        subtitle=f"At or above {cutoff:g}: positive, follow up (not a diagnosis).",
        y_title="PC-PTSD-5 total (0-5)",
    )
    set_axis(figure.layout.yaxis, range=[-0.2, 5.3], dtick=1)
    add_lines(
        figure,
        hline(
            cutoff,
            {"dash": "dash", "color": "#B2182B", "width": 1.5},
            f"positive screen ({cutoff:g})",
        ),
    )
    if totals.empty:
        return say_empty(figure, "No PC-PTSD-5 screen recorded yet.")
    data = totals.sort_values(["partner_label", "measured_on"], kind="stable")
    for label, rows in data.groupby("partner_label", sort=True):
        name = _partner_name(rows, str(label))
        colour = PARTNER_COLOURS.get(str(label), "#666")
        figure.add_trace(
            go.Scatter(
                x=rows["measured_on"],
                y=rows["total"],
                mode="lines+markers",
                name=name,
                line={"color": colour, "width": 2.5},
                marker={"size": 9, "color": colour},
                hovertemplate=f"<b>{name}</b><br>%{{x|%d %b %Y}}: %{{y:.0f}} of 5<extra></extra>",
            )
        )
    dates, pad = pd.to_datetime(data["measured_on"]), pd.Timedelta(days=21)
    span = [dates.min() - pad, dates.max() + pad]
    set_axis(
        figure.layout.xaxis,
        title_text="Screening date",
        type="date",
        tickformat="%d %b %Y",
        range=span,
    )
    return figure


def figure_summary(figure: go.Figure) -> dict[str, Any]:
    """What a figure holds, for logs and tests: title, trace names and kinds, vertical
    and horizontal lines, annotation texts."""
    return {
        "title": figure.layout.title.text,
        "traces": [
            (trace.type, trace.name, 0 if trace.x is None else len(trace.x))
            for trace in figure.data
        ],
        "vlines": sorted(s.x0 for s in figure.layout.shapes if s.x0 == s.x1 and s.xref == "x"),
        "hlines": sorted(s.y0 for s in figure.layout.shapes if s.y0 == s.y1 and s.yref == "y"),
        "annotations": [a.text for a in figure.layout.annotations],
    }
