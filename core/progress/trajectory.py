"""The expected trajectory: the reference curve and its interquartile band (a Mend
assumption until the clinic has data; see the notes at EXPECTED_SHARE_HELPED in
`core.progress.constants`) and the clinic's own band of change per 2-week bin
(`empirical_band`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from core.measures import INSTRUMENTS
from core.progress.constants import (
    BAND_BIN_WEEKS,
    BAND_COLUMNS,
    BAND_MAX_WEEK,
    CHANGE_SPREAD_SD,
    CURVE_TAU_WEEKS,
    EXPECTED_GAIN_SD,
    KEYS,
    LATE_BASELINE_WEEKS,
    MIN_BAND_COUPLES,
    QUARTILE_Z,
    SIX_MONTHS,
    TRACKED,
    _with_constants,
)


def _curve_shape(weeks: Any) -> np.ndarray:
    """0 at intake, 1 at week 26 and after (see the reference-curve notes in constants)."""
    capped = np.clip(np.asarray(weeks, dtype="float64"), 0, SIX_MONTHS)
    return (1 - np.exp(-capped / CURVE_TAU_WEEKS)) / (1 - np.exp(-SIX_MONTHS / CURVE_TAU_WEEKS))


def reference_curve(instrument_key: str, weeks: Any, *, sd: float | None = None) -> np.ndarray:
    """Expected change from baseline (raw points) at each of `weeks` since intake.

    EXPECTED_GAIN_SD baseline SDs (`sd`, default the instrument's default SD) reached at
    week 26 along a saturating exponential (CURVE_TAU_WEEKS), flat after; negative for
    instruments where lower is better. NaN for an instrument without constants.
    """
    tool = INSTRUMENTS.get(instrument_key)
    shape = _curve_shape(weeks)
    scale = sd if sd is not None else (tool.default_sd if tool else None)
    if tool is None or scale is None:
        return np.full(shape.shape, np.nan)
    sign = 1.0 if tool.higher_is_better else -1.0
    return sign * EXPECTED_GAIN_SD * float(scale) * shape


def reference_band(
    instrument_key: str, weeks: Any, *, sd: float | None = None, reliability: float | None = None
) -> pd.DataFrame:
    """The reference curve and its interquartile band (columns week, expected, p25, p75)."""
    tool = INSTRUMENTS.get(instrument_key)
    sd = sd if sd is not None else (tool.default_sd if tool else None)
    reliability = reliability if reliability is not None else (tool.reliability if tool else None)
    week = np.asarray(weeks, dtype="float64")
    expected = reference_curve(instrument_key, week, sd=sd)
    if sd is None or reliability is None:
        spread = np.full(week.shape, np.nan)
    else:
        true_change = CHANGE_SPREAD_SD * sd * _curve_shape(week)
        noise = sd * np.sqrt(2 * (1 - reliability))
        spread = np.sqrt(true_change**2 + noise**2)
    return pd.DataFrame(
        {
            "week": week,
            "expected": expected,
            "p25": expected - QUARTILE_Z * spread,
            "p75": expected + QUARTILE_Z * spread,
        }
    )


def empirical_band(frame: pd.DataFrame, constants: pd.DataFrame | None = None) -> pd.DataFrame:
    """Expected range of change from baseline per tracked instrument and 2-week bin.

    Each couple-partner gives one value per bin: its last follow-up rating there minus its
    baseline (baselines themselves and late baselines, after LATE_BASELINE_WEEKS, are left
    out). A bin with at least MIN_BAND_COUPLES couples gets the clinic's 25th, 50th and
    75th percentiles (linear interpolation) and source "clinic"; any other bin the
    reference band (source "reference"). `expected` is always the reference curve.
    Bins run [0, 2), [2, 4) ... [50, 52); `week` is the bin's middle. Columns: BAND_COLUMNS.
    Pass the clinic-wide frame (`clinic_frame`).
    """
    constants = _with_constants(pd.DataFrame({"instrument": list(TRACKED)}), constants)
    starts = np.arange(0, BAND_MAX_WEEK, BAND_BIN_WEEKS, dtype="float64")
    reference = pd.concat(
        [
            reference_band(
                row.instrument, starts + BAND_BIN_WEEKS / 2, sd=row.sd, reliability=row.reliability
            ).assign(instrument=row.instrument, week_start=starts)
            for row in constants.itertuples()
        ],
        ignore_index=True,
    )
    tracked = frame.loc[frame["instrument"].isin(list(TRACKED))]
    ordered = tracked.sort_values([*KEYS, "week"], kind="stable")
    position = ordered.groupby(KEYS, sort=False).cumcount()
    base = ordered.loc[position == 0, [*KEYS, "total", "week"]].rename(
        columns={"total": "baseline", "week": "weeks_baseline"}
    )
    follow = ordered.loc[position > 0].merge(base, on=KEYS)
    follow = follow.loc[
        (follow["weeks_baseline"] <= LATE_BASELINE_WEEKS) & (follow["week"] < BAND_MAX_WEEK)
    ]
    follow = follow.assign(
        week_start=(follow["week"] // BAND_BIN_WEEKS) * BAND_BIN_WEEKS,
        change=follow["total"] - follow["baseline"],
    ).drop_duplicates([*KEYS, "week_start"], keep="last")
    grouped = follow.groupby(["instrument", "week_start"])["change"]
    clinic = grouped.agg(
        c25=lambda change: change.quantile(0.25),
        c50="median",
        c75=lambda change: change.quantile(0.75),
    )
    clinic["n_couples"] = follow.groupby(["instrument", "week_start"])["couple_id"].nunique()
    band = reference.merge(clinic.reset_index(), on=["instrument", "week_start"], how="left")
    band["n_couples"] = band["n_couples"].fillna(0).astype("int64")
    own = band["n_couples"] >= MIN_BAND_COUPLES
    band["median"] = band["expected"]
    for ours, column in (("c25", "p25"), ("c50", "median"), ("c75", "p75")):
        band[column] = band[ours].where(own, band[column])
    band["source"] = np.where(own, "clinic", "reference")
    band["week_end"] = band["week_start"] + BAND_BIN_WEEKS
    return band[BAND_COLUMNS]
