"""Progress analytics: reliable change, milestones, the expected trajectory, a status per
couple and partner, partner asymmetry, the caseload summary and outcomes by counsellor.

Pure pandas (no Streamlit), vectorised: grouping and merging, never a Python loop over
the couples of a caseload (the few loops here run over instruments or milestones).

Data flow::

    queries.ratings.measures_frame    one query -> long frame, one row per rating
    queries.ratings.clinic_frame      the same ratings clinic-wide, without names or case
                                      codes: input for the two clinic aggregates below
    clinic_constants(clinic)          SD and reliability per instrument, and their source
    empirical_band(clinic, constants) expected range of change per 2-week bin
    change_table(frame, constants)    first -> latest rating per couple, partner, instrument
    milestones(frame, constants)      the rating nearest weeks 6, 12 and 26
    classify(...) / couple_status()   status with a one-line reason
    asymmetry(changes)                one partner improving while the other does not
    caseload_summary(...)             one row per couple, with an attention score
    outcomes_by_counsellor(summary)   share improved or recovered at 26 weeks

Time is "weeks since intake" (days / 7, a float) everywhere; week 26 is the six-month
marker and weeks 6 and 12 are the earlier milestones (DOMAIN.md).

Reliable change follows Jacobson & Truax (1991) through
`core.measures.reliable_change_index` and `core.measures.is_reliable`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from core.measures import (
    INSTRUMENTS,
    Instrument,
    cronbach_alpha,
    is_reliable,
    reliable_change_index,
)

# --- constants ---------------------------------------------------------------------------------

# Clinic data replace the instruments' default SD (and, for instruments marked
# estimate_from_clinic, the default reliability) once this many couples have a baseline.
MIN_CLINIC_BASELINES = 30
# Cronbach's alpha estimated from clinic baselines is clamped to this range. Above .95 a
# homogeneous sample would make tiny changes "reliable"; below .50 the items do not measure
# one thing and the estimate is too unstable to lean on. A clamped value says so in `source`.
ALPHA_RANGE = (0.50, 0.95)

# Milestones (weeks since intake) and the window either side in which a rating counts as
# "at" the milestone: +-2 weeks around 6 and 12 (fortnightly sessions still land one
# rating in the window), +-4 around 26 (six months is a season, not a date).
MILESTONES = (6, 12, 26)
MILESTONE_WINDOWS: dict[int, int] = {6: 2, 12: 2, 26: 4}
MILESTONE_LABELS: dict[int, str] = {6: "6 wk", 12: "12 wk", 26: "6 months"}
SIX_MONTHS = 26
REVIEW_WEEK = 12  # no reliable improvement by here deserves a second look (DOMAIN.md)
TOO_EARLY_WEEK = 6  # under this, fewer than two ratings is "too early", not a problem
# A first rating after week 6 is not an intake baseline: change from it is not compared
# with the band (which is change since intake) and the week-12 rule counts from it.
LATE_BASELINE_WEEKS = 6

# Expected trajectory (reference curve), a Mend assumption until the clinic has data:
# - shape: saturating exponential, expected(w) = G * (1 - exp(-w/tau)) / (1 - exp(-26/tau))
#   up to week 26, flat afterwards. tau = 10 weeks gives about half the six-month gain by
#   week 6 and three quarters by week 12: the negatively accelerated dose-response of
#   psychotherapy (Howard, Kopta, Krause & Orlinsky, 1986, Am Psychol 41(2):159-164),
#   ending in "substantial improvement around six months" (DOMAIN.md).
# - size G, in baseline SD units: about 70% of couples find therapy helpful (DOMAIN.md).
#   If true change at 26 weeks spreads by one baseline SD (CHANGE_SPREAD_SD; a pre-post
#   correlation of about .5) and 70% end above their start, its mean is
#   z(0.70) * 1 SD = 0.52 SD.
# - band: the interquartile range of observed change, mean = the curve; spread =
#   sqrt((CHANGE_SPREAD_SD * SD * shape(w))^2 + (SD * sqrt(2 * (1 - r)))^2), i.e. the
#   true-change spread growing with the curve plus the measurement error of a difference
#   of two ratings, so the band is never narrower than what noise alone produces.
EXPECTED_SHARE_HELPED = 0.70
CHANGE_SPREAD_SD = 1.0
EXPECTED_GAIN_SD = NormalDist().inv_cdf(EXPECTED_SHARE_HELPED) * CHANGE_SPREAD_SD
CURVE_TAU_WEEKS = 10.0
QUARTILE_Z = NormalDist().inv_cdf(0.75)

# Empirical band: change from baseline in 2-week bins up to week 52 (later ratings use the
# last bin: the curve is flat after 26). A bin uses the clinic's own 25th-75th percentiles
# once MIN_BAND_COUPLES couples have a follow-up rating in it, else the reference band.
BAND_BIN_WEEKS = 2
BAND_MAX_WEEK = 52
MIN_BAND_COUPLES = 30

# Partner asymmetry: latest five C's totals (0-50) further apart than this many points
# (1.25 default SDs) are flagged.
TRUST_GAP = 10
TRUST_INSTRUMENT = "five_cs"

# Caseload: more than this many weeks since the last session is a long gap (active and
# intake cases; paused and closed ones are expected to be quiet).
LONG_GAP_WEEKS = 3

# Statuses, most urgent first: the order that makes one status per couple out of its two
# partners' statuses (see couple_status).
STATUSES = (
    "deteriorated",
    "not on track",
    "recovered",
    "improved",
    "on track",
    "too early",
    "no ratings",
)
# Outcome at the six-month milestone, most urgent first.
OUTCOMES = ("deteriorated", "recovered", "improved", "no reliable change")

# Attention score: powers of two, so a couple with a higher-tier flag always sorts above
# any couple with only lower-tier flags. Closed cases count only an open safety concern
# and unsigned notes (records still to tidy); progress flags do not apply to them.
ATTENTION_WEIGHTS: dict[str, int] = {
    "deteriorated": 32,
    "safety_concern": 32,
    "not_on_track": 16,
    "asymmetry": 8,
    "overdue_homework": 4,
    "unsigned_notes": 2,
    "long_gap": 1,
}

# measures_frame's columns and their dtypes (measured_on: datetime64; items: dict).
MEASURE_DTYPES: dict[str, str] = {
    "couple_id": "int64",
    "case_code": "object",
    "counsellor_id": "int64",
    "status": "object",
    "partner_label": "object",
    "partner_name": "object",
    "role": "object",
    "instrument": "object",
    "measured_on": "datetime64[ns]",
    "week": "float64",
    "total": "float64",
    "items": "object",
}
MEASURE_COLUMNS = list(MEASURE_DTYPES)
CLINIC_COLUMNS = [
    "couple_id",
    "partner_label",
    "instrument",
    "measured_on",
    "week",
    "total",
    "items",
]
IDENTITY_COLUMNS = ["case_code", "counsellor_id", "status", "partner_name", "role"]
CONSTANT_COLUMNS = [
    "instrument",
    "name",
    "n_baselines",
    "sd",
    "reliability",
    "sd_source",
    "reliability_source",
    "source",
]
ASSESSMENT_COLUMNS = [
    "change",
    "pct_change",
    "improvement",
    "rci",
    "reliable",
    "direction",
    "clinically_significant",
]
CHANGE_COLUMNS = [
    "couple_id",
    *IDENTITY_COLUMNS[:3],
    "partner_label",
    *IDENTITY_COLUMNS[3:],
    "instrument",
    "baseline",
    "latest",
    "baseline_on",
    "latest_on",
    "weeks_baseline",
    "weeks_latest",
    "n_ratings",
    *ASSESSMENT_COLUMNS,
    "sd",
    "reliability",
    "constants_source",
]
MILESTONE_COLUMNS = [
    "couple_id",
    "case_code",
    "partner_label",
    "partner_name",
    "instrument",
    "milestone",
    "label",
    "window",
    "reached",
    "week",
    "value",
    "baseline",
    "weeks_baseline",
    *ASSESSMENT_COLUMNS,
    "outcome",
]
BAND_COLUMNS = [
    "instrument",
    "week_start",
    "week_end",
    "week",
    "n_couples",
    "p25",
    "median",
    "p75",
    "expected",
    "source",
]
PARTNER_STATUS_COLUMNS = [
    "couple_id",
    "case_code",
    "partner_label",
    "partner_name",
    "status",
    "reason",
    "instrument",
    "as_of_week",
]
COUPLE_STATUS_COLUMNS = ["couple_id", "case_code", "status", "reason", "status_A", "status_B"]
ASYMMETRY_COLUMNS = ["couple_id", "asymmetry", "asymmetry_reason"]
OUTCOME_COLUMNS = [
    "counsellor",
    "couples",
    "past_26",
    "rated_26",
    *(outcome.replace(" ", "_") for outcome in OUTCOMES),
    "improved_or_recovered",
    "share_improved",
    "share_improved_all",
]

KEYS = ["couple_id", "partner_label", "instrument"]
PARTNER_KEYS = ["couple_id", "partner_label"]
ONE_RATING = "one rating"

# Instruments tracked by reliable change (a screen such as PC-PTSD-5 has no constants).
TRACKED: dict[str, Instrument] = {
    key: tool
    for key, tool in INSTRUMENTS.items()
    if tool.default_sd is not None and tool.reliability is not None
}
_ORDER = {key: position for position, key in enumerate(INSTRUMENTS)}


def empty_measures() -> pd.DataFrame:
    """A measures frame with no rows and the right columns and dtypes."""
    return pd.DataFrame(
        {column: pd.Series(dtype=dtype) for column, dtype in MEASURE_DTYPES.items()}
    )


# --- constants ---------------------------------------------------------------------------------


def _baselines(frame: pd.DataFrame) -> pd.DataFrame:
    """The first rating of each couple, partner and tracked instrument."""
    tracked = frame.loc[frame["instrument"].isin(list(TRACKED))]
    return tracked.sort_values([*KEYS, "week"], kind="stable").drop_duplicates(KEYS)


def clinic_constants(frame: pd.DataFrame) -> pd.DataFrame:
    """Per tracked instrument: the SD and reliability that reliable change uses, and why.

    - SD: the SD of baseline totals (first rating of every couple and partner) once at
      least MIN_CLINIC_BASELINES couples have a baseline, else the instrument's default.
    - reliability: the instrument's published or default value; for instruments with
      `estimate_from_clinic` (the five C's, no published norms) Cronbach's alpha over the
      item answers of the baselines once MIN_CLINIC_BASELINES couples have one, clamped
      to ALPHA_RANGE.
    Pass the clinic-wide frame (`clinic_frame`). Columns: CONSTANT_COLUMNS.
    """
    baselines = _baselines(frame)
    by_instrument = baselines.groupby("instrument")
    couples = by_instrument["couple_id"].nunique()
    spread = by_instrument["total"].std(ddof=1)
    rows = [
        _constants_row(
            tool,
            baselines.loc[baselines["instrument"] == key],
            int(couples.get(key, 0)),
            float(spread.get(key, np.nan)),
        )
        for key, tool in TRACKED.items()
    ]
    return pd.DataFrame(rows, columns=CONSTANT_COLUMNS)


def _constants_row(
    tool: Instrument, baselines: pd.DataFrame, couples: int, clinic_sd: float
) -> dict[str, Any]:
    assert tool.default_sd is not None and tool.reliability is not None
    enough = couples >= MIN_CLINIC_BASELINES
    if enough and clinic_sd > 0:
        sd, sd_source = clinic_sd, f"SD {clinic_sd:.2f} from the clinic's baselines (n={couples})"
    else:
        why = (
            "the clinic's baselines do not vary"
            if enough
            else f"{couples} of {MIN_CLINIC_BASELINES} couples with a baseline so far"
        )
        sd, sd_source = tool.default_sd, f"default SD {tool.default_sd:.1f} ({why})"
    reliability = tool.reliability
    origin = tool.reliability_source or tool.constants_source
    reliability_source = f"reliability {tool.reliability:.2f}: {origin}"
    if tool.estimate_from_clinic and enough:
        keys = [item.key for item in tool.scored_items]
        alpha = cronbach_alpha(pd.DataFrame(baselines["items"].tolist(), columns=keys))
        if np.isfinite(alpha):
            reliability = float(np.clip(alpha, *ALPHA_RANGE))
            clamped = "" if reliability == alpha else f", clamped from {alpha:.2f}"
            reliability_source = (
                f"Cronbach's alpha {reliability:.2f} from the clinic's baselines "
                f"(n={couples}{clamped})"
            )
    return {
        "instrument": tool.key,
        "name": tool.short_name,
        "n_baselines": couples,
        "sd": float(sd),
        "reliability": float(reliability),
        "sd_source": sd_source,
        "reliability_source": reliability_source,
        "source": f"{sd_source}; {reliability_source}",
    }


def _with_constants(rows: pd.DataFrame, constants: pd.DataFrame | None) -> pd.DataFrame:
    """Add sd, reliability and constants_source per row; defaults fill any instrument
    that `constants` lacks."""
    defaults = clinic_constants(empty_measures())
    given = defaults.iloc[0:0] if constants is None else constants
    table = pd.concat([given, defaults.loc[~defaults["instrument"].isin(given["instrument"])]])
    table = table[["instrument", "sd", "reliability", "source"]]
    return rows.merge(
        table.rename(columns={"source": "constants_source"}), on="instrument", how="left"
    )


# --- change ------------------------------------------------------------------------------------


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
        )
        .reset_index()
    )


def change_table(frame: pd.DataFrame, constants: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per couple, partner and tracked instrument: first rating (baseline) -> latest.

    Columns: CHANGE_COLUMNS. `pct_change` is in percent of the baseline (NaN for a
    baseline of 0). With a single rating there is no change: change, rci and pct_change
    are NaN, `reliable` is False and `direction` is "one rating". `constants` defaults to
    `clinic_constants(frame)`; pass the clinic-wide ones.
    """
    if constants is None:
        constants = clinic_constants(frame)
    rows = _with_constants(_first_last(frame), constants)
    assessed = _assess(rows, "latest", rows["n_ratings"] >= 2, ONE_RATING)
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
    base = _first_last(frame).drop(columns=["latest", "latest_on", "weeks_latest", "n_ratings"])
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


# --- expected trajectory -----------------------------------------------------------------------


def _curve_shape(weeks: Any) -> np.ndarray:
    """0 at intake, 1 at week 26 and after (see the reference-curve notes at the top)."""
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


# --- status ------------------------------------------------------------------------------------


def _text(values: pd.Series, pattern: str) -> pd.Series:
    """Numbers as a counsellor reads them: "14", "13.5", a true minus sign, "" for NaN."""

    def one(value: Any) -> str:
        if pd.isna(value):
            return ""
        return pattern.format(round(float(value), 1) + 0.0).removesuffix(".0")

    return values.map(one).astype("object").str.replace("-", "−", regex=False)


def _num(values: pd.Series) -> pd.Series:
    return _text(values, "{:.1f}")


def _signed(values: pd.Series) -> pd.Series:
    return _text(values, "{:+.1f}")


def _rci(values: pd.Series) -> pd.Series:
    """RCI always with one decimal and a sign: "+4.3", "−2.4"."""
    return values.map(
        lambda value: "" if pd.isna(value) else f"{float(value):+.1f}".replace("-", "−")
    ).astype("object")


def _week(values: pd.Series) -> pd.Series:
    """Whole weeks since intake, as the caseload counts them (days // 7)."""
    return (
        np.floor(values.astype("float64") + 1e-9)
        .map(lambda value: "" if pd.isna(value) else str(int(value)))
        .astype("object")
    )


def _per_couple(
    today_weeks: float | pd.Series | Mapping[int, float] | None, couple_ids: pd.Series
) -> pd.Series:
    if today_weeks is None:
        return pd.Series(np.nan, index=couple_ids.index)
    if isinstance(today_weeks, pd.Series | Mapping):
        return couple_ids.map(today_weeks).astype("float64")
    return pd.Series(float(today_weeks), index=couple_ids.index)


def _with_band(rows: pd.DataFrame, band: pd.DataFrame | None) -> pd.DataFrame:
    """The band bin at each row's latest week (the last bin beyond week 52)."""
    if band is None:
        band = empirical_band(empty_measures())
    lookup = band[["instrument", "week_start", "p25", "p75", "source"]].rename(
        columns={"p25": "band_p25", "p75": "band_p75", "source": "band_source"}
    )
    # One string dtype on both sides: pandas refuses object against str keys (empty input).
    left = rows.assign(
        _at=rows["weeks_latest"].astype("float64").clip(lower=0),
        instrument=rows["instrument"].astype(str),
    )
    right = lookup.assign(
        week_start=lookup["week_start"].astype("float64"),
        instrument=lookup["instrument"].astype(str),
    )
    merged = pd.merge_asof(
        left.sort_values("_at", kind="stable"),
        right.sort_values("week_start"),
        left_on="_at",
        right_on="week_start",
        by="instrument",
        direction="backward",
    )
    return merged.drop(columns=["_at", "week_start"])


def classify(
    changes: pd.DataFrame,
    milestones: pd.DataFrame | None = None,
    band: pd.DataFrame | None = None,
    *,
    today_weeks: float | pd.Series | Mapping[int, float] | None,
    roster: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A status and a one-line reason per couple and partner (PARTNER_STATUS_COLUMNS).

    `changes`: change_table; `milestones`: milestones() (used for "reliable improvement by
    week 12"); `band`: empirical_band (None: the reference band with default constants);
    `today_weeks`: weeks since intake today, one number or a Series/Mapping by couple_id
    (None: the couple's last rating); `roster`: couples to report even without ratings
    (couple_id, optional case_code); each gets partners A and B.

    Rules, first match wins (a partner's tracked instruments together):
    1. no ratings   - no rating on any tracked instrument;
    2. deteriorated - reliable worsening (|RCI| >= 1.96 the wrong way) on any instrument;
    3. recovered    - clinically significant change on any instrument with a cut-off;
    4. improved     - reliable improvement on any instrument;
    5. not on track - the latest change is worse than the band's edge at the latest week
                      (p25 where higher is better, p75 where lower is; not for a late
                      baseline, which the band does not describe);
    6. too early    - fewer than two ratings and under week 6;
    7. not on track - one rating only, at week 6 or later (no change can be measured);
    8. not on track - past week 12 (12 weeks after a late baseline) with no reliable
                      improvement at the latest rating nor at the week-6/12 milestones;
    9. on track     - otherwise.
    A closed couple keeps the status of its last rating: its "today" is the week of its
    last rating, and the reason ends "(case closed; last rating at week N)". Where several
    instruments qualify, the reason names the most telling (largest RCI the matching way;
    for rule 5 the furthest outside the band in SD units).
    """
    rows = _with_band(changes, band)
    rows = _flag_rows(rows)
    partner = _partner_rows(rows, milestones, today_weeks)
    result = partner.reindex(columns=PARTNER_STATUS_COLUMNS)
    if roster is not None:
        result = _fill_roster(result, roster)
    return result.sort_values(PARTNER_KEYS, kind="stable").reset_index(drop=True)


def _flag_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Each row's own verdict (rank: 0 worsened .. 5 one rating) and a pick order."""
    sign = _direction_sign(rows["instrument"])
    measured = rows["n_ratings"] >= 2
    late = rows["weeks_baseline"] > LATE_BASELINE_WEEKS
    worse_edge = np.where(sign > 0, rows["band_p25"], rows["band_p75"])
    gap = (worse_edge - rows["change"]) * sign  # > 0: outside the band on the worse side
    below = measured & ~late & (gap > 0)
    improving = rows["rci"] * sign
    conditions = [
        rows["direction"] == "worsened",
        rows["clinically_significant"].astype(bool),
        rows["direction"] == "improved",
        below,
        measured,
    ]
    return rows.assign(
        late=late,
        gap=gap,
        rci_improvement=improving,
        rank=np.select(conditions, [0, 1, 2, 3, 4], 5),
        pick=np.select(
            conditions,
            [improving, -improving, -improving, -gap / rows["sd"], -improving],
            rows["instrument"].map(_ORDER).astype("float64"),
        ),
    )


def _partner_rows(
    rows: pd.DataFrame,
    milestones: pd.DataFrame | None,
    today_weeks: float | pd.Series | Mapping[int, float] | None,
) -> pd.DataFrame:
    totals = rows.groupby(PARTNER_KEYS).agg(
        n_max=("n_ratings", "max"), first_week=("weeks_baseline", "min")
    )
    last = rows.groupby("couple_id")["weeks_latest"].max().rename("last_week")
    top = rows.sort_values([*PARTNER_KEYS, "rank", "pick"], kind="stable").drop_duplicates(
        PARTNER_KEYS
    )
    partner = top.merge(totals.reset_index(), on=PARTNER_KEYS).merge(
        last.reset_index(), on="couple_id"
    )
    closed = partner["status"].astype(str).str.lower().eq("closed")
    today = _per_couple(today_weeks, partner["couple_id"])
    as_of = partner["last_week"].where(closed | today.isna(), today)
    partner["as_of_week"] = as_of
    partner["improved_by_12"] = _improved_by_review(partner, milestones)
    late_start = partner["first_week"] > LATE_BASELINE_WEEKS
    past_review = (as_of > REVIEW_WEEK) & (~late_start | (as_of - partner["first_week"] > 12))
    one = partner["n_max"] < 2
    rank = partner["rank"]
    kinds = np.select(
        [
            rank == 0,
            rank == 1,
            rank == 2,
            rank == 3,
            one & (as_of < TOO_EARLY_WEEK),
            one,
            past_review & ~partner["improved_by_12"] & late_start,
            past_review & ~partner["improved_by_12"],
        ],
        ["worsened", "recovered", "improved", "band", "early", "single", "late_stall", "stall"],
        np.where(partner["late"], "late_ok", "on_track"),
    )
    status = pd.Series(kinds, index=partner.index).map(
        {
            "worsened": "deteriorated",
            "recovered": "recovered",
            "improved": "improved",
            "band": "not on track",
            "early": "too early",
            "single": "not on track",
            "late_stall": "not on track",
            "stall": "not on track",
            "late_ok": "on track",
            "on_track": "on track",
        }
    )
    reason = _reasons(partner, kinds)
    suffix = " (case closed; last rating at week " + _week(as_of) + ")"
    partner["reason"] = reason.where(~closed, reason + suffix)
    partner["status"] = status
    return partner


def _improved_by_review(partner: pd.DataFrame, milestones: pd.DataFrame | None) -> pd.Series:
    """A reliable improvement at the week-6 or week-12 milestone (any instrument)."""
    if milestones is None or "outcome" not in milestones.columns or milestones.empty:
        return pd.Series(False, index=partner.index)
    early = milestones.loc[
        (milestones["milestone"] <= REVIEW_WEEK)
        & milestones["outcome"].isin(["improved", "recovered"]),
        PARTNER_KEYS,
    ].drop_duplicates()
    marked = partner[PARTNER_KEYS].merge(early.assign(_hit=True), on=PARTNER_KEYS, how="left")
    return marked["_hit"].eq(True).set_axis(partner.index)


def _reasons(partner: pd.DataFrame, kinds: np.ndarray) -> pd.Series:
    """The one-line reason for each partner's status, built column-wise."""
    name = _lookup(partner["instrument"], "short_name").astype("object")
    cutoff = _num(_lookup(partner["instrument"], "cutoff").astype("float64"))
    verb = np.where(partner["change"] < 0, " fell", " rose")
    moved = (
        name + verb + " reliably from " + _num(partner["baseline"]) + " to "
        + _num(partner["latest"]) + " (RCI " + _rci(partner["rci"]) + ")"
    )  # fmt: skip
    since = (
        name + " " + _signed(partner["change"]) + " since week " + _week(partner["weeks_baseline"])
    )
    expected = (
        " (" + _signed(partner["band_p25"]) + " to " + _signed(partner["band_p75"]) + ", "
        + np.where(partner["band_source"] == "clinic", "clinic data", "reference curve") + ")"
    )  # fmt: skip
    at = " at week " + _week(partner["weeks_latest"])
    first, now = _week(partner["weeks_baseline"]), _week(partner["as_of_week"])
    best = " (RCI " + _rci(partner["rci"]) + ")"
    texts = {
        "worsened": moved,
        "recovered": moved + "; now out of the clinical range (cut-off " + cutoff + ")",
        "improved": moved,
        "band": since + ": worse than the expected range" + at + expected,
        "early": "Only the first rating so far (week " + first + "): too early to judge",
        "single": "Only one rating (week " + first + ") and now week " + now
        + ": no change can be measured",
        "late_stall": "No reliable improvement in the 12 weeks since the first rating (week "
        + first + "); " + since + best,
        "stall": "No reliable improvement by week 12 (now week " + now + "); " + since + best,
        "late_ok": since + ", the first rating (not at intake); no reliable change yet" + best,
        "on_track": since + ": within the expected range" + at + expected,
    }  # fmt: skip
    return pd.Series(
        np.select([kinds == kind for kind in texts], list(texts.values()), ""),
        index=partner.index,
        dtype="object",
    )


def _fill_roster(result: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """Partners A and B of every roster couple; those without ratings get "no ratings"."""
    columns = [c for c in ("couple_id", "case_code") if c in roster.columns]
    everyone = (
        roster[columns]
        .drop_duplicates("couple_id")
        .merge(pd.DataFrame({"partner_label": ["A", "B"]}), how="cross")
    )
    missing = everyone.merge(result[PARTNER_KEYS], on=PARTNER_KEYS, how="left", indicator=True)
    missing = missing.loc[missing["_merge"] == "left_only"].drop(columns="_merge")
    filled = missing.assign(
        status="no ratings",
        reason="No ratings from partner " + missing["partner_label"] + " yet",
    ).reindex(columns=PARTNER_STATUS_COLUMNS)
    # Keep case codes the roster knows for couples that do have ratings, too.
    return pd.concat([result, filled], ignore_index=True) if len(filled) else result


def couple_status(partner_status: pd.DataFrame) -> pd.DataFrame:
    """One status per couple from its partners' (COUPLE_STATUS_COLUMNS).

    The more urgent partner status wins, in STATUSES order: deteriorated, not on track,
    recovered, improved, on track, too early, no ratings. The reason is that partner's,
    with the other partner's status after it where it differs.
    """
    ranked = partner_status.assign(
        _rank=partner_status["status"].map({s: i for i, s in enumerate(STATUSES)}),
        _who=_who(partner_status),
    )
    ordered = ranked.sort_values(["couple_id", "_rank", "partner_label"], kind="stable")
    top = ordered.drop_duplicates("couple_id")
    other = ordered.drop(index=top.index).drop_duplicates("couple_id")
    merged = top.merge(
        other[["couple_id", "_who", "status"]], on="couple_id", how="left", suffixes=("", "_other")
    )
    differs = merged["status_other"].notna() & (merged["status_other"] != merged["status"])
    reason = merged["_who"] + ": " + merged["reason"].fillna("")
    tail = " · " + merged["_who_other"].fillna("") + ": " + merged["status_other"].fillna("")
    merged["reason"] = reason.where(~differs, reason + tail)
    wide = (
        partner_status.pivot(index="couple_id", columns="partner_label", values="status")
        .reindex(columns=["A", "B"])
        .add_prefix("status_")
        .reset_index()
    )
    merged = merged.drop(columns=[c for c in merged.columns if c.startswith("status_")])
    return (
        merged.merge(wide, on="couple_id", how="left")
        .reindex(columns=COUPLE_STATUS_COLUMNS)
        .reset_index(drop=True)
    )


# --- asymmetry ---------------------------------------------------------------------------------


def asymmetry(changes: pd.DataFrame, *, trust_gap: float = TRUST_GAP) -> pd.DataFrame:
    """Couples where the partners are moving apart (ASYMMETRY_COLUMNS, one row per couple).

    Flagged when both partners have at least two ratings on some instrument and one of
    them improves reliably (on any instrument) while the other does not improve reliably
    on any; or when their latest five C's totals differ by more than `trust_gap` points.
    The reason names the evidence: the improving partner's largest reliable improvement
    and the other partner's best change.
    """
    couples = changes[["couple_id"]].drop_duplicates()
    measured = changes.loc[changes["n_ratings"] >= 2]
    ranked = measured.assign(
        _who=_who(measured),
        _improved=measured["direction"] == "improved",
        _up=measured["rci"] * _direction_sign(measured["instrument"]),
    ).sort_values([*PARTNER_KEYS, "_improved", "_up"], ascending=[True, True, False, False])
    best = ranked.drop_duplicates(PARTNER_KEYS)
    pair = _pair(best)
    split = pair.loc[pair["_improved_a"] != pair["_improved_b"]]
    a_up = split["_improved_a"]

    def side(column: str, improving: bool) -> pd.Series:
        first, second = split[f"{column}_a"], split[f"{column}_b"]
        return first.where(a_up, second) if improving else second.where(a_up, first)

    def evidence(improving: bool) -> pd.Series:
        name = _lookup(side("instrument", improving), "short_name").astype("object")
        return name + ", RCI " + _rci(side("rci", improving))

    uneven = (
        side("_who", True) + " improved reliably (" + evidence(True) + "); "
        + side("_who", False) + " has not (best: " + evidence(False) + ")"
    )  # fmt: skip
    latest = changes.loc[changes["instrument"] == TRUST_INSTRUMENT]
    trust = _pair(latest.assign(_who=_who(latest)))
    apart = trust.loc[(trust["latest_a"] - trust["latest_b"]).abs() > trust_gap]
    gap = (
        "latest Five C's " + apart["_who_a"] + " " + _num(apart["latest_a"]) + ", "
        + apart["_who_b"] + " " + _num(apart["latest_b"]) + ": "
        + _num((apart["latest_a"] - apart["latest_b"]).abs()) + " points apart (more than "
        + _num(pd.Series(trust_gap, index=apart.index)) + ")"
    )  # fmt: skip
    result = couples.merge(
        pd.DataFrame({"couple_id": split["couple_id"], "_uneven": uneven}), how="left"
    ).merge(pd.DataFrame({"couple_id": apart["couple_id"], "_gap": gap}), how="left")
    reason = (result["_uneven"].fillna("") + "; " + result["_gap"].fillna("")).str.strip("; ")
    result["asymmetry"] = result["_uneven"].notna() | result["_gap"].notna()
    result["asymmetry_reason"] = reason.str[:1].str.upper() + reason.str[1:]
    return result[ASYMMETRY_COLUMNS].reset_index(drop=True)


def _who(rows: pd.DataFrame) -> pd.Series:
    """The partner's name, or "Partner A" where the frame has none."""
    return rows["partner_name"].fillna("Partner " + rows["partner_label"]).astype("object")


def _pair(rows: pd.DataFrame) -> pd.DataFrame:
    """Partner A's row next to partner B's, per couple (suffixes _a and _b)."""
    a = rows.loc[rows["partner_label"] == "A"]
    b = rows.loc[rows["partner_label"] == "B"]
    return a.merge(b, on="couple_id", suffixes=("_a", "_b"))


# --- the caseload ------------------------------------------------------------------------------


def _outcome_at_six_months(table: pd.DataFrame) -> pd.DataFrame:
    """One outcome per couple at the week-26 milestone (OUTCOMES order decides)."""
    at_26 = table.loc[(table["milestone"] == SIX_MONTHS) & table["outcome"].isin(OUTCOMES)]
    ranked = at_26.assign(_rank=at_26["outcome"].map({o: i for i, o in enumerate(OUTCOMES)}))
    best = ranked.sort_values(["couple_id", "_rank"], kind="stable").drop_duplicates("couple_id")
    return best[["couple_id", "outcome"]].rename(columns={"outcome": "outcome_26"})


def caseload_summary(
    frame: pd.DataFrame,
    constants: pd.DataFrame | None = None,
    *,
    couples: pd.DataFrame,
    extras: pd.DataFrame | None = None,
    band: pd.DataFrame | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """One row per couple of `couples`, with its progress and what needs attention.

    `couples`: the caseload frame (core.services.couples.caseload: couple_id, case_code,
    partners, counsellor, status, intake_date, weeks_in_care, last_session, ...).
    `extras`: per-couple columns merged on couple_id (they replace same-named caseload
    columns); the attention score reads `safety_concern` (bool), `overdue_homework` and
    `unsigned_notes` (counts) when present. `constants` and `band` should be the
    clinic-wide ones; by default they are computed from `frame`.

    Adds: progress_status, progress_reason, status_A, status_B, asymmetry,
    asymmetry_reason, improvement_<instrument> (mean of the partners' change since their
    first rating, signed so that up is better), outcome_26 (at the six-month milestone;
    "not rated" without a rating there, "not yet" before week 26),
    weeks_since_last_session, attention and attention_reasons.
    """
    today = today or date.today()
    constants = clinic_constants(frame) if constants is None else constants
    changes = change_table(frame, constants)
    table = milestones(frame, constants)
    band = empirical_band(frame, constants) if band is None else band
    weeks = _weeks_in_care(couples, today)
    status = couple_status(
        classify(
            changes,
            table,
            band,
            today_weeks=pd.Series(weeks.to_numpy(), index=couples["couple_id"]),
            roster=couples,
        )
    )
    summary = couples.merge(
        status[["couple_id", "status", "reason", "status_A", "status_B"]].rename(
            columns={"status": "progress_status", "reason": "progress_reason"}
        ),
        on="couple_id",
        how="left",
    )
    summary = summary.merge(asymmetry(changes), on="couple_id", how="left")
    summary["asymmetry"] = summary["asymmetry"].eq(True)
    summary["asymmetry_reason"] = summary["asymmetry_reason"].fillna("")
    improvement = (
        changes.loc[changes["n_ratings"] >= 2]
        .groupby(["couple_id", "instrument"])["improvement"]
        .mean()
        .unstack()
        .reindex(columns=list(TRACKED))
        .add_prefix("improvement_")
        .reset_index()
    )
    summary = summary.merge(improvement, on="couple_id", how="left")
    summary = summary.merge(_outcome_at_six_months(table), on="couple_id", how="left")
    past = weeks.to_numpy() >= SIX_MONTHS
    summary["outcome_26"] = np.where(past, summary["outcome_26"].fillna("not rated"), "not yet")
    summary["weeks_since_last_session"] = _weeks_since(summary, today)
    if extras is not None and len(extras.columns) > 1:
        replaced = [c for c in extras.columns if c != "couple_id" and c in summary.columns]
        summary = summary.drop(columns=replaced).merge(extras, on="couple_id", how="left")
    return _attention(summary, weeks.to_numpy())


def _weeks_in_care(couples: pd.DataFrame, today: date) -> pd.Series:
    if "intake_date" in couples.columns:
        intake = pd.to_datetime(couples["intake_date"])
        return ((pd.Timestamp(today) - intake).dt.days / 7).clip(lower=0).astype("float64")
    return couples["weeks_in_care"].astype("float64")


def _weeks_since(summary: pd.DataFrame, today: date) -> pd.Series:
    if "last_session" not in summary.columns:
        return pd.Series(np.nan, index=summary.index)
    last = pd.to_datetime(summary["last_session"])
    return ((pd.Timestamp(today) - last).dt.days // 7).astype("float64")


def _attention(summary: pd.DataFrame, weeks: np.ndarray) -> pd.DataFrame:
    lowered = summary["status"].astype(str).str.lower()
    open_case = ~lowered.isin(["closed"])
    gap = summary["weeks_since_last_session"]
    quiet = gap.fillna(pd.Series(weeks, index=summary.index)) > LONG_GAP_WEEKS
    overdue = _count(summary, "overdue_homework")
    unsigned = _count(summary, "unsigned_notes")
    flags = {
        "deteriorated": open_case & summary["progress_status"].eq("deteriorated"),
        "safety_concern": _count(summary, "safety_concern") > 0,
        "not_on_track": open_case & summary["progress_status"].eq("not on track"),
        "asymmetry": open_case & summary["asymmetry"],
        "overdue_homework": open_case & (overdue > 0),
        "unsigned_notes": unsigned > 0,
        "long_gap": open_case & ~lowered.isin(["paused"]) & quiet,
    }
    texts = {
        "deteriorated": pd.Series("deteriorated", index=summary.index),
        "safety_concern": pd.Series("open safety concern", index=summary.index),
        "not_on_track": pd.Series("not on track", index=summary.index),
        "asymmetry": pd.Series("partners moving apart", index=summary.index),
        "overdue_homework": _num(overdue) + " overdue homework",
        "unsigned_notes": _num(unsigned)
        + np.where(unsigned == 1, " unsigned note", " unsigned notes"),
        "long_gap": np.where(
            gap.isna(), "no session yet", _num(gap) + " weeks since the last session"
        ),
    }
    score = sum(flag.astype(int) * ATTENTION_WEIGHTS[key] for key, flag in flags.items())
    joined = pd.Series("", index=summary.index, dtype="object")
    for key, flag in flags.items():  # seven flags, each a whole column
        joined = joined + np.where(flag, "; " + pd.Series(texts[key], index=summary.index), "")
    summary["attention"] = pd.Series(score, index=summary.index).astype("int64")
    summary["attention_reasons"] = joined.str.removeprefix("; ")
    return summary


def _count(summary: pd.DataFrame, column: str) -> pd.Series:
    if column not in summary.columns:
        return pd.Series(0.0, index=summary.index)
    return pd.to_numeric(summary[column], errors="coerce").fillna(0).astype("float64")


def needs_attention_first(summary: pd.DataFrame) -> pd.DataFrame:
    """The caseload summary sorted for a second look: attention score, then status
    urgency, then the longest gap since a session, then case code."""
    urgency = summary["progress_status"].map({s: i for i, s in enumerate(STATUSES)})
    ordered = summary.assign(_urgency=urgency, _gap=summary["weeks_since_last_session"])
    ordered = ordered.sort_values(
        ["attention", "_urgency", "_gap", "case_code"],
        ascending=[False, True, False, True],
        na_position="last",
        kind="stable",
    )
    return ordered.drop(columns=["_urgency", "_gap"]).reset_index(drop=True)


def outcomes_by_counsellor(summary: pd.DataFrame) -> pd.DataFrame:
    """Per counsellor: couples, those past week 26, those rated at the six-month
    milestone, each outcome there, and the share improved or recovered.

    `share_improved` = (improved + recovered) / rated at 26 weeks; `share_improved_all` =
    the same over every couple past week 26 (a couple without a 26-week rating, such as
    one who stopped attending, counts as not improved). NaN where the denominator is 0.
    Columns: OUTCOME_COLUMNS.
    """
    by = "counsellor" if "counsellor" in summary.columns else "counsellor_id"
    if summary.empty:
        return pd.DataFrame(columns=OUTCOME_COLUMNS)
    outcome = summary["outcome_26"]
    past = ~outcome.eq("not yet")
    counts = {name.replace(" ", "_"): (past & outcome.eq(name)).astype(int) for name in OUTCOMES}
    table = summary.assign(
        counsellor=summary[by],
        _one=1,
        past_26=past.astype(int),
        rated_26=(past & outcome.isin(OUTCOMES)).astype(int),
        **counts,
    )
    grouped = (
        table.groupby("counsellor")[["_one", "past_26", "rated_26", *counts]]
        .sum()
        .rename(columns={"_one": "couples"})
        .reset_index()
    )
    grouped["improved_or_recovered"] = grouped["improved"] + grouped["recovered"]
    helped = grouped["improved_or_recovered"]
    grouped["share_improved"] = helped / grouped["rated_26"].where(grouped["rated_26"] > 0)
    grouped["share_improved_all"] = helped / grouped["past_26"].where(grouped["past_26"] > 0)
    return grouped[OUTCOME_COLUMNS]
