"""Seeded simulation of couples under Mend's documented model, and the confusion table of
the statuses they get (tests/unit/progress/test_simulation.py; docs/clinical-model.md).

The model (Mend's assumptions, see core.progress.constants):
- each partner's true score on each tracked instrument starts at a clinical level
  (BASELINES, spread by half a default SD between partners) and moves by
  `gain` default SDs at week 26 along the reference curve's shape (flat afterwards);
- each rating adds the documented measurement error, SD * sqrt(1 - r) with the
  instrument's default constants, and is rounded and kept within the scale;
- scenarios: follows the curve (gain = EXPECTED_GAIN_SD, 0.52), flat (0), improves
  faster (twice the curve), worsens (WORSENING_SD below the start at week 26, -0.79 SD
  by week 13): a fall a counsellor must not miss;
- schedules: a rating every week or every second week, from week 0.
Statuses are computed as the caseload would show them on each week (ratings up to that
week, today = that week), with the default constants and the reference band.

    python -m core.progress.simulate --table     prints the confusion table (markdown)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.progress.change import change_table, milestones
from core.progress.constants import (
    EXPECTED_GAIN_SD,
    MEASURE_COLUMNS,
    STATUSES,
    TRACKED,
    clinic_constants,
    empty_measures,
)
from core.progress.status import classify, couple_status
from core.progress.trajectory import _curve_shape, empirical_band

WORSENING_SD = 1.0
SCENARIOS: dict[str, float] = {
    "follows the curve": EXPECTED_GAIN_SD,
    "flat": 0.0,
    "improves faster": 2 * EXPECTED_GAIN_SD,
    "worsens": -WORSENING_SD,
}
SCHEDULES: dict[str, int] = {"weekly": 1, "fortnightly": 2}
# True starting level per instrument: inside the clinical range, away from the scale's ends.
BASELINES = {"csi4": 9.0, "five_cs": 22.0, "distress": 6.0}
REPORT_WEEKS = (8, 13, 20, 26)
HORIZON = 26


@dataclass(frozen=True)
class Simulation:
    ratings: pd.DataFrame  # MEASURE_COLUMNS
    couples: pd.DataFrame  # couple_id, scenario, schedule
    statuses: pd.DataFrame  # couple_id, week, status, second_look


def simulate_ratings(
    couples_per_cell: int = 250, seed: int = 9
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ratings (MEASURE_COLUMNS) for couples_per_cell couples per scenario and schedule."""
    rng = np.random.default_rng(seed)
    cells = [(s, k) for s in SCENARIOS for k in SCHEDULES]
    couples = pd.DataFrame(
        [(s, k) for s, k in cells for _ in range(couples_per_cell)],
        columns=["scenario", "schedule"],
    )
    couples.insert(0, "couple_id", np.arange(1, len(couples) + 1))
    parts = []
    for key, tool in TRACKED.items():
        assert tool.default_sd is not None and tool.reliability is not None
        low, high = tool.total_range
        sign = 1.0 if tool.higher_is_better else -1.0
        sem = tool.default_sd * np.sqrt(1 - tool.reliability)
        for label in ("A", "B"):
            start = BASELINES[key] + rng.normal(0, tool.default_sd / 2, len(couples))
            for schedule, step in SCHEDULES.items():
                mine = couples.loc[couples["schedule"] == schedule]
                weeks = np.arange(0, HORIZON + 1, step, dtype="float64")
                gain = mine["scenario"].map(SCENARIOS).to_numpy()[:, None]
                true = (
                    start[mine.index][:, None]
                    + sign * gain * tool.default_sd * _curve_shape(weeks)[None, :]
                )
                observed = np.clip(np.rint(true + rng.normal(0, sem, true.shape)), low, high)
                parts.append(
                    pd.DataFrame(
                        {
                            "couple_id": np.repeat(mine["couple_id"].to_numpy(), len(weeks)),
                            "partner_label": label,
                            "role": "hurt" if label == "A" else "broke_trust",
                            "instrument": key,
                            "week": np.tile(weeks, len(mine)),
                            "total": observed.ravel(),
                        }
                    )
                )
    ratings = pd.concat(parts, ignore_index=True)
    ratings["case_code"] = "S-" + ratings["couple_id"].astype(str).str.zfill(4)
    ratings["counsellor_id"] = 1
    ratings["status"] = "active"
    ratings["partner_name"] = None
    ratings["measured_on"] = pd.Timestamp("2026-01-05") + pd.to_timedelta(
        ratings["week"] * 7, unit="D"
    )
    ratings["items"] = None
    ratings["source"] = "session"
    return ratings[MEASURE_COLUMNS], couples


