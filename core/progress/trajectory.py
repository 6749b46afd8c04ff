"""The expected trajectory: the reference curve and its tolerance band (Mend's assumption
until the clinic has data; see the notes at EXPECTED_SHARE_HELPED in
`core.progress.constants`), the clinic's own band fitted on couples who completed six
months (`empirical_band`), and the band at any week (`band_at`).
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
    TOLERANCE_Z,
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


def _spread(week: np.ndarray, sd: float | None, reliability: float | None) -> np.ndarray:
    """SD of observed change at `week` under the reference model (constants notes)."""
    if sd is None or reliability is None:
        return np.full(week.shape, np.nan)
    true_change = CHANGE_SPREAD_SD * sd * _curve_shape(week)
    noise = sd * np.sqrt(2 * (1 - reliability))
    return np.sqrt(true_change**2 + noise**2)


def _band_frame(week: np.ndarray, expected: np.ndarray, spread: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week": week,
            "expected": expected,
            "p10": expected - TOLERANCE_Z * spread,
            "p25": expected - QUARTILE_Z * spread,
            "p75": expected + QUARTILE_Z * spread,
            "p90": expected + TOLERANCE_Z * spread,
        }
    )


def reference_band(
    instrument_key: str, weeks: Any, *, sd: float | None = None, reliability: float | None = None
) -> pd.DataFrame:
    """The reference curve and its band (columns week, expected, p10, p25, p75, p90):
    the 10th-90th percentile tolerance band and the interquartile range of change."""
    tool = INSTRUMENTS.get(instrument_key)
    sd = sd if sd is not None else (tool.default_sd if tool else None)
    reliability = reliability if reliability is not None else (tool.reliability if tool else None)
    week = np.asarray(weeks, dtype="float64")
    expected = reference_curve(instrument_key, week, sd=sd)
    return _band_frame(week, expected, _spread(week, sd, reliability))


def _completed(frame: pd.DataFrame) -> pd.DataFrame:
    """Follow-up changes (one per couple-partner and 2-week bin, up to BAND_MAX_WEEK) of
    partners with an intake baseline whose ratings reach week 26 (completed six months)."""
    tracked = frame.loc[frame["instrument"].isin(list(TRACKED))]
    ordered = tracked.sort_values([*KEYS, "week"], kind="stable")
    position = ordered.groupby(KEYS, sort=False).cumcount()
    base = ordered.loc[position == 0, [*KEYS, "total", "week"]].rename(
        columns={"total": "baseline", "week": "weeks_baseline"}
    )
    last = ordered.groupby(KEYS, sort=False)["week"].max().rename("last_week").reset_index()
    follow = ordered.loc[position > 0].merge(base, on=KEYS).merge(last, on=KEYS)
    follow = follow.loc[
        (follow["weeks_baseline"] <= LATE_BASELINE_WEEKS)
        & (follow["last_week"] >= SIX_MONTHS)
        & (follow["week"] < BAND_MAX_WEEK)
    ]
    return follow.assign(
        week_start=(follow["week"] // BAND_BIN_WEEKS) * BAND_BIN_WEEKS,
        change=follow["total"] - follow["baseline"],
    ).drop_duplicates([*KEYS, "week_start"], keep="last")


def empirical_band(frame: pd.DataFrame, constants: pd.DataFrame | None = None) -> pd.DataFrame:
    """Expected range of change from baseline per tracked instrument and 2-week bin.

    Until MIN_BAND_COUPLES couples have completed six months on an instrument (an intake
    baseline and a rating at or after week 26), the reference band (source "reference").
    After, the clinic's own band (source "clinic"), fitted on those couples only: the
    reference shape with the clinic's gain (least squares of change on the curve's
    shape) and the reference spread scaled to the clinic's residuals (root mean square
    of residual / reference spread), so it stays smooth and continues past the data.
    `expected` and `median` are the band's curve; p10/p90 are the tolerance edges the
    statuses use, p25/p75 the middle half. `n_couples`: completed couples with a
    follow-up in the bin. Bins run [0, 2) ... [50, 52); `week` is the bin's middle.
    Columns: BAND_COLUMNS. Pass the clinic-wide frame (`clinic_frame`).
    """
    constants = _with_constants(pd.DataFrame({"instrument": list(TRACKED)}), constants)
    starts = np.arange(0, BAND_MAX_WEEK, BAND_BIN_WEEKS, dtype="float64")
    middles = starts + BAND_BIN_WEEKS / 2
    follow = _completed(frame)
    counts = follow.groupby(["instrument", "week_start"])["couple_id"].nunique()
    parts = []
    for row in constants.itertuples():  # one per tracked instrument
        band = reference_band(row.instrument, middles, sd=row.sd, reliability=row.reliability)
        mine = follow.loc[follow["instrument"] == row.instrument]
        source = "reference"
        if mine["couple_id"].nunique() >= MIN_BAND_COUPLES:
            shape = _curve_shape(mine["week"])
            gain = float((mine["change"] * shape).sum() / (shape**2).sum())
            spread = _spread(mine["week"].to_numpy("float64"), row.sd, row.reliability)
            scale = float(np.sqrt((((mine["change"] - gain * shape) / spread) ** 2).mean()))
            band = _band_frame(
                middles,
                gain * _curve_shape(middles),
                scale * _spread(middles, row.sd, row.reliability),
            )
            source = "clinic"
        n = counts.get(row.instrument, pd.Series(dtype="int64")).reindex(starts, fill_value=0)
        parts.append(
            band.assign(
                instrument=row.instrument, week_start=starts, source=source, n_couples=n.to_numpy()
            )
        )
    result = pd.concat(parts, ignore_index=True)
    result["median"] = result["expected"]
    result["n_couples"] = result["n_couples"].astype("int64")
    result["week_end"] = result["week_start"] + BAND_BIN_WEEKS
    return result[BAND_COLUMNS]


def band_at(band: pd.DataFrame, instruments: pd.Series, weeks: pd.Series) -> pd.DataFrame:
    """The band (expected, p10, p90, source) at each row's exact week, interpolated
    between bin middles (held flat before the first and after the last)."""
    out = pd.DataFrame(
        {"expected": np.nan, "p10": np.nan, "p90": np.nan, "source": ""}, index=weeks.index
    )
    for key, rows in band.groupby("instrument"):
        mask = (instruments == key).to_numpy()
        if not mask.any():
            continue
        rows = rows.sort_values("week")
        at = weeks.to_numpy("float64")[mask]
        for column in ("expected", "p10", "p90"):
            out.loc[mask, column] = np.interp(at, rows["week"], rows[column])
        out.loc[mask, "source"] = str(rows["source"].iloc[-1])
    return out
