"""Charts of the caseload for supervision: every couple against its weeks in care
(`caseload_overview`) and the outcomes at six months by counsellor
(`outcomes_by_counsellor_chart`). Pure functions like core.charts, in its style and
colours; sized for a national provider (cells instead of points past
MAX_OVERVIEW_POINTS couples, at most MAX_CHART_COUNSELLORS bars)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.charts import (
    STATUS_COLOURS,
    add_lines,
    base_figure,
    hline,
    say_empty,
    set_axis,
    signed_change,
    week_axis,
)
from core.formatting import chart_text, plural
from core.measures import INSTRUMENTS
from core.progress import STATUSES

OUTCOME_COLOURS: dict[str, str] = {
    "recovered": "#009E73",
    "improved": "#56B4E9",
    "no reliable change": "#BBBBBB",
    "deteriorated": "#B2182B",
    "not rated": "#E0E0E0",
}
# The caseload overview draws single couples up to this many; beyond it, couples are
# counted in cells (2 weeks x 1/40 of the change range) per status, so the browser gets
# hundreds of points, not hundreds of thousands.
MAX_OVERVIEW_POINTS = 1500
# A note on what a chart leaves out: top right, above the plot.
NOTE_POSITION: dict[str, object] = {
    "xref": "paper",
    "yref": "paper",
    "x": 1,
    "y": 1.02,
    "xanchor": "right",
    "showarrow": False,
    "font": {"size": 11, "color": "#555"},
}
# Bars in the outcomes chart: past this many counsellors (a national provider has
# hundreds) the bars become unreadable and the figure too heavy for the browser, so the
# chart shows those with the lowest share improved, who may need support first (Mend's
# own choice); the table under it lists every counsellor.
MAX_CHART_COUNSELLORS = 40


def caseload_overview(
    summary: pd.DataFrame,
    *,
    instrument_key: str = "csi4",
    max_points: int = MAX_OVERVIEW_POINTS,
) -> go.Figure:
    """Every couple as a point: weeks in care against change on one instrument (the mean
    of the partners' change since their first rating, signed so that up is better),
    coloured by status, hover naming the case code and the reason.

    `summary`: caseload_summary. Couples without two ratings on the instrument have no
    change and are counted in a note, not drawn at zero. More than `max_points` couples
    are counted in cells instead (marker size = couples in the cell).
    """
    tool = INSTRUMENTS.get(instrument_key)
    short = tool.short_name if tool else instrument_key
    column = f"improvement_{instrument_key}"
    figure = base_figure(
        f"Caseload: change in {short} by weeks in care",
        subtitle="One point per couple, coloured by status: the mean of the partners' "
        "change since their first rating. Up is better.",
        # Short: a long vertical title ran into the subtitle (issue 14 item 15).
        y_title=f"{short} change",
    )
    if summary.empty or column not in summary.columns:
        week_axis(figure)
        return say_empty(figure, f"No couples with {short} ratings yet.")
    data = summary.loc[summary[column].notna()]
    left_out = len(summary) - len(data)
    if data.empty:
        week_axis(figure)
        return say_empty(figure, f"No couple has two {short} ratings yet.")
    if len(data) > max_points:
        _add_status_cells(figure, data, column, short)
    else:
        _add_status_points(figure, data, column, short)
    add_lines(figure, hline(0, {"color": "#999", "width": 1}))
    if left_out:
        figure.add_annotation(
            text=f"{plural(left_out, 'couple')} without two {short} ratings are not shown.",
            **NOTE_POSITION,
        )
    week_axis(figure, float(data["weeks_in_care"].max()))
    return figure


def _status_order(statuses: pd.Series) -> list[str]:
    present = set(statuses.dropna())
    return [s for s in STATUSES if s in present] + sorted(present - set(STATUSES))


def _add_status_points(figure: go.Figure, data: pd.DataFrame, column: str, short: str) -> None:
    reasons = data.get("progress_reason", pd.Series("", index=data.index)).fillna("")
    for status in _status_order(data["progress_status"]):
        rows = data.loc[data["progress_status"] == status]
        changes = [signed_change(v) for v in rows[column]]
        figure.add_trace(
            go.Scatter(
                x=rows["weeks_in_care"],
                y=rows[column],
                mode="markers",
                name=status,
                marker={"size": 9, "color": STATUS_COLOURS.get(status, "#666"), "opacity": 0.85},
                customdata=np.column_stack(
                    [
                        rows["case_code"].to_numpy(dtype=object),
                        np.array(changes, dtype=object),
                        reasons.loc[rows.index].map(chart_text).to_numpy(dtype=object),
                    ]
                ),
                hovertemplate="<b>%{customdata[0]}</b> · "
                + status
                + f"<br>Week %{{x:.0f}} · {short} %{{customdata[1]}}<br>"
                + "%{customdata[2]}<extra></extra>",
            )
        )


def _add_status_cells(figure: go.Figure, data: pd.DataFrame, column: str, short: str) -> None:
    span = float(data[column].max() - data[column].min()) or 1.0
    step = span / 40
    cells = data.assign(
        _x=(data["weeks_in_care"] // 2) * 2 + 1,
        _y=(data[column] / step).round() * step,
    )
    counted = (
        cells.groupby(["progress_status", "_x", "_y"])
        .agg(n=("case_code", "size"), first=("case_code", "min"), last=("case_code", "max"))
        .reset_index()
    )
    for status in _status_order(counted["progress_status"]):
        rows = counted.loc[counted["progress_status"] == status]
        figure.add_trace(
            go.Scatter(
                x=rows["_x"],
                y=rows["_y"],
                mode="markers",
                name=status,
                marker={
                    "size": 5 + 3 * np.sqrt(rows["n"].to_numpy()),
                    "color": STATUS_COLOURS.get(status, "#666"),
                    "opacity": 0.7,
                },
                customdata=rows[["n", "first", "last"]].to_numpy(dtype=object),
                hovertemplate=f"<b>Couples: %{{customdata[0]}}</b> · {status}<br>"
                f"Weeks %{{x:.0f}}±1 · {short} about %{{y:+.1f}}<br>"
                "Case codes %{customdata[1]} … %{customdata[2]}<extra></extra>",
            )
        )


def outcomes_by_counsellor_chart(
    outcomes: pd.DataFrame, *, max_bars: int = MAX_CHART_COUNSELLORS
) -> go.Figure:
    """Supervisor view: each counsellor's couples past week 26, split by their outcome at
    six months (week 26 ± 4) and "not rated" (no rating there: counted as not improved),
    as shares of every couple past week 26, with counts in the bar text and the hover.

    `outcomes`: progress.outcomes_by_counsellor. More than `max_bars` counsellors: the
    `max_bars` with couples past week 26 and the lowest share improved, with a note.
    """
    figure = base_figure(
        "Outcomes at 26 weeks (6 months), by counsellor",
        subtitle="Every couple past week 26; improved and recovered are reliable change "
        "(recovered also crossed the cut-off); not rated counts as not improved.",
        x_title="Share of couples past week 26",
    )
    figure.update_layout(barmode="stack", legend={"traceorder": "normal"})
    set_axis(figure.layout.xaxis, range=[0, 1], tickformat=".0%")
    past = outcomes["past_26"] if "past_26" in outcomes.columns else pd.Series(dtype=float)
    if outcomes.empty or past.sum() == 0:
        return say_empty(figure, "No couple has reached six months yet.")
    left_out = max(0, len(outcomes) - max_bars)
    if left_out:
        outcomes = outcomes.loc[outcomes["past_26"] > 0].nsmallest(
            max_bars, "share_improved", keep="first"
        )
        left_out = int(past.gt(0).sum()) - len(outcomes)
        figure.update_layout(
            title_text=f"Outcomes at 26 weeks (6 months): the {len(outcomes)} counsellors with "
            "the lowest share improved",
        )
        figure.add_annotation(
            text=f"{plural(left_out, 'other counsellor')} with couples past week 26 "
            "are in the table below.",
            **NOTE_POSITION,
        )
    data = outcomes.sort_values("counsellor", ascending=False, kind="stable")
    if "not_rated" not in data.columns:
        data = data.assign(not_rated=data["past_26"] - data["rated_26"])
    labels = [
        f"{chart_text(name)} · {helped / n:.0%} improved ({helped} of {n})"
        if n
        else f"{chart_text(name)} · none yet"
        for name, helped, n in zip(
            data["counsellor"], data["improved_or_recovered"], data["past_26"], strict=True
        )
    ]
    for outcome in ("recovered", "improved", "no reliable change", "deteriorated", "not rated"):
        column = outcome.replace(" ", "_")
        counts = data[column].astype(int)
        shares = counts / data["past_26"].where(data["past_26"] > 0)
        figure.add_trace(
            go.Bar(
                x=shares,
                y=labels,
                orientation="h",
                name=outcome,
                marker={"color": OUTCOME_COLOURS[outcome]},
                text=[str(c) if c else "" for c in counts],
                textposition="inside",
                customdata=np.column_stack([counts.to_numpy(), data["past_26"].to_numpy()]),
                hovertemplate=f"<b>%{{y}}</b><br>{outcome}: %{{customdata[0]}} of "
                "%{customdata[1]} couples past week 26 (%{x:.0%})<extra></extra>",
            )
        )
    return figure
