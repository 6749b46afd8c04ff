"""Progress constants: the thresholds, milestones and reference-curve parameters (each with
its source or reasoning), the frames' column lists, the tracked instruments, and the
clinic's reliable-change constants (SD and reliability per instrument, `clinic_constants`).
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from core.measures import INSTRUMENTS, RELIABLE_CHANGE_THRESHOLD, Instrument

# --- thresholds, milestones and the reference curve --------------------------------------------
# Every number below is cited, or labelled "Mend's assumption" with its reasoning;
# docs/clinical-model.md lists them with the simulation that checks them together.

# Clinic-estimated constants (instruments marked estimate_from_clinic, the five C's):
# within each partner role, once this many partners have a retest pair (an intake rating,
# at or before LATE_BASELINE_WEEKS, and their next rating at most RETEST_MAX_WEEKS later:
# so little true change is expected between them that their correlation is a
# test-retest-type reliability). Mend's assumption: 30 pairs keep the SE of r near .1.
MIN_CLINIC_BASELINES = 30
RETEST_MAX_WEEKS = 3
# The retest r is clamped to this range (Mend's assumption: above .95 a homogeneous
# sample would make tiny changes "reliable"); the instrument's sem_floor bounds the
# standard error of measurement from below whatever r and SD come out.
RETEST_RANGE = (0.0, 0.95)
# Milestones (weeks since intake) and the window either side in which a rating counts as
# "at" the milestone: +-2 weeks around 6 and 12 (fortnightly sessions still land one
# rating in the window), +-4 around 26 (six months is a season, not a date).
MILESTONES = (6, 12, 26)
MILESTONE_WINDOWS: dict[int, int] = {6: 2, 12: 2, 26: 4}
MILESTONE_LABELS: dict[int, str] = {6: "6 wk", 12: "12 wk", 26: "6 months"}
SIX_MONTHS = 26
# No improvement at all by week 12 deserves a second look (DOMAIN.md): a flag with its
# reason (`second_look`), not a status. The curve expects only 0.40 SD by then, less
# than reliable change needs, so "no reliable improvement" would flag most couples.
REVIEW_WEEK = 12
TOO_EARLY_WEEK = 6  # under this, fewer than two ratings is "too early", not a problem
# A first rating after week 6 is not an intake baseline: change from it is not compared
# with the band (which is change since intake) and the week-12 rule counts from it.
LATE_BASELINE_WEEKS = 6

# Expected trajectory (reference curve), Mend's assumption until the clinic has data:
# - shape: saturating exponential, expected(w) = G * (1 - exp(-w/tau)) / (1 - exp(-26/tau))
#   up to week 26, flat afterwards. tau = 10 weeks gives about half the six-month gain by
#   week 6 and three quarters by week 12: the negatively accelerated dose-response of
#   psychotherapy (Howard, Kopta, Krause & Orlinsky, 1986, Am Psychol 41(2):159-164),
#   ending in "substantial improvement around six months" (DOMAIN.md).
# - size G, in baseline SD units: about 70% of couples find therapy helpful (DOMAIN.md).
#   If true change at 26 weeks spreads by one baseline SD (CHANGE_SPREAD_SD; a pre-post
#   correlation of about .5) and 70% end above their start, its mean is
#   z(0.70) * 1 SD = 0.52 SD.
# - expected range (the band): observed change at week w is modelled as normal with
#   mean = the curve and spread = sqrt((CHANGE_SPREAD_SD * SD * shape(w))^2 +
#   (SD * sqrt(2 * (1 - r)))^2): the couples' true-change spread growing with the curve
#   plus the measurement error of a difference of two ratings. Its lower edge is a
#   tolerance bound in the spirit of Finch, Lambert & Schaalje (2001, Clin Psychol
#   Psychother 8:231-242): the 10th percentile (TOLERANCE_Z), the 90th where lower is
#   better. The interquartile range (QUARTILE_Z) is kept for the chart's hover only: it
#   flags a quarter of all ratings by construction, so no status uses it.
EXPECTED_SHARE_HELPED = 0.70
CHANGE_SPREAD_SD = 1.0
EXPECTED_GAIN_SD = NormalDist().inv_cdf(EXPECTED_SHARE_HELPED) * CHANGE_SPREAD_SD
CURVE_TAU_WEEKS = 10.0
QUARTILE_Z = NormalDist().inv_cdf(0.75)
TOLERANCE_Z = NormalDist().inv_cdf(0.90)

# The clinic's own band: once MIN_BAND_COUPLES couples have completed six months (a
# rating at or after week 26, from an intake baseline), the curve's size and the band's
# width are fitted on those couples' changes (core.progress.trajectory.empirical_band):
# same shape, the clinic's own gain and spread, so the band stays smooth. Couples who
# left early or are still in their first six months do not shape it (a survivor- or
# newcomer-weighted band would drift). Mend's assumption: 30 couples, as for constants.
# The band is reported in 2-week bins up to week 52 (later weeks use the last bin).
BAND_BIN_WEEKS = 2
BAND_MAX_WEEK = 52
MIN_BAND_COUPLES = 30

# Status evidence (core.progress.status), Mend's assumptions checked by the simulation
# in core.progress.simulate (docs/clinical-model.md):
# - a reliable change (Jacobson & Truax) or a rating outside the expected range counts
#   only when the latest CONFIRM_RATINGS ratings all show it (a single noisy rating is
#   not evidence; DOMAIN.md);
# - primary outcomes (PRIMARY: relationship satisfaction and trust) raise a status;
#   every status needs a second cell of the same partner (another instrument, primary or
#   secondary) pointing the same way at the latest rating, so one cell of six never
#   decides it.
# - the corroborating cell of "deteriorated", "improved" and "recovered" moved the same
#   way by at least half the reliable-change threshold (|RCI| >= CORROBORATE_RCI); for
#   "not on track" it is behind the expected curve;
# - "improved" and "recovered" are outcomes: judged from the six-month marker on (or at
#   the last rating of a closed case). Before week 26 a couple whose improvement is
#   already reliable is "on track" and its reason says so: feedback systems in the
#   spirit of Lambert's OQ-45 signal during treatment whether a client follows the
#   expected course, and count reliable improvement at the end (Mend's assumption for
#   the cut at week 26, the marker of DOMAIN.md).
CONFIRM_RATINGS = 2
CORROBORATE_RCI = 0.98

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
    "safety_concern": 512,
    # Joint or vulnerability homework given before the concern opened, still open with
    # no pause-or-continue decision: part of the safety tier (it only occurs with an open
    # concern), and above the trauma follow-up (Mend's rule, docs/clinical-model.md).
    "safety_homework": 256,
    "trauma_follow_up": 128,
    "deteriorated": 64,
    "not_on_track": 32,
    "second_look": 16,  # no improvement by week 12: a flag, not a status (Mend's rule)
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
    "source": "object",  # "session" or "check-in" (a partner's own answers, through a link)
}
MEASURE_COLUMNS = list(MEASURE_DTYPES)
CLINIC_COLUMNS = [
    "couple_id",
    "partner_label",
    "role",
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
    "role",
    "n_baselines",
    "n_pairs",
    "sd",
    "reliability",
    "sem",
    "reliable_change",
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
    "previous",
    "weeks_previous",
    "rci_previous",
    "confirmed",
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
    "p10",
    "p25",
    "median",
    "p75",
    "p90",
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
    "second_look",
    "second_look_reason",
]
COUPLE_STATUS_COLUMNS = [
    "couple_id",
    "case_code",
    "status",
    "reason",
    "status_A",
    "status_B",
    "second_look",
    "second_look_reason",
]
ASYMMETRY_COLUMNS = ["couple_id", "asymmetry", "asymmetry_reason"]
OUTCOME_COLUMNS = [
    "counsellor",
    "couples",
    "past_26",
    "rated_26",
    *(outcome.replace(" ", "_") for outcome in OUTCOMES),
    "not_rated",
    "improved_or_recovered",
    "share_improved",
    "share_improved_rated",
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
# Primary outcomes decide a status; secondary ones only corroborate it.
PRIMARY = [key for key, tool in TRACKED.items() if tool.outcome == "primary"]
# Constants rows that apply to every partner role.
ALL_ROLES = "all"
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


def _retest_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """Per partner and tracked instrument: the intake rating (`first`) and the next one
    (`second`) where the next follows within RETEST_MAX_WEEKS; with the partner's role."""
    tracked = frame.loc[frame["instrument"].isin(list(TRACKED))]
    if "role" not in tracked.columns:
        tracked = tracked.assign(role=ALL_ROLES)
    ordered = tracked.sort_values([*KEYS, "week"], kind="stable")
    position = ordered.groupby(KEYS, sort=False).cumcount()
    first = ordered.loc[position == 0, [*KEYS, "role", "week", "total"]]
    second = ordered.loc[position == 1, [*KEYS, "week", "total"]]
    pairs = first.merge(second, on=KEYS, suffixes=("", "_next"))
    gap = pairs["week_next"] - pairs["week"]
    keep = (pairs["week"] <= LATE_BASELINE_WEEKS) & (gap > 0) & (gap <= RETEST_MAX_WEEKS)
    return pairs.loc[keep].rename(columns={"total": "first", "total_next": "second"})


