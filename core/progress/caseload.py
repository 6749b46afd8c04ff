"""The caseload: partners moving apart (`asymmetry`), one summary row per couple with an
attention score (`caseload_summary`), the order for a second look
(`needs_attention_first`) and the outcomes at six months per counsellor
(`outcomes_by_counsellor`).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.progress.change import _direction_sign, _lookup, change_table, milestones
from core.progress.constants import (
    ASYMMETRY_COLUMNS,
    ATTENTION_WEIGHTS,
    LONG_GAP_WEEKS,
    MILESTONE_WINDOWS,
    OUTCOME_COLUMNS,
    OUTCOMES,
    PARTNER_KEYS,
    SIX_MONTHS,
    STATUSES,
    TRACKED,
    TRUST_GAP,
    TRUST_INSTRUMENT,
    clinic_constants,
    empty_measures,
)
from core.progress.status import classify, couple_status
from core.progress.text import _num, _rci, _who
from core.progress.trajectory import empirical_band

# --- asymmetry ---------------------------------------------------------------------------------


def asymmetry(changes: pd.DataFrame, *, trust_gap: float = TRUST_GAP) -> pd.DataFrame:
    """Couples where the partners are moving apart (ASYMMETRY_COLUMNS, one row per couple).

    Flagged when both partners have at least two ratings on some instrument and one of
    them improves reliably (on any instrument) while the other does not improve reliably
    on any; or when, with at least two five C's ratings each, their latest totals differ
    by more than `trust_gap` points while their first ones did not (a gap there from the
    start is not a movement apart, and the first rating alone never flags).
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
    latest = changes.loc[(changes["instrument"] == TRUST_INSTRUMENT) & (changes["n_ratings"] >= 2)]
    trust = _pair(latest.assign(_who=_who(latest)))
    # A gap already there at the first ratings is where the couple started, not a
    # movement apart (issue 14 item 5): only a gap that opened since then counts.
    opened = (trust["baseline_a"] - trust["baseline_b"]).abs() <= trust_gap
    apart = trust.loc[((trust["latest_a"] - trust["latest_b"]).abs() > trust_gap) & opened]
    gap = (
        "latest Five C's " + apart["_who_a"] + " " + _num(apart["latest_a"]) + ", "
        + apart["_who_b"] + " " + _num(apart["latest_b"]) + ": "
        + _num((apart["latest_a"] - apart["latest_b"]).abs()) + " points apart (more than "
        + _num(pd.Series(trust_gap, index=apart.index)) + "; "
        + _num((apart["baseline_a"] - apart["baseline_b"]).abs()) + " at the first ratings)"
    )  # fmt: skip
    result = couples.merge(
        pd.DataFrame({"couple_id": split["couple_id"], "_uneven": uneven}), how="left"
    ).merge(pd.DataFrame({"couple_id": apart["couple_id"], "_gap": gap}), how="left")
    reason = (result["_uneven"].fillna("") + "; " + result["_gap"].fillna("")).str.strip("; ")
    result["asymmetry"] = result["_uneven"].notna() | result["_gap"].notna()
    result["asymmetry_reason"] = reason.str[:1].str.upper() + reason.str[1:]
    return result[ASYMMETRY_COLUMNS].reset_index(drop=True)


def _pair(rows: pd.DataFrame) -> pd.DataFrame:
    """Partner A's row next to partner B's, per couple (suffixes _a and _b)."""
    a = rows.loc[rows["partner_label"] == "A"]
    b = rows.loc[rows["partner_label"] == "B"]
    return a.merge(b, on="couple_id", suffixes=("_a", "_b"))


SECOND_LOOK = ["second_look", "second_look_reason"]

# --- the caseload ------------------------------------------------------------------------------


def _outcome_at_six_months(
    frame: pd.DataFrame, constants: pd.DataFrame, band: pd.DataFrame
) -> pd.DataFrame:
    """One outcome per couple at six months, by the status rules as they stood at week 26:
    ratings up to the end of the week-26 window, judged as of week 26 (a closed case at
    its last rating). "no reliable change" for on track or not on track; couples without
    a rating in the window are left out (the caller marks them "not rated")."""
    window = MILESTONE_WINDOWS[SIX_MONTHS]
    upto = frame.loc[frame["week"] <= SIX_MONTHS + window]
    rated = upto.loc[
        upto["instrument"].isin(list(TRACKED)) & (upto["week"] >= SIX_MONTHS - window),
        "couple_id",
    ].unique()
    upto = upto.loc[upto["couple_id"].isin(rated)]
    if upto.empty:
        return pd.DataFrame({"couple_id": pd.Series(dtype="int64"), "outcome_26": []})
    status = couple_status(
        classify(change_table(upto, constants), None, band, today_weeks=float(SIX_MONTHS))
    )
    outcome = status["status"].where(status["status"].isin(OUTCOMES), "no reliable change")
    return pd.DataFrame({"couple_id": status["couple_id"], "outcome_26": outcome})


