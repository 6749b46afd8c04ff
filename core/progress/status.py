"""A status and a one-line reason per couple and partner (`classify`), and one status per
couple from its partners' (`couple_status`). The statuses, most urgent first: STATUSES.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from core.progress.change import _direction_sign, _lookup
from core.progress.constants import (
    _ORDER,
    COUPLE_STATUS_COLUMNS,
    LATE_BASELINE_WEEKS,
    PARTNER_KEYS,
    PARTNER_STATUS_COLUMNS,
    REVIEW_WEEK,
    STATUSES,
    TOO_EARLY_WEEK,
    empty_measures,
)
from core.progress.text import _num, _rci, _signed, _week, _who
from core.progress.trajectory import empirical_band


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
