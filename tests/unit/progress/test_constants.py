"""The clinic's reliable-change constants (core.progress.constants): the instruments'
defaults until 30 couples have a baseline, then the clinic's SD and, for the five C's,
Cronbach's alpha clamped to .50-.95; and the statuses. Expected values are worked by hand
in the comments."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core.progress import (
    STATUSES,
    clinic_constants,
)
from tests.progress_support import (
    frame_of,
    rating,
)


def five_cs_baselines(couples: int, *, same_items: bool = False) -> pd.DataFrame:
    """`couples` couples, partner A, a five C's baseline each and a wild later rating.

    Baselines alternate x = 2 and x = 4; items care..consistency = x, competence = 6 - x
    (or x too with same_items). Totals: 4x + 6 - x = 3x + 6 -> 12 or 18.
    """
    rows = []
    for couple in range(1, couples + 1):
        x = 2 if couple % 2 else 4
        items = dict.fromkeys(("care", "communication", "character", "consistency"), x)
        items["competence"] = x if same_items else 6 - x
        total = sum(items.values())
        rows.append(rating(0, total, couple=couple, instrument="five_cs", items=items))
        rows.append(rating(8, 50, couple=couple, instrument="five_cs", items={}))  # not a baseline
    return frame_of(*rows)


def test_clinic_constants_use_defaults_below_30_couples() -> None:
    table = clinic_constants(five_cs_baselines(29)).set_index("instrument")
    five = table.loc["five_cs"]
    assert (five.n_baselines, five.sd, five.reliability) == (29, 8.0, 0.80)
    assert five.sd_source.startswith("default SD 8.0 (29 of 30 couples")
    assert table.loc["csi4", "n_baselines"] == 0 and table.loc["csi4", "sd"] == 4.0


def test_clinic_constants_switch_to_the_clinic_at_30_couples() -> None:
    # 30 baselines, totals 12 (x15) and 18 (x15): mean 15, squares 9 each, sum 270;
    # SD = sqrt(270 / 29) = 3.0513.
    # Alpha: every item varies like x (x = 2/4: var = 30/29), so sum of item variances
    # = 5 * 30/29; total = 3x + 6 has variance 9 * 30/29;
    # alpha = 5/4 * (1 - 5/9) = 5/9 = 0.5556 (inside 0.50..0.95, not clamped).
    five = clinic_constants(five_cs_baselines(30)).set_index("instrument").loc["five_cs"]
    assert five.n_baselines == 30
    assert five.sd == pytest.approx(3.0513, abs=1e-4)
    assert five.reliability == pytest.approx(0.5556, abs=1e-4)
    assert five.sd_source == "SD 3.05 from the clinic's baselines (n=30)"
    assert five.reliability_source == "Cronbach's alpha 0.56 from the clinic's baselines (n=30)"
    assert five.source == f"{five.sd_source}; {five.reliability_source}"


def test_clinic_alpha_is_clamped_to_095() -> None:
    # All five items equal x: item variances 5 v, total 5x has variance 25 v;
    # alpha = 5/4 * (1 - 5/25) = 1.0 -> clamped to 0.95.
    five = clinic_constants(five_cs_baselines(30, same_items=True))
    row = five.set_index("instrument").loc["five_cs"]
    assert row.reliability == 0.95
    assert "clamped from 1.00" in row.reliability_source


def test_published_reliability_is_kept_when_the_clinic_sd_is_used() -> None:
    rows = [rating(0, 10 + 2 * (c % 2), couple=c) for c in range(1, 31)]
    csi = clinic_constants(frame_of(*rows)).set_index("instrument").loc["csi4"]
    # Totals 12 (x15) and 10 (x15): SD = sqrt(30 * 1 / 29) = 1.0171; r stays .94.
    assert csi.sd == pytest.approx(math.sqrt(30 / 29))
    assert csi.reliability == 0.94 and "Funk & Rogge" in csi.reliability_source


def test_every_status_is_known() -> None:
    assert set(STATUSES) == {
        "recovered",
        "improved",
        "on track",
        "not on track",
        "deteriorated",
        "too early",
        "no ratings",
    }
