"""Progress analytics (core.progress): reliable and clinically significant change,
milestones, the expected trajectory and band, statuses, asymmetry, the caseload summary,
outcomes by counsellor, thin data. Expected values are worked by hand in the comments.

Frames are built directly in measures_frame's shape, without a database; the readers
themselves are tested in tests/unit/queries/test_ratings.py."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.measures import reliable_change_index
from core.progress import (
    CHANGE_COLUMNS,
    MEASURE_COLUMNS,
    MILESTONE_COLUMNS,
    STATUSES,
    asymmetry,
    caseload_summary,
    change_table,
    classify,
    clinic_constants,
    couple_status,
    empirical_band,
    empty_measures,
    milestones,
    needs_attention_first,
    outcomes_by_counsellor,
    reference_band,
    reference_curve,
)

INTAKE = date(2026, 1, 5)
NAMES = {"A": "Kit", "B": "Lou"}
# The instruments' defaults: CSI-4 SD 4.0, r .94; five C's 8.0, .80; distress 2.5, .70.
DEFAULTS = clinic_constants(empty_measures())


def rating(
    week: float,
    total: float,
    *,
    couple: int = 1,
    partner: str = "A",
    instrument: str = "csi4",
    items: dict[str, float] | None = None,
    status: str = "active",
    counsellor_id: int = 1,
) -> dict[str, Any]:
    """One row of measures_frame; `week` is turned into a whole number of days."""
    days = round(week * 7)
    return {
        "couple_id": couple,
        "case_code": f"C-{couple:04d}",
        "counsellor_id": counsellor_id,
        "status": status,
        "partner_label": partner,
        "partner_name": NAMES[partner],
        "role": "hurt" if partner == "A" else "broke_trust",
        "instrument": instrument,
        "measured_on": pd.Timestamp(INTAKE + timedelta(days=days)),
        "week": days / 7,
        "total": float(total),
        "items": items or {},
    }


def frame_of(*rows: dict[str, Any]) -> pd.DataFrame:
    if not rows:
        return empty_measures()
    return pd.DataFrame(list(rows), columns=MEASURE_COLUMNS)


def flat_band(p25: float = -1.0, p75: float = 3.0) -> pd.DataFrame:
    """A band of -1..+3 points at every week for every instrument, as if from the clinic."""
    band = empirical_band(empty_measures(), DEFAULTS)
    return band.assign(p25=p25, p75=p75, source="clinic", n_couples=40)


def statuses(
    *rows: dict[str, Any],
    today: float | None,
    roster: list[int] | None = None,
    band: pd.DataFrame | None = None,
) -> pd.DataFrame:
    frame = frame_of(*rows)
    changes = change_table(frame, DEFAULTS)
    return classify(
        changes,
        milestones(frame, DEFAULTS),
        flat_band() if band is None else band,
        today_weeks=today,
        roster=None if roster is None else pd.DataFrame({"couple_id": roster}),
    )


def partner_status(result: pd.DataFrame, couple: int = 1, partner: str = "A") -> tuple[str, str]:
    row = result.loc[(result["couple_id"] == couple) & (result["partner_label"] == partner)]
    assert len(row) == 1, result
    return row["status"].iloc[0], row["reason"].iloc[0]


# --- reliable and clinically significant change --------------------------------------------------


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
    assert "default SD 4.0" in row.constants_source
    status, reason = partner_status(statuses(rating(0, 10), rating(8, 16), today=8))
    assert status == "recovered"
    assert reason == (
        "CSI-4 rose reliably from 10 to 16 (RCI +4.3); now out of the clinical range (cut-off 13.5)"
    )


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
    status, reason = partner_status(
        statuses(
            rating(0, 8, instrument="distress"), rating(10, 3, instrument="distress"), today=10
        )
    )
    assert (status, reason) == ("improved", "Distress fell reliably from 8 to 3 (RCI −2.6)")


def test_a_single_rating_has_no_change_and_no_rci() -> None:
    row = change_table(frame_of(rating(0, 10)), DEFAULTS).iloc[0]
    assert row.n_ratings == 1 and row.direction == "one rating" and not row.reliable
    assert math.isnan(row.change) and math.isnan(row.rci) and math.isnan(row["pct_change"])


def test_the_screen_is_not_tracked_by_reliable_change() -> None:
    frame = frame_of(rating(0, 4, instrument="pcptsd5"), rating(8, 1, instrument="pcptsd5"))
    assert change_table(frame, DEFAULTS).empty
    assert set(DEFAULTS["instrument"]) == {"five_cs", "csi4", "distress"}


# --- clinic constants --------------------------------------------------------------------------


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


# --- expected trajectory -----------------------------------------------------------------------


def test_reference_curve_saturates_at_week_26() -> None:
    # Gain at 26 weeks = z(0.70) * 1 SD = 0.524401 SD; CSI-4 SD 4 -> 2.0976 points.
    # Week 6: shape = (1 - e^-0.6) / (1 - e^-2.6) = 0.451188 / 0.925726 = 0.487388
    #         -> 2.0976 * 0.487388 = 1.0223.
    # Distress (lower is better, SD 2.5): -0.524401 * 2.5 = -1.3110 at 26.
    curve = reference_curve("csi4", [0, 6, 26, 40])
    assert curve == pytest.approx([0.0, 1.0223, 2.0976, 2.0976], abs=1e-4)
    assert reference_curve("distress", [26]) == pytest.approx([-1.3110], abs=1e-4)
    assert reference_curve("csi4", [26], sd=2.0) == pytest.approx([1.0488], abs=1e-4)
    assert np.isnan(reference_curve("pcptsd5", [10])).all()


def test_reference_band_adds_measurement_error_to_the_spread_of_change() -> None:
    # Week 26, CSI-4: true spread 1 SD = 4; noise = 4 * sqrt(2 * 0.06) = 1.385641;
    # spread = sqrt(16 + 1.92) = 4.233202; half IQR = 0.674490 * 4.233202 = 2.855253;
    # p25 = 2.097602 - 2.855253 = -0.7577; p75 = 2.097602 + 2.855253 = 4.9529.
    row = reference_band("csi4", [26]).iloc[0]
    assert (row.p25, row.expected, row.p75) == pytest.approx((-0.7577, 2.0976, 4.9529), abs=1e-4)
    # Week 0: only noise, centred on 0: +-0.674490 * 1.385641 = +-0.9346.
    start = reference_band("csi4", [0]).iloc[0]
    assert (start.p25, start.p75) == pytest.approx((-0.9346, 0.9346), abs=1e-4)


def band_caseload(couples: int) -> pd.DataFrame:
    """Five C's: baseline 5 at day 0; at day 45 (week 6.43, bin 6-8) 5 + k for couple k.
    Couple 0 also has an earlier rating in the same bin (day 43, total 50) that the later
    one replaces."""
    rows = []
    for k in range(couples):
        rows.append(rating(0, 5, couple=k + 1, instrument="five_cs"))
        if k == 0:
            rows.append(rating(43 / 7, 50, couple=1, instrument="five_cs"))
        rows.append(rating(45 / 7, 5 + k, couple=k + 1, instrument="five_cs"))
    return frame_of(*rows)


def test_empirical_band_uses_the_clinic_percentiles_from_30_couples() -> None:
    # Changes in bin 6-8: 0, 1, ..., 39 (40 couples). Linear percentiles:
    # p25 at position 0.25 * 39 = 9.75 -> 9.75; median 19.5; p75 at 29.25 -> 29.25.
    band = empirical_band(band_caseload(40), DEFAULTS)
    assert len(band) == 26 * 3  # 26 two-week bins up to 52, three tracked instruments
    row = band.loc[(band["instrument"] == "five_cs") & (band["week_start"] == 6)].iloc[0]
    assert (row.n_couples, row.source, row.week_end, row.week) == (40, "clinic", 8, 7)
    assert (row.p25, row["median"], row.p75) == (9.75, 19.5, 29.25)


def test_empirical_band_falls_back_to_the_reference_band() -> None:
    # 29 couples in bin 6-8: not enough. Bin 8-10 (middle: week 9) has none at all.
    # Reference at week 9 (five C's, SD 8, r .80): shape = (1 - e^-0.9) / 0.925726 = 0.641043;
    # expected = 0.524401 * 8 * 0.641043 = 2.6893; spread = sqrt((8 * 0.641043)^2 + 64 * 0.4)
    # = sqrt(26.2995 + 25.6) = 7.2042; p25/p75 = 2.6893 -+ 0.674490 * 7.2042 = -2.1698 / 7.5484.
    band = empirical_band(band_caseload(29), DEFAULTS)
    five = band.loc[band["instrument"] == "five_cs"].set_index("week_start")
    assert (five.loc[6, "n_couples"], five.loc[6, "source"]) == (29, "reference")
    assert (five.loc[8, "n_couples"], five.loc[8, "source"]) == (0, "reference")
    assert (five.loc[8, "p25"], five.loc[8, "expected"], five.loc[8, "p75"]) == pytest.approx(
        (-2.1698, 2.6893, 7.5484), abs=1e-4
    )
    # The baselines themselves are not follow-ups: bin 0-2 stays the reference.
    assert five.loc[0, "n_couples"] == 0


# --- statuses ----------------------------------------------------------------------------------


def test_status_deteriorated() -> None:
    # 14 -> 8: RCI = -6 / 1.385641 = -4.33.
    status, reason = partner_status(statuses(rating(0, 14), rating(8, 8), today=8))
    assert (status, reason) == ("deteriorated", "CSI-4 fell reliably from 14 to 8 (RCI −4.3)")


def test_status_improved() -> None:
    # Five C's 10 -> 30: SE = 8 * sqrt(2) * sqrt(0.2) = 5.059644; RCI = 20 / 5.059644 = 3.95.
    rows = (rating(0, 10, instrument="five_cs"), rating(9, 30, instrument="five_cs"))
    status, reason = partner_status(statuses(*rows, today=9))
    assert (status, reason) == ("improved", "Five C's rose reliably from 10 to 30 (RCI +4.0)")


def test_status_on_track_within_the_band() -> None:
    # 12 -> 13: +1 lies within the band (-1 .. +3); RCI 0.72.
    status, reason = partner_status(statuses(rating(0, 12), rating(8, 13), today=8))
    assert status == "on track"
    assert reason == (
        "CSI-4 +1 since week 0: within the expected range at week 8 (−1 to +3, clinic data)"
    )


def test_status_not_on_track_below_the_band() -> None:
    # 12 -> 10: -2 < -1 (the band's lower edge); RCI -1.44 is not reliable.
    status, reason = partner_status(statuses(rating(0, 12), rating(8, 10), today=8))
    assert status == "not on track"
    assert reason == (
        "CSI-4 −2 since week 0: worse than the expected range at week 8 (−1 to +3, clinic data)"
    )


def test_lower_is_better_is_judged_against_the_upper_edge() -> None:
    # Distress (lower is better) 5 -> 8: +3 is worse than the band's upper edge +2;
    # RCI = 3 / 1.936492 = 1.55 is not reliable, so the band decides.
    rows = (rating(0, 5, instrument="distress"), rating(8, 8, instrument="distress"))
    status, _ = partner_status(statuses(*rows, today=8, band=flat_band(-3, 2)))
    assert status == "not on track"


def test_status_not_on_track_without_reliable_improvement_by_week_12() -> None:
    # 12 -> 13 at week 14 (within the band), now week 14: past 12, no reliable improvement.
    status, reason = partner_status(statuses(rating(0, 12), rating(14, 13), today=14))
    assert status == "not on track"
    assert reason == (
        "No reliable improvement by week 12 (now week 14); CSI-4 +1 since week 0 (RCI +0.7)"
    )
    # The same ratings judged at week 12 exactly: not past week 12 yet.
    assert partner_status(statuses(rating(0, 12), rating(11, 13), today=12))[0] == "on track"


def test_reliable_improvement_at_week_12_counts_even_if_it_later_fades() -> None:
    # Week 12: 10 -> 14 (RCI 2.89, improved at the milestone); week 16: 11 (+1, in band).
    rows = (rating(0, 10), rating(12, 14), rating(16, 11))
    assert partner_status(statuses(*rows, today=16))[0] == "on track"


def test_status_too_early_and_one_rating_later_on() -> None:
    status, reason = partner_status(statuses(rating(1, 12), today=3))
    assert (status, reason) == (
        "too early",
        "Only the first rating so far (week 1): too early to judge",
    )
    status, reason = partner_status(statuses(rating(0, 12), today=8))
    assert status == "not on track"
    assert reason == "Only one rating (week 0) and now week 8: no change can be measured"


def test_status_no_ratings_for_a_roster_couple() -> None:
    result = statuses(today=10, roster=[9])
    assert list(result["status"]) == ["no ratings", "no ratings"]
    assert list(result["reason"]) == [
        "No ratings from partner A yet",
        "No ratings from partner B yet",
    ]
    couple = couple_status(result).iloc[0]
    assert (couple.couple_id, couple.status) == (9, "no ratings")


def test_partner_who_never_attended() -> None:
    result = statuses(rating(0, 10), rating(8, 16), today=8, roster=[1])
    assert partner_status(result, partner="B")[0] == "no ratings"
    couple = couple_status(result).iloc[0]
    assert couple.status == "recovered"
    assert couple.reason.startswith("Kit: CSI-4 rose reliably from 10 to 16")
    assert couple.reason.endswith(" · Partner B: no ratings")
    assert (couple.status_A, couple.status_B) == ("recovered", "no ratings")


def test_closed_couple_keeps_its_last_status() -> None:
    # Closed after week 4 (12 -> 13, in band). Now week 40, but a closed case is judged at
    # its last rating: on track, not "no reliable improvement by week 12".
    rows = (rating(0, 12, status="closed"), rating(4, 13, status="closed"))
    status, reason = partner_status(statuses(*rows, today=40))
    assert status == "on track"
    assert reason.endswith("(case closed; last rating at week 4)")
    open_rows = (rating(0, 12), rating(4, 13))
    assert partner_status(statuses(*open_rows, today=40))[0] == "not on track"


def test_ratings_only_after_week_26() -> None:
    # First rating at week 27 is not an intake baseline: no band (−2 would be below it),
    # and the week-12 rule counts 12 weeks from the first rating.
    rows = (rating(27, 12), rating(29, 10))
    status, reason = partner_status(statuses(*rows, today=30))
    assert status == "on track"
    assert reason == (
        "CSI-4 −2 since week 27, the first rating (not at intake); no reliable change yet"
        " (RCI −1.4)"
    )
    status, reason = partner_status(statuses(*rows, today=40))
    assert status == "not on track"
    assert reason.startswith("No reliable improvement in the 12 weeks since the first rating")
    assert partner_status(statuses(rating(27, 8), rating(29, 16), today=30))[0] == "recovered"


def test_deterioration_takes_precedence_over_improvement() -> None:
    rows = (
        rating(0, 10),
        rating(8, 16),  # CSI-4 recovered
        rating(0, 3, instrument="distress"),
        rating(8, 8, instrument="distress"),  # RCI +2.58 the wrong way
    )
    status, reason = partner_status(statuses(*rows, today=8))
    assert (status, reason) == ("deteriorated", "Distress rose reliably from 3 to 8 (RCI +2.6)")


def test_couple_status_takes_the_more_urgent_partner() -> None:
    rows = (
        rating(0, 10),
        rating(8, 16),
        rating(0, 12, partner="B"),
        rating(8, 10, partner="B"),
    )
    couple = couple_status(statuses(*rows, today=8)).iloc[0]
    assert couple.status == "not on track"
    assert couple.reason.startswith("Lou: CSI-4 −2 since week 0: worse than the expected range")
    assert couple.reason.endswith(" · Kit: recovered")


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


# --- asymmetry ---------------------------------------------------------------------------------


def test_asymmetry_one_partner_improves_reliably() -> None:
    # Kit 10 -> 16 (RCI +4.3); Lou 10 -> 11 (RCI 1 / 1.385641 = +0.7).
    frame = frame_of(
        rating(0, 10), rating(8, 16), rating(0, 10, partner="B"), rating(8, 11, partner="B")
    )
    row = asymmetry(change_table(frame, DEFAULTS)).iloc[0]
    assert row.asymmetry
    assert row.asymmetry_reason == (
        "Kit improved reliably (CSI-4, RCI +4.3); Lou has not (best: CSI-4, RCI +0.7)"
    )


def test_no_asymmetry_when_both_improve_or_one_has_a_single_rating() -> None:
    both = frame_of(
        rating(0, 10), rating(8, 16), rating(0, 10, partner="B"), rating(8, 14, partner="B")
    )
    single = frame_of(rating(0, 10), rating(8, 16), rating(0, 10, partner="B"))
    for frame in (both, single):
        row = asymmetry(change_table(frame, DEFAULTS)).iloc[0]
        assert (row.asymmetry, row.asymmetry_reason) == (False, "")


def test_asymmetry_trust_gap_is_strictly_more_than_ten_points() -> None:
    def gap(a: float, b: float) -> pd.Series:
        frame = frame_of(
            rating(0, a, instrument="five_cs"), rating(0, b, partner="B", instrument="five_cs")
        )
        return asymmetry(change_table(frame, DEFAULTS)).iloc[0]

    assert not gap(38, 28).asymmetry  # 10 points: not more than 10
    row = gap(40, 28)
    assert row.asymmetry
    assert row.asymmetry_reason == "Latest Five C's Kit 40, Lou 28: 12 points apart (more than 10)"


# --- caseload summary and attention ------------------------------------------------------------

TODAY = date(2026, 3, 2)  # INTAKE + 8 weeks


def caseload_frame(
    statuses_by_couple: dict[int, str], last_sessions: dict[int, date]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "couple_id": list(statuses_by_couple),
            "case_code": [f"C-{c:04d}" for c in statuses_by_couple],
            "partners": "Kit & Lou",
            "counsellor": "Alice",
            "status": list(statuses_by_couple.values()),
            "safety_concern": False,
            "intake_date": INTAKE,
            "weeks_in_care": 8,
            "last_session": [last_sessions.get(c) for c in statuses_by_couple],
            "sessions": 3,
        }
    )


def test_caseload_summary_scores_attention_and_sorts() -> None:
    frame = frame_of(
        rating(0, 14, couple=1), rating(8, 8, couple=1),  # deteriorated
        rating(0, 12, couple=2), rating(8, 13, couple=2),  # on track, open safety concern
        rating(0, 12, couple=3), rating(8, 10, couple=3),  # not on track, 2 overdue
        rating(0, 14, couple=4, status="closed"), rating(4, 8, couple=4, status="closed"),
        rating(0, 12, couple=5), rating(8, 13, couple=5),  # on track, 5 weeks quiet
    )  # fmt: skip
    recent = TODAY - timedelta(days=3)
    roster = caseload_frame(
        {1: "Active", 2: "Active", 3: "Active", 4: "Closed", 5: "Active", 6: "Intake"},
        {1: recent, 2: recent, 3: recent, 4: INTAKE, 5: TODAY - timedelta(weeks=5), 6: recent},
    )
    extras = pd.DataFrame(
        {
            "couple_id": [2, 3, 4],
            "safety_concern": [True, False, False],
            "overdue_homework": [0, 2, 5],
            "unsigned_notes": [0, 0, 1],
        }
    )
    summary = caseload_summary(
        frame, DEFAULTS, couples=roster, extras=extras, band=flat_band(), today=TODAY
    )
    by = summary.set_index("couple_id")
    assert list(by["progress_status"]) == [
        "deteriorated", "on track", "not on track", "deteriorated", "on track", "no ratings"
    ]  # fmt: skip
    # deteriorated 32; safety 32; not on track 16 + overdue 4; closed: only the unsigned
    # note (2), not its deterioration or overdue homework; long gap 1; couple 6: nothing.
    assert list(by["attention"]) == [32, 32, 20, 2, 1, 0]
    assert by.loc[3, "attention_reasons"] == "not on track; 2 overdue homework"
    assert by.loc[4, "attention_reasons"] == "1 unsigned note"
    assert by.loc[5, "attention_reasons"] == "5 weeks since the last session"
    assert by.loc[5, "weeks_since_last_session"] == 5
    assert by.loc[1, "improvement_csi4"] == -6 and math.isnan(by.loc[6, "improvement_csi4"])
    assert list(by["outcome_26"].unique()) == ["not yet"]
    ordered = needs_attention_first(summary)
    # 1 and 2 tie at 32: deteriorated before on track.
    assert list(ordered["couple_id"]) == [1, 2, 3, 4, 5, 6]


def test_outcomes_by_counsellor_counts_and_shares() -> None:
    summary = pd.DataFrame(
        {
            "couple_id": range(1, 8),
            "counsellor": ["Alice"] * 5 + ["Bruno"] * 2,
            "outcome_26": [
                "recovered", "improved", "no reliable change", "not rated", "not yet",
                "deteriorated", "not yet",
            ],
        }
    )  # fmt: skip
    table = outcomes_by_counsellor(summary).set_index("counsellor")
    alice, bruno = table.loc["Alice"], table.loc["Bruno"]
    # Alice: 5 couples, 4 past week 26, 3 rated there, 2 improved or recovered:
    # 2 / 3 = 0.667 of those rated, 2 / 4 = 0.5 of all past week 26.
    assert (alice.couples, alice.past_26, alice.rated_26, alice.improved_or_recovered) == (
        5,
        4,
        3,
        2,
    )
    assert (alice.share_improved, alice.share_improved_all) == pytest.approx((2 / 3, 0.5))
    assert (bruno.past_26, bruno.deteriorated, bruno.share_improved) == (1, 1, 0.0)
    assert outcomes_by_counsellor(summary.iloc[0:0]).empty


# --- empty and thin data -----------------------------------------------------------------------


def test_everything_survives_no_ratings_at_all() -> None:
    empty = empty_measures()
    assert list(empty.columns) == MEASURE_COLUMNS
    constants = clinic_constants(empty)
    assert list(constants["sd"]) == [8.0, 4.0, 2.5]
    changes = change_table(empty, constants)
    assert changes.empty and list(changes.columns) == CHANGE_COLUMNS
    assert milestones(empty, constants).empty
    band = empirical_band(empty, constants)
    assert set(band["source"]) == {"reference"}
    assert asymmetry(changes).empty
    assert classify(changes, None, None, today_weeks=5).empty
    roster = caseload_frame({1: "Intake", 2: "Active"}, {})
    summary = caseload_summary(empty, constants, couples=roster, today=TODAY)
    assert list(summary["progress_status"]) == ["no ratings", "no ratings"]
    assert list(summary["attention"]) == [1, 1]  # no session yet after 8 weeks
    assert list(summary["attention_reasons"]) == ["no session yet", "no session yet"]
    assert needs_attention_first(summary).shape[0] == 2
    assert outcomes_by_counsellor(summary)["past_26"].tolist() == [0]


def test_classify_without_today_judges_at_the_last_rating() -> None:
    # No today: the last rating's week (8) stands in, so the week-12 rule does not fire.
    assert partner_status(statuses(rating(0, 12), rating(8, 13), today=None))[0] == "on track"
