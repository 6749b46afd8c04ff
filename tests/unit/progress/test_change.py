"""Reliable and clinically significant change and the milestones (core.progress.change).
Expected values are worked by hand in the comments."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core.measures import reliable_change_index
from core.progress import (
    MILESTONE_COLUMNS,
    change_table,
    milestones,
)
from tests.progress_support import (
    DEFAULTS,
    frame_of,
    rating,
)

# --- reliable and clinically significant change ------------------------------------------------


def test_worked_example_csi4_from_10_to_16_is_reliable_and_clinically_significant() -> None:
    # SE of a difference = SD * sqrt(2) * sqrt(1 - r) = 4.0 * 1.41421 * sqrt(0.06)
    #                    = 4.0 * 1.41421 * 0.244949 = 1.385641
    # RCI = (16 - 10) / 1.385641 = 4.3301 >= 1.96: reliable improvement.
    # 10 < 13.5 (distressed) -> 16 >= 13.5 (not): clinically significant -> recovered.
    assert reliable_change_index(10, 16, 4.0, 0.94) == pytest.approx(4.3301, abs=1e-4)
    frame = frame_of(rating(0, 10), rating(8, 16))
    row = change_table(frame, DEFAULTS).iloc[0]
    assert (row.baseline, row.latest, row.change, row.n_ratings) == (10, 16, 6, 2)
    assert row["pct_change"] == pytest.approx(60.0)  # 6 / 10 * 100
    assert row.rci == pytest.approx(4.3301, abs=1e-4)
    assert row.reliable and row.direction == "improved" and row.clinically_significant
    assert (row.sd, row.reliability, row.weeks_latest) == (4.0, 0.94, 8.0)
    assert "SD 4.0" in row.constants_source and "Funk & Rogge" in row.constants_source
    # One follow-up rating: nothing is confirmed yet (core.progress.status needs two).
    assert row.confirmed == "" and pd.isna(row.previous)


def test_reliable_improvement_that_stays_in_the_clinical_range_is_not_recovery() -> None:
    # 6 -> 10: RCI = 4 / 1.385641 = 2.8868, reliable; but 10 is still below 13.5.
    row = change_table(frame_of(rating(0, 6), rating(8, 10)), DEFAULTS).iloc[0]
    assert row.direction == "improved" and not row.clinically_significant
    assert row.rci == pytest.approx(2.8868, abs=1e-4)


def test_lower_is_better_distress_falling_is_improvement() -> None:
    # SE = 2.5 * sqrt(2) * sqrt(0.30) = 1.936492; RCI = (3 - 8) / 1.936492 = -2.5820.
    # Lower is better, so a reliable fall is an improvement (+5 points of improvement).
    frame = frame_of(rating(0, 8, instrument="distress"), rating(10, 3, instrument="distress"))
    row = change_table(frame, DEFAULTS).iloc[0]
    assert row.rci == pytest.approx(-2.5820, abs=1e-4)
    assert (row.change, row.improvement, row.direction) == (-5, 5, "improved")
    assert not row.clinically_significant  # no cut-off
    # Confirmed by a third rating: the latest two both reliably better, the same way.
    rows = [rating(w, v, instrument="distress") for w, v in ((0, 8), (9, 3), (10, 3))]
    row = change_table(frame_of(*rows), DEFAULTS).iloc[0]
    assert (row.previous, row.weeks_previous, row.confirmed) == (3, 9, "improved")
    assert row.rci_previous == pytest.approx(-2.5820, abs=1e-4)


def test_a_single_rating_has_no_change_and_no_rci() -> None:
    row = change_table(frame_of(rating(0, 10)), DEFAULTS).iloc[0]
    assert row.n_ratings == 1 and row.direction == "one rating" and not row.reliable
    assert math.isnan(row.change) and math.isnan(row.rci) and math.isnan(row["pct_change"])


def test_the_screen_is_not_tracked_by_reliable_change() -> None:
    frame = frame_of(rating(0, 4, instrument="pcptsd5"), rating(8, 1, instrument="pcptsd5"))
    assert change_table(frame, DEFAULTS).empty
    assert set(DEFAULTS["instrument"]) == {"five_cs", "csi4", "distress"}


# --- milestones --------------------------------------------------------------------------------


def test_milestones_pick_the_nearest_rating_within_the_window() -> None:
    # Days 0, 35, 52, 77, 101, 140 = weeks 0, 5, 7.43, 11, 14.43, 20.
    # Week 6 (+-2): 5 is 1 away, 7.43 is 1.43 away -> week 5 (value 11).
    # Week 12 (+-2): 11 is 1 away, 14.43 is 2.43 away (outside) -> week 11 (value 13).
    # Week 26 (+-4, 22..30): nothing -> not reached.
    days = [0, 35, 52, 77, 101, 140]
    frame = frame_of(*(rating(d / 7, 10 + i) for i, d in enumerate(days)))
    table = milestones(frame, DEFAULTS)
    assert list(table.columns) == MILESTONE_COLUMNS
    by = table.set_index("milestone")
    assert (by.loc[6, "week"], by.loc[6, "value"], by.loc[6, "reached"]) == (5.0, 11.0, True)
    assert (by.loc[12, "week"], by.loc[12, "value"], by.loc[12, "reached"]) == (11.0, 13.0, True)
    assert not by.loc[26, "reached"] and math.isnan(by.loc[26, "value"])
    assert by.loc[26, "outcome"] == "not reached"
    assert list(by["label"]) == ["6 wk", "12 wk", "6 months"]
    # Week 6: 11 - 10 = 1, RCI 1 / 1.385641 = 0.72: no reliable change.
    # Week 12: 13 - 10 = 3, RCI 3 / 1.385641 = 2.17: improved.
    assert by.loc[6, "outcome"] == "no reliable change"
    assert by.loc[12, "outcome"] == "improved"
    assert by.loc[12, "rci"] == pytest.approx(2.1651, abs=1e-4)


def test_milestone_ties_go_to_the_earlier_rating_and_windows_are_inclusive() -> None:
    # Weeks 5 and 7 are both 1 from week 6 -> the earlier (value 11).
    # Week 22 is exactly 4 before 26: inside the window.
    frame = frame_of(rating(0, 10), rating(5, 11), rating(7, 12), rating(22, 17))
    by = milestones(frame, DEFAULTS).set_index("milestone")
    assert by.loc[6, "value"] == 11.0
    assert (by.loc[26, "week"], by.loc[26, "reached"]) == (22.0, True)
    # 17 - 10 = 7, RCI 5.05; 10 < 13.5 <= 17: recovered at six months.
    assert by.loc[26, "outcome"] == "recovered"


def test_a_baseline_at_the_milestone_is_not_a_change() -> None:
    by = milestones(frame_of(rating(5, 10), rating(9, 12)), DEFAULTS).set_index("milestone")
    assert by.loc[6, "week"] == 5.0 and by.loc[6, "outcome"] == "first rating"
    assert math.isnan(by.loc[6, "change"])
