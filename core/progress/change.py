"""Reliable change (Jacobson & Truax, 1991, through `core.measures.reliable_change_index`
and `core.measures.is_reliable`): from the first rating to the latest per couple, partner
and tracked instrument (`change_table`), and to the rating nearest each milestone at
weeks 6, 12 and 26 (`milestones`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.measures import INSTRUMENTS, is_reliable, reliable_change_index
from core.progress.constants import (
    CHANGE_COLUMNS,
    CONFIRM_RATINGS,
    IDENTITY_COLUMNS,
    KEYS,
    MILESTONE_COLUMNS,
    MILESTONE_LABELS,
    MILESTONE_WINDOWS,
    MILESTONES,
    ONE_RATING,
    TRACKED,
    _with_constants,
    clinic_constants,
)


def _lookup(instruments: pd.Series, attribute: str) -> pd.Series:
    values = {key: getattr(tool, attribute) for key, tool in INSTRUMENTS.items()}
    return instruments.map(values)


def _direction_sign(instruments: pd.Series) -> np.ndarray:
    """+1 where higher is better, -1 where lower is better."""
    return np.where(_lookup(instruments, "higher_is_better").astype(bool), 1.0, -1.0)


def _assess(rows: pd.DataFrame, value: str, measured: pd.Series, unmeasured: str) -> pd.DataFrame:
    """Reliable change from `baseline` to the `value` column where `measured`.

    Adds ASSESSMENT_COLUMNS. `improvement` is the change signed so that positive is
    better; `direction` is improved / worsened / no reliable change, or `unmeasured`;
    `clinically_significant` (instruments with a cut-off): a reliable improvement from
    inside the clinical range to outside it.
    """
    sign = _direction_sign(rows["instrument"])
    baseline, after = rows["baseline"], rows[value]
    change = (after - baseline).where(measured)
    rci = reliable_change_index(baseline, after, rows["sd"], rows["reliability"]).where(measured)
    reliable = is_reliable(rci).astype(bool)
    improvement = change * sign
    direction = np.select(
        [~measured, reliable & (improvement > 0), reliable & (improvement < 0)],
        [unmeasured, "improved", "worsened"],
        "no reliable change",
    )
    cutoff = _lookup(rows["instrument"], "cutoff").astype("float64")
    higher = sign > 0
    clinical_before = np.where(higher, baseline < cutoff, baseline >= cutoff)
    clinical_after = np.where(higher, after < cutoff, after >= cutoff)
    return rows.assign(
        change=change,
        pct_change=change / baseline.where(baseline != 0) * 100,
        improvement=improvement,
        rci=rci,
        reliable=reliable,
        direction=direction,
        clinically_significant=(direction == "improved")
        & cutoff.notna().to_numpy()
        & clinical_before
        & ~clinical_after,
    )


def _first_last(frame: pd.DataFrame) -> pd.DataFrame:
    tracked = frame.loc[frame["instrument"].isin(list(TRACKED))]
    ordered = tracked.sort_values([*KEYS, "week"], kind="stable")
    by = ordered.groupby(KEYS, sort=False)
    ordered = ordered.assign(_prev=by["total"].shift(1), _prev_week=by["week"].shift(1))
    identity = {c: (c, "first") for c in IDENTITY_COLUMNS if c in ordered.columns}
    return (
        ordered.groupby(KEYS, sort=False)
        .agg(
            **identity,
            baseline=("total", "first"),
            latest=("total", "last"),
            baseline_on=("measured_on", "first"),
            latest_on=("measured_on", "last"),
            weeks_baseline=("week", "first"),
            weeks_latest=("week", "last"),
            n_ratings=("total", "size"),
            previous=("_prev", "last"),
            weeks_previous=("_prev_week", "last"),
        )
        .reset_index()
    )


def change_table(frame: pd.DataFrame, constants: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per couple, partner and tracked instrument: first rating (baseline) -> latest.

    Columns: CHANGE_COLUMNS. `pct_change` is in percent of the baseline (NaN for a
    baseline of 0). With a single rating there is no change: change, rci and pct_change
    are NaN, `reliable` is False and `direction` is "one rating". `previous` is the rating
    before the latest (NaN unless there are three: the baseline is not a follow-up),
    `rci_previous` its RCI from the baseline, and `confirmed` the reliable direction
    ("improved", "worsened") where the latest CONFIRM_RATINGS ratings all show it, else
    "". Constants are per partner role where `constants` has them (the five C's).
    `constants` defaults to `clinic_constants(frame)`; pass the clinic-wide ones.
    """
    if constants is None:
        constants = clinic_constants(frame)
    rows = _with_constants(_first_last(frame), constants)
    assessed = _assess(rows, "latest", rows["n_ratings"] >= 2, ONE_RATING)
    followed = assessed["n_ratings"] >= CONFIRM_RATINGS + 1
    previous = assessed["previous"].where(followed)
    assessed["previous"] = previous
    assessed["weeks_previous"] = assessed["weeks_previous"].where(followed)
    rci_before = reliable_change_index(
        assessed["baseline"], previous, assessed["sd"], assessed["reliability"]
    )
    assessed["rci_previous"] = rci_before
    sign = _direction_sign(assessed["instrument"])
    both = is_reliable(rci_before).astype(bool) & followed & assessed["reliable"]
    same = np.sign(rci_before) == np.sign(assessed["rci"])
    assessed["confirmed"] = np.where(
        both & same, np.where(assessed["rci"] * sign > 0, "improved", "worsened"), ""
    )
    return assessed.reindex(columns=CHANGE_COLUMNS).reset_index(drop=True)


