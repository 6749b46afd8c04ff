"""Progress constants: the thresholds, milestones and reference-curve parameters (each with
its source or reasoning), the frames' column lists, the tracked instruments, and the
clinic's reliable-change constants (SD and reliability per instrument, `clinic_constants`).
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from core.measures import INSTRUMENTS, Instrument, cronbach_alpha

# --- thresholds, milestones and the reference curve --------------------------------------------

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
# any couple with only lower-tier flags (each weight is larger than all lower ones added
# up). Safety is a tier of its own: an open safety concern (violence, coercive control,
# emotional abuse, self-harm risk) outranks every other reason combined ("safety outranks
# progress in every list", DOMAIN.md). Just below it, and above every progress reason,
# an open trauma follow-up (a positive PC-PTSD-5 not yet followed up): a clinical-safety
# task with a person waiting on it, but not a danger that gates joint work. Closed cases
# count only safety, trauma follow-up and unsigned notes (records still to tidy);
# progress flags do not apply to them.
ATTENTION_WEIGHTS: dict[str, int] = {
    "safety_concern": 128,
    "trauma_follow_up": 64,
    "deteriorated": 32,
    "not_on_track": 16,
    "asymmetry": 8,
    "overdue_homework": 4,
    "unsigned_notes": 2,
    "long_gap": 1,
}


# --- the frames' columns -----------------------------------------------------------------------

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


# --- instruments -------------------------------------------------------------------------------

# Instruments tracked by reliable change (a screen such as PC-PTSD-5 has no constants).
TRACKED: dict[str, Instrument] = {
    key: tool
    for key, tool in INSTRUMENTS.items()
    if tool.default_sd is not None and tool.reliability is not None
}
# The catalogue's order of instruments: which one a status reason names when nothing else
# tells them apart.
_ORDER = {key: position for position, key in enumerate(INSTRUMENTS)}


def empty_measures() -> pd.DataFrame:
    """A measures frame with no rows and the right columns and dtypes."""
    return pd.DataFrame(
        {column: pd.Series(dtype=dtype) for column, dtype in MEASURE_DTYPES.items()}
    )


# --- the clinic's constants --------------------------------------------------------------------


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
