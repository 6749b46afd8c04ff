"""Charts (core.charts): each function returns a plotly Figure with the expected traces,
the six-month marker wherever there is a week axis, and a clear message on empty input."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from core import caseload_charts, charts
from core.charts import PARTNER_COLOURS, STATUS_COLOURS, figure_summary
from core.progress import empty_measures
from tests.progress_support import flat_band as band
from tests.progress_support import frame_of, rating

FIVE = ("care", "communication", "character", "consistency", "competence")


def has_six_month_marker(figure: go.Figure) -> bool:
    lines = figure_summary(figure)["vlines"]
    return 26 in lines and "6 months" in figure_summary(figure)["annotations"]


def trace(figure: go.Figure, name: str) -> Any:
    found = [t for t in figure.data if t.name == name]
    assert len(found) == 1, [t.name for t in figure.data]
    return found[0]


COUPLE = frame_of(
    rating(0, 10),
    rating(4, 12),
    rating(9, 15),
    rating(0, 6, partner="B"),
    rating(9, 8, partner="B"),
    rating(0, 5, instrument="distress"),
    rating(9, 3, instrument="distress"),
    rating(0, 10, couple=2),  # another couple: not drawn
)


# --- trend -------------------------------------------------------------------------------------


def test_trend_draws_each_partner_the_band_milestones_and_the_cut_off() -> None:
    figure = charts.trend(COUPLE, "csi4", band(), case_code="C-0001")
    summary = figure_summary(figure)
    assert summary["title"] == "C-0001 · Couples Satisfaction Index (CSI-4)"
    assert [name for _, name, _ in summary["traces"]] == [
        "Expected range (upper) · Kit (A)",
        "Expected range · Kit (A)",
        "Kit (A)",
        "Expected range (upper) · Lou (B)",
        "Expected range · Lou (B)",
        "Lou (B)",
    ]
    assert summary["vlines"] == [6, 12, 26]
    assert {"6 wk", "12 wk", "6 months"} <= set(summary["annotations"])
    assert summary["hlines"] == [13.5]
    assert "distress cut-off (below 13.5)" in summary["annotations"]
    kit = trace(figure, "Kit (A)")
    assert list(kit.x) == [0, 4, 9] and list(kit.y) == [10, 12, 15]
    assert kit.mode == "lines+markers" and kit.line.color == PARTNER_COLOURS["A"]
    assert trace(figure, "Lou (B)").line.color == PARTNER_COLOURS["B"]
    # Band (10th-90th percentile) shifted to Kit's first rating (10): 10 - 1 = 9 ..
    # 10 + 3 = 13 at every week, from the first rating to the end of the axis (week 30).
    lower = trace(figure, "Expected range · Kit (A)")
    upper = trace(figure, "Expected range (upper) · Kit (A)")
    assert lower.fill == "tonexty" and set(lower.y) == {9.0} and set(upper.y) == {13.0}
    assert lower.x[0] == 0 and lower.x[-1] == 30
    assert list(figure.layout.yaxis.range) == pytest.approx([-0.63, 21.63])
    assert figure.layout.xaxis.title.text == "Weeks since intake"
    assert "Kit" in kit.hovertemplate and "CSI-4" in kit.hovertemplate
    assert kit.customdata[1][1] == "+2 since the first rating"


def test_trend_band_is_smooth_within_the_scale_and_reaches_the_end() -> None:
    # Issue 14 item 4: the reference band, drawn from a late-ish start to a long chart.
    from core.progress import clinic_constants, empirical_band, empty_measures

    reference = empirical_band(empty_measures(), clinic_constants(empty_measures()))
    long = frame_of(rating(0, 18), rating(59, 20))  # high start, 61-week chart
    figure = charts.trend(long, "csi4", reference, case_code="C-0001")
    lower = trace(figure, "Expected range · Kit (A)")
    upper = trace(figure, "Expected range (upper) · Kit (A)")
    assert lower.x[0] == 0 and lower.x[-1] == 61  # to the end of the axis
    assert max(upper.y) <= 21 and min(lower.y) >= 0  # within the scale
    steps = np.abs(np.diff(np.asarray(lower.y, dtype=float)))
    assert steps.max() < 1.0  # no jump (was: a drop at week 20, a stop at 29 or 51)
    assert np.all(np.diff(np.asarray(upper.y, dtype=float)) >= -1e-9)  # never falls


def test_trend_band_is_clipped_to_the_instrument_range() -> None:
    figure = charts.trend(COUPLE, "csi4", band(-20, 20), case_code="C-0001")
    lower = trace(figure, "Expected range · Kit (A)")
    upper = trace(figure, "Expected range (upper) · Kit (A)")
    assert set(lower.y) == {0.0} and set(upper.y) == {21.0}


def test_trend_without_cut_off_or_band() -> None:
    figure = charts.trend(COUPLE, "distress", None, case_code="C-0001")
    summary = figure_summary(figure)
    assert summary["hlines"] == []
    assert [name for _, name, _ in summary["traces"]] == ["Kit (A)"]
    assert has_six_month_marker(figure)
    assert list(figure.layout.yaxis.range) == pytest.approx([-0.3, 10.3])


def test_trend_has_no_band_from_a_late_first_rating() -> None:
    late = frame_of(rating(27, 12), rating(29, 14), rating(0, 10, partner="B"))
    names = [t.name for t in charts.trend(late, "csi4", band(), case_code="C-0001").data]
    assert names == [
        "Kit (A)",
        "Expected range (upper) · Lou (B)",
        "Expected range · Lou (B)",
        "Lou (B)",
    ]


@pytest.mark.parametrize("frame", [empty_measures(), COUPLE])
def test_trend_says_when_there_is_nothing_to_draw(frame: pd.DataFrame) -> None:
    figure = charts.trend(frame, "csi4", band(), case_code="C-0099")
    assert len(figure.data) == 0
    assert "No CSI-4 ratings for C-0099 yet." in figure_summary(figure)["annotations"]
    assert has_six_month_marker(figure)
    assert figure.layout.xaxis.range[1] >= 26


def test_trend_of_an_unknown_instrument() -> None:
    figure = charts.trend(COUPLE, "nope", band(), case_code="C-0001")
    assert len(figure.data) == 0 and has_six_month_marker(figure)
    assert "There is no measure called 'nope'." in figure_summary(figure)["annotations"]


# --- five C's profile --------------------------------------------------------------------------


def test_five_cs_profile_first_and_latest_per_partner() -> None:
    first = dict(zip(FIVE, (1, 2, 3, 4, 5), strict=True))
    latest = dict(zip(FIVE, (6, 7, 8, 9, 10), strict=True))
    frame = frame_of(
        rating(0, 15, instrument="five_cs", items=first),
        rating(10, 40, instrument="five_cs", items=latest),
        rating(1, 15, partner="B", instrument="five_cs", items=first),
    )
    figure = charts.five_cs_profile(frame)
    names = [t.name for t in figure.data]
    assert names == [
        "Kit (A) · first rating (week 0)",
        "Kit (A) · latest rating (week 10)",
        "Lou (B) · only rating so far (week 1)",
    ]
    assert all(t.type == "bar" for t in figure.data)
    assert list(figure.data[0].x) == [
        "Care",
        "Communication",
        "Character",
        "Consistency",
        "Competence",
    ]
    assert list(figure.data[1].y) == [6, 7, 8, 9, 10]
    assert figure.layout.barmode == "group"
    assert figure.layout.title.text.startswith("C-0001 · Five C's")


def test_five_cs_profile_empty() -> None:
    figure = charts.five_cs_profile(empty_measures())
    assert len(figure.data) == 0
    assert "No five C's ratings yet." in figure_summary(figure)["annotations"]


# --- homework adherence ------------------------------------------------------------------------


def test_adherence_over_time_per_partner() -> None:
    adherence = pd.DataFrame(
        {
            "partner_label": ["A", "A", "B", "B"],
            "partner_name": ["Kit", "Kit", "Lou", "Lou"],
            "week": [2, 4, 2, 4],
            "rate": [1.0, 0.5, 0.0, np.nan],
            "done": [2, 1, 0, 0],
            "expected": [2, 2, 1, 0],
        }
    )
    figure = charts.adherence_over_time(adherence, case_code="C-0001")
    kit, lou = figure.data
    assert (kit.name, lou.name) == ("Kit (A)", "Lou (B)")
    assert list(kit.y) == [100, 50] and kit.line.color == PARTNER_COLOURS["A"]
    assert np.isnan(lou.y[1])  # nothing expected: a gap, not 0 %
    assert list(kit.customdata[:, 0]) == ["2 of 2 done", "1 of 2 done"]
    assert lou.customdata[1][0] == "nothing expected"
    assert has_six_month_marker(figure)
    assert figure.layout.title.text == "C-0001 · Homework adherence by week since intake"


def test_adherence_over_time_minimal_columns_and_empty() -> None:
    minimal = pd.DataFrame({"partner_label": ["A"], "week": [3], "rate": [0.25]})
    figure = charts.adherence_over_time(minimal)
    assert figure.data[0].name == "Partner A" and list(figure.data[0].y) == [25]
    empty = charts.adherence_over_time(pd.DataFrame(columns=charts.ADHERENCE_TREND_COLUMNS))
    assert len(empty.data) == 0 and has_six_month_marker(empty)
    assert "No homework expected yet." in figure_summary(empty)["annotations"]


# --- caseload overview -------------------------------------------------------------------------


def overview_summary(couples: int) -> pd.DataFrame:
    statuses = ["recovered", "not on track", "deteriorated", "on track"]
    return pd.DataFrame(
        {
            "couple_id": range(1, couples + 1),
            "case_code": [f"C-{n:04d}" for n in range(1, couples + 1)],
            "weeks_in_care": [n % 40 for n in range(couples)],
            "progress_status": [statuses[n % 4] for n in range(couples)],
            "progress_reason": "a reason",
            "improvement_csi4": [float(n % 9 - 3) for n in range(couples)],
        }
    )


def test_caseload_overview_one_point_per_couple_by_status() -> None:
    summary = overview_summary(8)
    summary.loc[7, "improvement_csi4"] = np.nan  # no change yet: left out, counted
    figure = caseload_charts.caseload_overview(summary)
    names = [t.name for t in figure.data]
    assert names == ["deteriorated", "not on track", "recovered", "on track"]  # status order
    assert sum(len(t.x) for t in figure.data) == 7
    recovered = trace(figure, "recovered")
    assert recovered.marker.color == STATUS_COLOURS["recovered"]
    assert list(recovered.customdata[:, 0]) == ["C-0001", "C-0005"]
    assert "%{customdata[0]}" in recovered.hovertemplate
    annotations = figure_summary(figure)["annotations"]
    assert "1 couple without two CSI-4 ratings are not shown." in annotations
    assert has_six_month_marker(figure)
    assert figure_summary(figure)["hlines"] == [0]


def test_caseload_overview_counts_cells_for_a_large_caseload() -> None:
    summary = overview_summary(4000)
    figure = caseload_charts.caseload_overview(summary, max_points=1000)
    points = sum(len(t.x) for t in figure.data)
    assert points < 1000  # cells, not couples
    assert sum(int(n) for t in figure.data for n in t.customdata[:, 0]) == 4000
    assert has_six_month_marker(figure)


def test_caseload_overview_empty_and_missing_instrument() -> None:
    for figure in (
        caseload_charts.caseload_overview(overview_summary(0)),
        caseload_charts.caseload_overview(overview_summary(3), instrument_key="five_cs"),
    ):
        assert len(figure.data) == 0 and has_six_month_marker(figure)
        assert any("No couple" in text for text in figure_summary(figure)["annotations"])


# --- outcomes by counsellor --------------------------------------------------------------------


def outcomes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "counsellor": ["Alice", "Bruno"],
            "couples": [5, 2],
            "past_26": [4, 1],
            "rated_26": [3, 0],
            "deteriorated": [0, 0],
            "recovered": [1, 0],
            "improved": [1, 0],
            "no_reliable_change": [1, 0],
            "improved_or_recovered": [2, 0],
            "not_rated": [1, 1],
            "share_improved": [0.5, 0.0],
            "share_improved_rated": [2 / 3, np.nan],
        }
    )


def test_outcomes_by_counsellor_chart_stacks_shares_with_counts() -> None:
    figure = caseload_charts.outcomes_by_counsellor_chart(outcomes())
    assert "26 weeks (6 months)" in figure.layout.title.text
    assert [t.name for t in figure.data] == [
        "recovered",
        "improved",
        "no reliable change",
        "deteriorated",
        "not rated",
    ]
    recovered = trace(figure, "recovered")
    assert recovered.orientation == "h" and figure.layout.barmode == "stack"
    # Shares of every couple past week 26 (issue 9 item 6): Alice 2 of 4, Bruno 0 of 1.
    assert list(recovered.y) == ["Bruno · 0% improved (0 of 1)", "Alice · 50% improved (2 of 4)"]
    assert list(recovered.x) == pytest.approx([0.0, 0.25])
    assert list(trace(figure, "not rated").x) == pytest.approx([1.0, 0.25])
    assert list(recovered.text) == ["", "1"]
    assert "couples past week 26" in recovered.hovertemplate


def many_counsellors(count: int) -> pd.DataFrame:
    """`count` counsellors with 4 couples past week 26 each, 0-4 improved; the last one
    has none past week 26."""
    helped = np.arange(count) % 5
    frame = pd.DataFrame(
        {
            "counsellor": [f"Counsellor {n:03d}" for n in range(count)],
            "couples": 6,
            "past_26": 4,
            "rated_26": 4,
            "deteriorated": 0,
            "recovered": 0,
            "improved": helped,
            "no_reliable_change": 4 - helped,
            "improved_or_recovered": helped,
            "not_rated": 0,
            "share_improved": helped / 4,
            "share_improved_rated": helped / 4,
        }
    )
    last = frame.index[-1]
    frame.loc[last, ["past_26", "rated_26", "improved", "no_reliable_change"]] = 0
    frame.loc[last, ["improved_or_recovered", "share_improved", "share_improved_rated"]] = 0
    frame.loc[last, ["share_improved", "share_improved_rated"]] = np.nan
    return frame


def test_outcomes_chart_of_many_counsellors_shows_those_with_the_lowest_share_improved() -> None:
    figure = caseload_charts.outcomes_by_counsellor_chart(many_counsellors(100), max_bars=10)
    shown = {label.split(" · ")[0] for label in trace(figure, "improved").y}
    assert shown == {f"Counsellor {n:03d}" for n in range(0, 50, 5)}  # the ten with 0 of 4
    assert "the 10 counsellors with the lowest share improved" in figure.layout.title.text
    notes = figure_summary(figure)["annotations"]
    assert "89 other counsellors with couples past week 26 are in the table below." in notes
    national = caseload_charts.outcomes_by_counsellor_chart(many_counsellors(800))
    assert len(trace(national, "improved").y) == caseload_charts.MAX_CHART_COUNSELLORS
    assert len(national.to_json()) < 200_000  # a national provider's 800 counsellors


def test_outcomes_by_counsellor_chart_empty() -> None:
    figure = caseload_charts.outcomes_by_counsellor_chart(outcomes().iloc[0:0])
    assert len(figure.data) == 0
    assert "No couple has reached six months yet." in figure_summary(figure)["annotations"]


def test_every_chart_serialises_for_the_browser() -> None:
    figures = [
        charts.trend(COUPLE, "csi4", band(), case_code="C-0001"),
        charts.five_cs_profile(
            frame_of(rating(0, 5, instrument="five_cs", items=dict.fromkeys(FIVE, 1)))
        ),
        charts.adherence_over_time(
            pd.DataFrame({"partner_label": ["A"], "week": [3], "rate": [1.0]})
        ),
        caseload_charts.caseload_overview(overview_summary(5)),
        caseload_charts.outcomes_by_counsellor_chart(outcomes()),
    ]
    for figure in figures:
        assert isinstance(figure, go.Figure)
        assert len(figure.to_json()) < 200_000


def test_a_kept_figure_makes_its_dict_once_and_draws_the_same() -> None:
    figure = go.Figure(go.Scatter(x=np.arange(50), y=np.arange(50) ** 2, name="A"))
    figure.update_layout(title="Kept")
    expected = figure.to_dict()
    made: list[int] = []
    original = go.Figure.to_dict

    def counted(self: go.Figure) -> dict:  # type: ignore[type-arg]
        made.append(1)
        return original(self)

    kept = charts.kept(figure)
    assert kept is figure and isinstance(kept, go.Figure)
    go.Figure.to_dict = counted  # type: ignore[method-assign]
    try:
        first, again = kept.to_dict(), kept.to_dict()
    finally:
        go.Figure.to_dict = original  # type: ignore[method-assign]
    assert made == [1] and again is first
    assert json.loads(pio.to_json(first, validate=False)) == json.loads(
        pio.to_json(expected, validate=False)
    )


def _lines_of(figure: go.Figure) -> dict[str, Any]:
    layout = figure.to_dict()["layout"]
    return {key: layout.get(key, []) for key in ("shapes", "annotations")}


def test_lines_are_drawn_as_plotly_draws_them() -> None:
    """core.charts' own vline/hline (one layout update, for speed) give the very shapes
    and labels of plotly's add_vline and add_hline."""
    dotted = {"dash": "dot", "color": "#444", "width": 1.5}
    plain_line = {"color": "#999", "width": 1}
    theirs = go.Figure()
    theirs.add_vline(
        x=6,
        line=dotted,
        annotation_text="6 wk",
        annotation_position="top",
        annotation_font={"size": 11},
    )
    theirs.add_hline(y=3, line=dotted, annotation_text="cut-off 3", annotation_position="top left")
    theirs.add_hline(y=0, line=plain_line)
    ours = go.Figure()
    charts.add_lines(
        ours,
        charts.vline(6, dotted, "6 wk", 11),
        charts.hline(3, dotted, "cut-off 3"),
        charts.hline(0, plain_line),
    )
    assert _lines_of(ours) == _lines_of(theirs)


def test_add_lines_keeps_what_the_figure_already_has() -> None:
    figure = charts.say_empty(charts.base_figure("Empty"), "Nothing yet")
    charts.add_lines(figure, charts.hline(1, {"color": "#999"}))
    charts.week_axis(figure)
    summary = figure_summary(figure)
    assert summary["vlines"] == [6, 12, 26]
    assert "Nothing yet" in summary["annotations"] and "6 months" in summary["annotations"]
    assert len(figure.layout.shapes) == 4


def test_every_figure_uses_the_white_template() -> None:
    figure = charts.base_figure("T", x_title="Weeks", y_title="Total")
    assert figure.layout.template == pio.templates["plotly_white"]
    assert (figure.layout.xaxis.title.text, figure.layout.yaxis.title.text) == ("Weeks", "Total")