def clinic_constants(frame: pd.DataFrame) -> pd.DataFrame:
    """Per tracked instrument (and partner role where estimated): the SD and reliability
    that reliable change uses, from one sample, and why. Columns: CONSTANT_COLUMNS.

    - Every instrument has a row with role "all": the published SD and reliability from
      the same source, or Mend's assumption for both (core.measures). The clinic's own
      baseline SD is never combined with a published reliability from another sample.
    - Instruments marked `estimate_from_clinic` (the five C's) also get one row per
      partner role seen in `frame`: once MIN_CLINIC_BASELINES partners of that role have a
      retest pair (intake rating and the next within RETEST_MAX_WEEKS), SD = the SD of
      their intake ratings and r = the correlation of the pair (clamped to RETEST_RANGE),
      both from those same pairs; the SEM (SD * sqrt(1 - r)) never goes below the
      instrument's `sem_floor` (r is lowered, or SD raised, to meet it). With fewer
      pairs the role's row repeats the instrument's defaults and says how many so far.
    `n_baselines`: partners (couples for "all") with a first rating; `n_pairs`: retest
    pairs used; `sem` and `reliable_change` (1.96 * sqrt(2) * SEM, in points).
    Pass the clinic-wide frame (`clinic_frame`, which carries `role`).
    """
    baselines = _baselines(frame)
    couples = baselines.groupby("instrument")["couple_id"].nunique()
    pairs = _retest_pairs(frame)
    rows = [
        _default_row(tool, int(couples.get(key, 0)), ALL_ROLES, 0, "")
        for key, tool in TRACKED.items()
    ]
    for key, tool in TRACKED.items():
        if not tool.estimate_from_clinic or "role" not in frame.columns:
            continue
        tool_pairs = pairs.loc[pairs["instrument"] == key]
        partners = baselines.loc[baselines["instrument"] == key].groupby("role").size()
        for role in sorted(str(r) for r in partners.index if pd.notna(r)):
            sample = tool_pairs.loc[tool_pairs["role"] == role]
            n = int(partners.get(role, 0))
            if len(sample) >= MIN_CLINIC_BASELINES:
                rows.append(_estimated_row(tool, role, n, sample))
            else:
                why = f"{len(sample)} of {MIN_CLINIC_BASELINES} retest pairs for this role so far"
                rows.append(_default_row(tool, n, role, len(sample), why))
    return pd.DataFrame(rows, columns=CONSTANT_COLUMNS)


