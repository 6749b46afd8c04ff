"""The charts made ready for print (core.reports.figures)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go

from core.charts import figure_summary
from core.measures import CSI4
from core.reports import figures


def csi_ratings() -> pd.DataFrame:
    start = date(2026, 9, 1)
    return pd.DataFrame(
        {
            "case_code": "C-0007",
            "instrument": "csi4",
            "partner_label": ["A", "A", "B", "B"],
            "partner_name": ["Ana", "Ana", "Bo", "Bo"],
            "week": [0.0, 4.0, 0.0, 4.0],
            "total": [6.0, 9.0, 10.0, 12.0],
            "measured_on": [start, start + timedelta(weeks=4)] * 2,
        }
    )


def test_the_clinician_trend_keeps_the_cut_off_and_the_plain_one_drops_it() -> None:
    (clinical,) = figures.trend_figures(csi_ratings(), None, case_code="C-0007")
    (plain,) = figures.trend_figures(csi_ratings(), None, case_code="C-0007", plain=True)
    assert figure_summary(clinical.figure)["hlines"] == [CSI4.cutoff]
    assert figure_summary(plain.figure)["hlines"] == []
    assert figure_summary(plain.figure)["vlines"] == [6, 12, 26]  # milestones stay
    labels = figure_summary(plain.figure)["annotations"]
    assert "6 months" in labels and not any(str(CSI4.cutoff) in text for text in labels)


def test_print_size_and_a_wrapped_subtitle() -> None:
    words = "Shaded: the expected range from each partner's first rating, " * 3
    figure = go.Figure(layout={"title": {"text": "T", "subtitle": {"text": words}}})
    shown = figures.printable(figure)
    assert (shown.width, shown.height) == (figures.WIDTH, figures.HEIGHT)
    lines = shown.figure.layout.title.subtitle.text.split("<br>")
    assert len(lines) >= 2 and all(len(line) <= 110 for line in lines)