def caseload_summary(
    frame: pd.DataFrame | None,
    constants: pd.DataFrame | None = None,
    *,
    couples: pd.DataFrame,
    extras: pd.DataFrame | None = None,
    band: pd.DataFrame | None = None,
    today: date | None = None,
    progress: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per couple of `couples`, with its progress and what needs attention.

    `couples`: the caseload frame (core.services.couples.caseload: couple_id, case_code,
    partners, counsellor, status, intake_date, weeks_in_care, last_session, ...).
    `extras`: per-couple columns merged on couple_id (they replace same-named caseload
    columns); the attention score reads `safety_concern` (bool), `safety_concerns` (the
    open concerns in words), `trauma_follow_up`, `overdue_homework` and `unsigned_notes`
    (counts) when present. `progress`: the rating-derived columns already computed by
    `progress_columns` (a per-couple cache keeps them); without it they are computed from
    `frame` with `constants` and `band`.

    Adds the PROGRESS_COLUMNS, weeks_since_last_session, attention and attention_reasons.
    """
    today = today or date.today()
    if progress is None:
        progress = progress_columns(frame, constants, couples=couples, band=band, today=today)
    summary = couples.merge(progress, on="couple_id", how="left")
    summary["asymmetry"] = summary["asymmetry"].eq(True)
    summary["second_look"] = summary["second_look"].eq(True)
    summary["weeks_since_last_session"] = _weeks_since(summary, today)
    if extras is not None and len(extras.columns) > 1:
        replaced = [c for c in extras.columns if c != "couple_id" and c in summary.columns]
        summary = summary.drop(columns=replaced).merge(extras, on="couple_id", how="left")
    return _attention(summary, _weeks_in_care(couples, today).to_numpy())


def progress_columns(
    frame: pd.DataFrame | None,
    constants: pd.DataFrame | None = None,
    *,
    couples: pd.DataFrame,
    band: pd.DataFrame | None = None,
    today: date,
) -> pd.DataFrame:
    """The rating-derived part of the caseload summary, one row per couple of `couples`
    (couple_id + PROGRESS_COLUMNS): progress_status, progress_reason, status_A, status_B,
    second_look and second_look_reason (no improvement by week 12, or no follow-up
    rating), asymmetry, asymmetry_reason, improvement_<instrument> (mean of the partners'
    change since their first rating, signed so that up is better) and outcome_26 (at the
    six-month milestone; "not rated" without a rating there, "not yet" before week 26).

    Each couple's row depends only on its own ratings, intake date and status, the
    constants, the band and `today`: rows computed for a subset of couples equal those
    computed for the whole caseload, which is what lets a cache keep them per couple.
    `constants` and `band` should be the clinic-wide ones; by default they are computed
    from `frame`.
    """
    frame = empty_measures() if frame is None else frame
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
    result = couples[["couple_id"]].merge(
        status[["couple_id", "status", "reason", "status_A", "status_B", *SECOND_LOOK]].rename(
            columns={"status": "progress_status", "reason": "progress_reason"}
        ),
        on="couple_id",
        how="left",
    )
    result = result.merge(asymmetry(changes), on="couple_id", how="left")
    result["asymmetry"] = result["asymmetry"].eq(True)
    result["asymmetry_reason"] = result["asymmetry_reason"].fillna("")
    result["second_look"] = result["second_look"].eq(True)
    result["second_look_reason"] = result["second_look_reason"].astype(object).fillna("")
    improvement = (
        changes.loc[changes["n_ratings"] >= 2]
        .groupby(["couple_id", "instrument"])["improvement"]
        .mean()
        .unstack()
        .reindex(columns=list(TRACKED))
        .add_prefix("improvement_")
        .reset_index()
    )
    result = result.merge(improvement, on="couple_id", how="left")
    result = result.merge(
        _outcome_at_six_months(frame, constants, band), on="couple_id", how="left"
    )
    past = weeks.to_numpy() >= SIX_MONTHS
    result["outcome_26"] = np.where(
        past, result["outcome_26"].astype(object).fillna("not rated"), "not yet"
    )
    return result[["couple_id", *PROGRESS_COLUMNS]]


PROGRESS_COLUMNS = [
    "progress_status",
    "progress_reason",
    "status_A",
    "status_B",
    *SECOND_LOOK,
    "asymmetry",
    "asymmetry_reason",
    *[f"improvement_{name}" for name in TRACKED],
    "outcome_26",
]


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
    checked = _text(summary, "check_in_flags")
    # Safety first, in the score (ATTENTION_WEIGHTS: a tier above all others combined)
    # and in the reasons, which name the concern.
    flags = {
        # A check-in's flag (top distress, not safe at home) is safety too, until the
        # counsellor acknowledges it.
        "safety_concern": (_count(summary, "safety_concern") > 0) | checked.ne(""),
        "safety_homework": _count(summary, "safety_homework") > 0,
        "trauma_follow_up": _count(summary, "trauma_follow_up") > 0,
        "deteriorated": open_case & summary["progress_status"].eq("deteriorated"),
        "not_on_track": open_case & summary["progress_status"].eq("not on track"),
        "second_look": open_case & summary["second_look"],
        "asymmetry": open_case & summary["asymmetry"],
        "overdue_homework": open_case & (overdue > 0),
        "unsigned_notes": unsigned > 0,
        "long_gap": open_case & ~lowered.isin(["paused"]) & quiet,
    }
    words = _text(summary, "safety_concerns").str.lower()
    concern = _count(summary, "safety_concern") > 0
    texts = {
        "safety_concern": pd.Series(
            np.where(words.eq(""), "open safety concern", "open safety concern: " + words),
            index=summary.index,
        ).where(concern, "")
        + np.where(concern & checked.ne(""), "; ", "")
        + np.where(checked.ne(""), "check-in: " + checked, ""),
        "safety_homework": "homework paused by safety concern? ("
        + _num(_count(summary, "safety_homework"))
        + " to decide)",
        "trauma_follow_up": pd.Series("trauma symptoms: follow up", index=summary.index),
        "deteriorated": pd.Series("deteriorated", index=summary.index),
        "not_on_track": pd.Series("not on track", index=summary.index),
        "second_look": "second look: " + _text(summary, "second_look_reason"),
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
    for key, flag in flags.items():  # ten flags, each a whole column
        joined = joined + np.where(flag, "; " + pd.Series(texts[key], index=summary.index), "")
    summary["attention"] = pd.Series(score, index=summary.index).astype("int64")
    summary["attention_reasons"] = joined.str.removeprefix("; ")
    return summary


def _text(summary: pd.DataFrame, column: str) -> pd.Series:
    if column not in summary.columns:
        return pd.Series("", index=summary.index, dtype="object")
    return summary[column].fillna("").astype(str)


def _count(summary: pd.DataFrame, column: str) -> pd.Series:
    if column not in summary.columns:
        return pd.Series(0.0, index=summary.index)
    return pd.to_numeric(summary[column], errors="coerce").fillna(0).astype("float64")


def needs_attention_first(summary: pd.DataFrame) -> pd.DataFrame:
    """The caseload summary sorted for a second look: open safety concerns first, then
    open trauma follow-ups (each a tier of its own, whatever else is flagged), then the
    attention score, status urgency, the longest gap since a session and case code."""
    return summary.take(attention_order(summary)).reset_index(drop=True)


def attention_order(summary: pd.DataFrame) -> np.ndarray:
    """The row positions of `summary` in needs_attention_first's order."""
    codes = summary["case_code"]
    # The case code decides last: its rank, or the position when already in that order.
    case_rank = (
        np.arange(len(codes))
        if codes.is_monotonic_increasing
        else np.argsort(codes.to_numpy(dtype=object), kind="stable").argsort(kind="stable")
    )
    return attention_order_of(
        summary["attention"].astype("int64").to_numpy(),
        urgency(summary["progress_status"]),
        pd.to_numeric(summary["weeks_since_last_session"], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        ),
        case_rank,
    )


def urgency(progress_status: pd.Series) -> np.ndarray:
    """Each progress status's rank in STATUSES (the most urgent first), an unknown one
    after them all: the status's place in needs_attention_first's order."""
    ranks = progress_status.map({s: i for i, s in enumerate(STATUSES)}).astype("float64")
    return ranks.fillna(len(STATUSES)).to_numpy()


def attention_order_of(
    attention: np.ndarray, urgency: np.ndarray, gap: np.ndarray, case_rank: np.ndarray
) -> np.ndarray:
    """needs_attention_first's order from its keys as arrays: one np.lexsort (a stable
    sort) of six numeric keys. At 20,000 couples a few milliseconds, where sorting a
    frame by six columns, case codes among them, took 12."""
    trauma = (attention % ATTENTION_WEIGHTS["safety_homework"]) >= ATTENTION_WEIGHTS[
        "trauma_follow_up"
    ]
    safety = attention >= ATTENTION_WEIGHTS["safety_concern"]
    # np.lexsort sorts by the last key first, ascending; a descending key is negated, and
    # a missing gap (no session yet) goes last as pandas' na_position="last" put it.
    return np.lexsort(
        (
            case_rank,
            np.where(np.isnan(gap), np.inf, -gap),
            urgency,
            -attention,
            -trauma.astype("int8"),
            -safety.astype("int8"),
        )
    )


def outcomes_by_counsellor(summary: pd.DataFrame) -> pd.DataFrame:
    """Per counsellor: couples, those past week 26, those rated at the six-month
    milestone, each outcome there, and the share improved or recovered.

    `share_improved` (the headline) = (improved + recovered) / every couple past week 26:
    a couple without a 26-week rating, such as one who stopped attending, counts as not
    improved; `share_improved_rated` = the same over those rated at 26 weeks only;
    `not_rated` = past week 26 without a rating there. NaN where the denominator is 0.
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
    grouped["not_rated"] = grouped["past_26"] - grouped["rated_26"]
    helped = grouped["improved_or_recovered"]
    grouped["share_improved"] = helped / grouped["past_26"].where(grouped["past_26"] > 0)
    grouped["share_improved_rated"] = helped / grouped["rated_26"].where(grouped["rated_26"] > 0)
    return grouped[OUTCOME_COLUMNS]