def _row(
    tool: Instrument, role: str, n: int, pairs: int, sd: float, r: float, sd_src: str, r_src: str
) -> dict[str, Any]:
    sem = sd * float(np.sqrt(1 - r))
    return {
        "instrument": tool.key,
        "name": tool.short_name,
        "role": role,
        "n_baselines": n,
        "n_pairs": pairs,
        "sd": float(sd),
        "reliability": float(r),
        "sem": sem,
        "reliable_change": RELIABLE_CHANGE_THRESHOLD * float(np.sqrt(2)) * sem,
        "sd_source": sd_src,
        "reliability_source": r_src,
        "source": f"{sd_src}; {r_src}",
    }


def _default_row(tool: Instrument, n: int, role: str, pairs: int, why: str) -> dict[str, Any]:
    assert tool.default_sd is not None and tool.reliability is not None
    origin = tool.reliability_source or tool.constants_source
    sd_source = f"SD {tool.default_sd:.1f}: {tool.constants_source}"
    if why:
        sd_source += f" ({why})"
    r_source = f"reliability {tool.reliability:.2f}: {origin}"
    return _row(tool, role, n, pairs, tool.default_sd, tool.reliability, sd_source, r_source)


def _estimated_row(tool: Instrument, role: str, n: int, sample: pd.DataFrame) -> dict[str, Any]:
    sd = float(sample["first"].std(ddof=1))
    raw = sample["first"].corr(sample["second"]) if sd > 0 else np.nan
    r = float(np.clip(raw, *RETEST_RANGE)) if np.isfinite(raw) else RETEST_RANGE[0]
    note = "" if np.isfinite(raw) and r == raw else f", clamped from {raw:.2f}"
    floor = tool.sem_floor or 0.0
    if sd * np.sqrt(1 - r) < floor:
        if sd > floor:
            r = 1 - (floor / sd) ** 2
        else:
            sd, r = floor, 0.0
        note += f"; raised to the SEM floor {floor:g} (Mend's assumption)"
    pairs = len(sample)
    sd_source = f"SD {sd:.2f} of intake ratings, {role} partners (n={pairs})"
    r_source = (
        f"retest r {r:.2f} from intake and next rating within {RETEST_MAX_WEEKS} weeks, "
        f"{role} partners (n={pairs}{note})"
    )
    return _row(tool, role, n, pairs, sd, r, sd_source, r_source)


