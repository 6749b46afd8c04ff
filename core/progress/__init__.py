"""Progress analytics: reliable change, milestones, the expected trajectory, a status per
couple and partner, partner asymmetry, the caseload summary and outcomes by counsellor.

Pure pandas (no Streamlit, no database: the ratings come from `core.queries.ratings`),
vectorised: grouping and merging, never a Python loop over the couples of a caseload (the
few loops here run over instruments or milestones).

Data flow::

    queries.ratings.measures_frame    one query -> long frame, one row per rating
    queries.ratings.clinic_frame      the same ratings clinic-wide, without names or case
                                      codes: input for the two clinic aggregates below
    clinic_constants(clinic)          SD and reliability per instrument (and partner role
                                      where estimated), one sample each, and their source
    empirical_band(clinic, constants) expected range of change (10th-90th percentile
                                      tolerance band) per 2-week bin
    change_table(frame, constants)    first -> latest rating per couple, partner, instrument
    milestones(frame, constants)      the rating nearest weeks 6, 12 and 26
    classify(...) / couple_status()   status with a one-line reason
    asymmetry(changes)                one partner improving while the other does not
    caseload_summary(...)             one row per couple, with an attention score
    progress_columns(...)             its rating-derived part, per couple (cacheable)
    outcomes_by_counsellor(summary)   share improved or recovered at 26 weeks

Modules, each importing only those above it::

    constants    thresholds, milestones, reference-curve parameters, column lists,
                 TRACKED, empty_measures, clinic_constants
    text         numbers and names as a status reason words them
    change       change_table, milestones
    trajectory   reference_curve, reference_band, empirical_band
    status       classify, couple_status
    caseload     asymmetry, caseload_summary, progress_columns, needs_attention_first
                 (attention_order_of, urgency: its keys as arrays), outcomes_by_counsellor

Time is "weeks since intake" (days / 7, a float) everywhere; week 26 is the six-month
marker and weeks 6 and 12 are the earlier milestones (DOMAIN.md).

Reliable change follows Jacobson & Truax (1991) through
`core.measures.reliable_change_index` and `core.measures.is_reliable`.
"""

from __future__ import annotations

from core.progress.caseload import (
    PROGRESS_COLUMNS,
    asymmetry,
    attention_order_of,
    caseload_summary,
    needs_attention_first,
    outcomes_by_counsellor,
    progress_columns,
    urgency,
)
from core.progress.change import (
    change_table,
    milestones,
)
from core.progress.constants import (
    ALL_ROLES,
    ASSESSMENT_COLUMNS,
    ASYMMETRY_COLUMNS,
    ATTENTION_WEIGHTS,
    BAND_BIN_WEEKS,
    BAND_COLUMNS,
    BAND_MAX_WEEK,
    CHANGE_COLUMNS,
    CHANGE_SPREAD_SD,
    CLINIC_COLUMNS,
    CONFIRM_RATINGS,
    CONSTANT_COLUMNS,
    CORROBORATE_RCI,
    COUPLE_STATUS_COLUMNS,
    CURVE_TAU_WEEKS,
    EXPECTED_GAIN_SD,
    EXPECTED_SHARE_HELPED,
    IDENTITY_COLUMNS,
    KEYS,
    LATE_BASELINE_WEEKS,
    LONG_GAP_WEEKS,
    MEASURE_COLUMNS,
    MEASURE_DTYPES,
    MILESTONE_COLUMNS,
    MILESTONE_LABELS,
    MILESTONE_WINDOWS,
    MILESTONES,
    MIN_BAND_COUPLES,
    MIN_CLINIC_BASELINES,
    ONE_RATING,
    OUTCOME_COLUMNS,
    OUTCOMES,
    PARTNER_KEYS,
    PARTNER_STATUS_COLUMNS,
    PRIMARY,
    QUARTILE_Z,
    RETEST_MAX_WEEKS,
    RETEST_RANGE,
    REVIEW_WEEK,
    SIX_MONTHS,
    STATUSES,
    TOLERANCE_Z,
    TOO_EARLY_WEEK,
    TRACKED,
    TRUST_GAP,
    TRUST_INSTRUMENT,
    clinic_constants,
    empty_measures,
)
from core.progress.status import (
    classify,
    couple_status,
)
from core.progress.trajectory import (
    empirical_band,
    reference_band,
    reference_curve,
)

__all__ = [
    "ALL_ROLES",
    "ASSESSMENT_COLUMNS",
    "ASYMMETRY_COLUMNS",
    "ATTENTION_WEIGHTS",
    "BAND_BIN_WEEKS",
    "BAND_COLUMNS",
    "BAND_MAX_WEEK",
    "CHANGE_COLUMNS",
    "CHANGE_SPREAD_SD",
    "CLINIC_COLUMNS",
    "CONFIRM_RATINGS",
    "CONSTANT_COLUMNS",
    "CORROBORATE_RCI",
    "COUPLE_STATUS_COLUMNS",
    "CURVE_TAU_WEEKS",
    "EXPECTED_GAIN_SD",
    "EXPECTED_SHARE_HELPED",
    "IDENTITY_COLUMNS",
    "KEYS",
    "LATE_BASELINE_WEEKS",
    "LONG_GAP_WEEKS",
    "MEASURE_COLUMNS",
    "MEASURE_DTYPES",
    "MILESTONES",
    "MILESTONE_COLUMNS",
    "MILESTONE_LABELS",
    "MILESTONE_WINDOWS",
    "MIN_BAND_COUPLES",
    "MIN_CLINIC_BASELINES",
    "ONE_RATING",
    "OUTCOMES",
    "OUTCOME_COLUMNS",
    "PARTNER_KEYS",
    "PARTNER_STATUS_COLUMNS",
    "PRIMARY",
    "PROGRESS_COLUMNS",
    "QUARTILE_Z",
    "RETEST_MAX_WEEKS",
    "RETEST_RANGE",
    "REVIEW_WEEK",
    "SIX_MONTHS",
    "STATUSES",
    "TOLERANCE_Z",
    "TOO_EARLY_WEEK",
    "TRACKED",
    "TRUST_GAP",
    "TRUST_INSTRUMENT",
    "asymmetry",
    "attention_order_of",
    "caseload_summary",
    "change_table",
    "classify",
    "clinic_constants",
    "couple_status",
    "empirical_band",
    "empty_measures",
    "milestones",
    "needs_attention_first",
    "outcomes_by_counsellor",
    "progress_columns",
    "reference_band",
    "reference_curve",
    "urgency",
]