# --- milestones --------------------------------------------------------------------------------


def _milestone_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "milestone": list(MILESTONES),
            "label": [MILESTONE_LABELS[m] for m in MILESTONES],
            "window": [MILESTONE_WINDOWS[m] for m in MILESTONES],
        }
    )


def milestones(frame: pd.DataFrame, constants: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rating nearest each milestone (weeks 6, 12, 26) within its window, per couple,
    partner and tracked instrument, and how it compares with the baseline.

    One row per couple x partner x instrument x milestone. `reached` is True when a rating
    lies within MILESTONE_WINDOWS of the milestone; the nearest one counts (a tie goes to
    the earlier rating). Unreached rows have NaN week/value/change. `outcome`: recovered,
    improved, deteriorated, no reliable change; "first rating" when the nearest rating is
    the baseline itself; "not reached". Columns: MILESTONE_COLUMNS.
    """
    if constants is None:
        constants = clinic_constants(frame)
    base = _first_last(frame).drop(
        columns=["latest", "latest_on", "weeks_latest", "n_ratings", "previous", "weeks_previous"]
    )
    grid = base.merge(_milestone_table(), how="cross")
    low = min(m - w for m, w in MILESTONE_WINDOWS.items())
    high = max(m + w for m, w in MILESTONE_WINDOWS.items())
    tracked = frame.loc[
        frame["instrument"].isin(list(TRACKED)) & frame["week"].between(low, high),
        [*KEYS, "week", "total"],
    ]
    candidates = tracked.merge(_milestone_table()[["milestone", "window"]], how="cross")
    candidates["distance"] = (candidates["week"] - candidates["milestone"]).abs()
    nearest = (
        candidates.loc[candidates["distance"] <= candidates["window"]]
        .sort_values([*KEYS, "milestone", "distance", "week"], kind="stable")
        .drop_duplicates([*KEYS, "milestone"])
        .rename(columns={"total": "value"})
    )
    table = grid.merge(
        nearest[[*KEYS, "milestone", "week", "value"]], on=[*KEYS, "milestone"], how="left"
    )
    table["reached"] = table["value"].notna()
    table = _with_constants(table, constants)
    measured = table["reached"] & (table["week"] > table["weeks_baseline"])
    table = _assess(table, "value", measured, "first rating")
    table["outcome"] = np.select(
        [
            ~table["reached"],
            table["clinically_significant"],
            table["direction"] == "improved",
            table["direction"] == "worsened",
        ],
        ["not reached", "recovered", "improved", "deteriorated"],
        table["direction"],
    )
    ordered = table.sort_values([*KEYS, "milestone"], kind="stable")
    return ordered.reindex(columns=MILESTONE_COLUMNS).reset_index(drop=True)