def _with_constants(rows: pd.DataFrame, constants: pd.DataFrame | None) -> pd.DataFrame:
    """Add sd, reliability and constants_source per row: the row's partner role where
    `constants` has one for it, else the instrument's "all" row; the instruments'
    defaults fill any instrument that `constants` lacks."""
    defaults = clinic_constants(empty_measures())
    given = defaults.iloc[0:0] if constants is None else constants
    if "role" not in given.columns:
        given = given.assign(role=ALL_ROLES)
    table = pd.concat([given, defaults.loc[~defaults["instrument"].isin(given["instrument"])]])
    table = table[["instrument", "role", "sd", "reliability", "source"]].rename(
        columns={"source": "constants_source"}
    )
    general = table.loc[table["role"] == ALL_ROLES].drop(columns="role")
    general = general.drop_duplicates("instrument")
    out = rows.drop(columns=[c for c in ("sd", "reliability", "constants_source") if c in rows])
    out = out.merge(general, on="instrument", how="left")
    specific = table.loc[table["role"] != ALL_ROLES]
    if "role" not in out.columns or specific.empty:
        return out
    keyed = (
        out[["instrument", "role"]]
        .astype(str)
        .merge(
            specific.astype({"role": str, "instrument": str}), on=["instrument", "role"], how="left"
        )
    )
    found = keyed["sd"].notna().to_numpy()
    for column in ("sd", "reliability", "constants_source"):
        out.loc[found, column] = keyed.loc[found, column].to_numpy()
    return out