def run(couples_per_cell: int = 120, seed: int = 9, weeks: range | None = None) -> Simulation:
    """Simulate, then the couple status on every week 1..HORIZON."""
    ratings, couples = simulate_ratings(couples_per_cell, seed)
    constants = clinic_constants(empty_measures())
    band = empirical_band(empty_measures(), constants)
    rows = []
    for week in weeks or range(1, HORIZON + 1):
        seen = ratings.loc[ratings["week"] <= week]
        changes = change_table(seen, constants)
        # Milestones only lift the second look, reported at REPORT_WEEKS: skip elsewhere.
        table = milestones(seen, constants) if week in REPORT_WEEKS else None
        partners = classify(changes, table, band, today_weeks=float(week))
        status = couple_status(partners)[["couple_id", "status", "second_look"]]
        rows.append(status.assign(week=week))
    statuses = pd.concat(rows, ignore_index=True).merge(couples, on="couple_id")
    return Simulation(ratings, couples, statuses)


def confusion(sim: Simulation) -> pd.DataFrame:
    """Share of couples per status at REPORT_WEEKS, per scenario and schedule, with the
    share ever "deteriorated" (weeks 1-26) and flagged (not on track or deteriorated)."""
    at = sim.statuses.loc[sim.statuses["week"].isin(REPORT_WEEKS)]
    shares = (
        at.groupby(["scenario", "schedule", "week"])["status"]
        .value_counts(normalize=True)
        .unstack(fill_value=0.0)
        .reindex(columns=[s for s in STATUSES if s != "no ratings"], fill_value=0.0)
    )
    flags = sim.statuses.assign(
        _det=sim.statuses["status"].eq("deteriorated"),
        _flag=sim.statuses["status"].isin(["deteriorated", "not on track"]),
    )
    ever = flags.groupby(["scenario", "schedule", "couple_id"])["_det"].any()
    shares["ever deteriorated"] = (
        ever.groupby(["scenario", "schedule"])
        .mean()
        .reindex(shares.index.droplevel("week"))
        .to_numpy()
    )
    looks = at.groupby(["scenario", "schedule", "week"])["second_look"].mean()
    shares["second look"] = looks.reindex(shares.index).to_numpy()
    return shares.reset_index()


def criteria(table: pd.DataFrame) -> dict[str, float]:
    """The issue's acceptance figures, the worst schedule of each (issue 9)."""

    def worst(scenario: str, weeks: tuple[int, ...], value: pd.Series, fn: str) -> float:
        rows = table.loc[(table["scenario"] == scenario) & table["week"].isin(weeks)]
        return float(getattr(value.loc[rows.index], fn)())

    flagged = table["not on track"] + table["deteriorated"]
    helped = table["improved"] + table["recovered"]
    return {
        "curve: on track at weeks 8, 13, 20 (min)": worst(
            "follows the curve", (8, 13, 20), table["on track"], "min"
        ),
        "curve: ever deteriorated (max)": worst(
            "follows the curve", (26,), table["ever deteriorated"], "max"
        ),
        "flat: improved or recovered at 26 (max)": worst("flat", (26,), helped, "max"),
        "flat: ever deteriorated (max)": worst("flat", (26,), table["ever deteriorated"], "max"),
        "worsens: not on track or deteriorated at 13 (min)": worst(
            "worsens", (13,), flagged, "min"
        ),
    }


def markdown(table: pd.DataFrame) -> str:
    columns = [c for c in table.columns if c not in ("scenario", "schedule", "week")]
    head = "| scenario | ratings | week | " + " | ".join(columns) + " |"
    rule = "|---|---|---:|" + "---:|" * len(columns)
    lines = [head, rule]
    for row in table.itertuples(index=False):
        values = [f"{100 * v:.0f}%" for v in row[3:]]
        lines.append(f"| {row[0]} | {row[1]} | {row[2]} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.progress.simulate")
    parser.add_argument("--table", action="store_true", help="print the confusion table")
    parser.add_argument("--couples", type=int, default=120, help="per scenario and schedule")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    table = confusion(run(args.couples, args.seed))
    print(markdown(table))
    print()
    for name, value in criteria(table).items():
        print(f"- {name}: {100 * value:.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
