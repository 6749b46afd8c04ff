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
    CORROBORATE_RCI,
    COUPLE_STATUS_COLUMNS,
    LATE_BASELINE_WEEKS,
    PARTNER_KEYS,
    PARTNER_STATUS_COLUMNS,
    PRIMARY,
    REVIEW_WEEK,
    SIX_MONTHS,
    STATUSES,
    TOO_EARLY_WEEK,
    empty_measures,
)
from core.progress.text import _num, _rci, _signed, _week, _who
from core.progress.trajectory import band_at, empirical_band


def _per_couple(
    today_weeks: float | pd.Series | Mapping[int, float] | None, couple_ids: pd.Series
) -> pd.Series:
    if today_weeks is None:
        return pd.Series(np.nan, index=couple_ids.index)
    if isinstance(today_weeks, pd.Series | Mapping):
        return couple_ids.map(today_weeks).astype("float64")
    return pd.Series(float(today_weeks), index=couple_ids.index)


def _with_band(rows: pd.DataFrame, band: pd.DataFrame | None) -> pd.DataFrame:
    """The band at each row's latest and previous week (interpolated; flat past week 52):
    the expected change and the worse edge (p10 where higher is better, p90 where lower)."""
    if band is None:
        band = empirical_band(empty_measures())
    instruments = rows["instrument"].astype(str)
    latest = band_at(band, instruments, rows["weeks_latest"].astype("float64").clip(lower=0))
    before = band_at(band, instruments, rows["weeks_previous"].astype("float64").clip(lower=0))
    sign = _direction_sign(rows["instrument"])
    return rows.assign(
        band_expected=latest["expected"].to_numpy(),
        band_p10=latest["p10"].to_numpy(),
        band_p90=latest["p90"].to_numpy(),
        band_edge=np.where(sign > 0, latest["p10"], latest["p90"]),
        band_edge_previous=np.where(sign > 0, before["p10"], before["p90"]),
        band_source=latest["source"].to_numpy(),
    )


def classify(
    changes: pd.DataFrame,
    milestones: pd.DataFrame | None = None,
    band: pd.DataFrame | None = None,
    *,
    today_weeks: float | pd.Series | Mapping[int, float] | None,
    roster: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A status, a one-line reason and a second-look flag per couple and partner
    (PARTNER_STATUS_COLUMNS). docs/clinical-model.md states each rule and its source.

    `changes`: change_table; `milestones`: milestones() (an improvement at week 6 or 12
    lifts the second look); `band`: empirical_band (None: the reference band with default
    constants); `today_weeks`: weeks since intake today, one number or a Series/Mapping by
    couple_id (None: the couple's last rating); `roster`: couples to report even without
    ratings (couple_id, optional case_code); each gets partners A and B.

    Evidence per cell (one partner x one instrument): `confirmed` reliable change (the
    latest CONFIRM_RATINGS ratings each reliably changed from the baseline, the same way);
    "persistently below" (the latest two ratings both outside the band's worse edge, a
    10th-percentile tolerance bound; not for a late baseline, which the band does not
    describe). A partner's status, first match wins:
    1. no ratings   - no rating on any tracked instrument;
    2. deteriorated - confirmed reliable worsening on a primary outcome (CSI-4, five C's),
                      and a second cell of this partner also worse than its baseline;
    3. recovered    - confirmed reliable improvement on a primary outcome that left the
                      clinical range, and a second cell also better than its baseline;
    4. improved     - confirmed reliable improvement on a primary outcome, corroborated
                      the same way;
    5. not on track - a primary outcome persistently below the expected range, and a
                      second cell behind the expected curve at its latest rating;
    6. too early    - fewer than two ratings (after week 6 also a second look);
    7. on track     - otherwise.
    Second look (`second_look`, `second_look_reason`; not a status): at or past week 12
    (12 weeks after a late baseline), no primary outcome above its baseline at the latest
    rating and no reliable improvement at the week-6/12 milestones; or only one rating
    at week 6 or later. A closed couple is judged at its last rating and the reason ends
    "(case closed; last rating at week N)".
    """
    rows = _cells(_with_band(changes, band))
    partner = _partner_rows(rows, milestones, today_weeks)
    result = partner.reindex(columns=PARTNER_STATUS_COLUMNS)
    if roster is not None:
        result = _fill_roster(result, roster)
    return result.sort_values(PARTNER_KEYS, kind="stable").reset_index(drop=True)


def _cells(rows: pd.DataFrame) -> pd.DataFrame:
    """Each cell's evidence (see classify) and, per kind of status, whether it shows it."""
    sign = _direction_sign(rows["instrument"])
    measured = (rows["n_ratings"] >= 2).to_numpy()
    late = (rows["weeks_baseline"] > LATE_BASELINE_WEEKS).to_numpy()
    primary = rows["instrument"].isin(PRIMARY).to_numpy()
    up = (rows["change"] * sign).to_numpy()
    gap = ((rows["band_edge"] - rows["change"]) * sign).to_numpy()
    before = rows["previous"] - rows["baseline"]
    gap_before = ((rows["band_edge_previous"] - before) * sign).to_numpy()
    behind = ((rows["change"] - rows["band_expected"]) * sign).to_numpy()
    confirmed = rows["confirmed"].astype(str).to_numpy()
    # A second cell corroborates at its latest two ratings (or its only follow-up one).
    lift = (rows["rci"] * sign).fillna(0).to_numpy()
    lift_before = (rows["rci_previous"] * sign).fillna(pd.Series(lift, index=rows.index))
    lift_before = lift_before.to_numpy()
    return rows.assign(
        late=late,
        gap=gap,
        better=measured & (lift >= CORROBORATE_RCI) & (lift_before >= CORROBORATE_RCI),
        worse=measured & (lift <= -CORROBORATE_RCI) & (lift_before <= -CORROBORATE_RCI),
        under=measured & np.where(late, up < 0, behind < 0),
        primary_up=primary & measured & (up > 0),
        k_worsened=primary & (confirmed == "worsened"),
        k_recovered=primary
        & (confirmed == "improved")
        & rows["clinically_significant"].astype(bool).to_numpy(),
        k_improved=primary & (confirmed == "improved"),
        k_below=primary & measured & ~late & (gap > 0),
        k_band=primary & measured & ~late & (gap > 0) & ((gap_before > 0) | (gap + gap_before > 0)),
        rci_improvement=rows["rci"] * sign,
        deficit=-behind / rows["sd"],
    )


_KINDS = ("worsened", "recovered", "improved", "band")
_STATUS = {
    "worsened": "deteriorated",
    "recovered": "recovered",
    "improved": "improved",
    "band": "not on track",
    "early": "too early",
    "single": "too early",
    "ahead": "on track",
    "watch": "on track",
    "late_ok": "on track",
    "on_track": "on track",
}
# What corroborates each kind in a second cell of the same partner.
_SECOND = {
    "worsened": "worse",
    "recovered": "better",
    "improved": "better",
    "band": "under",
    "ahead": "better",
}


def _partner_rows(
    rows: pd.DataFrame,
    milestones: pd.DataFrame | None,
    today_weeks: float | pd.Series | Mapping[int, float] | None,
) -> pd.DataFrame:
    by = rows.groupby(PARTNER_KEYS)
    totals = by.agg(
        n_max=("n_ratings", "max"),
        first_week=("weeks_baseline", "min"),
        any_up=("primary_up", "any"),
        any_below=("k_below", "any"),
        **{f"n_{k}": (k, "sum") for k in ("better", "worse", "under")},
        **{f"has_{k}": (f"k_{k}", "any") for k in _KINDS},
    ).reset_index()
    last = rows.groupby("couple_id")["weeks_latest"].max().rename("last_week").reset_index()
    partner = totals.merge(last, on="couple_id")
    holds = {k: partner[f"has_{k}"] & (partner[f"n_{_SECOND[k]}"] >= 2) for k in _KINDS}
    one = partner["n_max"] < 2
    closed_rows = rows.drop_duplicates(PARTNER_KEYS)[[*PARTNER_KEYS, "status"]]
    partner = partner.merge(closed_rows, on=PARTNER_KEYS, how="left")
    closed = partner["status"].astype(str).str.lower().eq("closed")
    today = _per_couple(today_weeks, partner["couple_id"])
    as_of = partner["last_week"].where(closed | today.isna(), today)
    partner["as_of_week"] = as_of
    late_start = partner["first_week"] > LATE_BASELINE_WEEKS
    outcome_due = closed | (as_of >= SIX_MONTHS)
    kind = np.select(
        [holds[k] for k in _KINDS] + [one & (as_of < TOO_EARLY_WEEK), one],
        [*_KINDS, "early", "single"],
        np.where(late_start, "late_ok", "on_track"),
    )
    ahead = np.isin(kind, ["recovered", "improved"]) & ~outcome_due.to_numpy()
    kind = np.where(ahead, "ahead", kind)
    kind = np.where((kind == "on_track") & partner["any_below"], "watch", kind)
    partner["kind"] = kind
    described = _describe(rows, partner)
    partner = partner.drop(columns="status").merge(described, on=PARTNER_KEYS, how="left")
    partner["status"] = partner["kind"].map(_STATUS)
    reason = _reasons(partner)
    suffix = " (case closed; last rating at week " + _week(as_of) + ")"
    partner["reason"] = reason.where(~closed, reason + suffix)
    _second_look(partner, milestones, late_start, one)
    return partner


def _describe(rows: pd.DataFrame, partner: pd.DataFrame) -> pd.DataFrame:
    """Per partner, the cell that shows its kind best and the best corroborating cell."""
    cells = rows.merge(partner[[*PARTNER_KEYS, "kind"]], on=PARTNER_KEYS)
    kind = cells["kind"].to_numpy()
    shows = (kind == "ahead") & cells["k_improved"].to_numpy()
    shows |= (kind == "watch") & cells["k_below"].to_numpy()
    for k in _KINDS:
        shows |= (kind == k) & cells[f"k_{k}"].to_numpy()
    strength = np.select(
        [kind == "worsened", np.isin(kind, ["band", "watch"])],
        [cells["rci_improvement"], -cells["gap"] / cells["sd"]],
        -cells["rci_improvement"].fillna(0),
    )
    order = cells["instrument"].map(_ORDER).astype("float64")
    main = (
        cells.assign(_miss=~shows, _strength=strength, _order=order)
        .sort_values([*PARTNER_KEYS, "_miss", "_strength", "_order"], kind="stable")
        .drop_duplicates(PARTNER_KEYS)
    )
    second = cells.merge(main[[*PARTNER_KEYS, "instrument"]], on=PARTNER_KEYS, suffixes=("", "_m"))
    second = second.loc[second["instrument"] != second["instrument_m"]]
    k2 = second["kind"].to_numpy()
    agrees = np.select(
        [k2 == k for k in _SECOND], [second[v].to_numpy() for v in _SECOND.values()], False
    ).astype(bool)
    moved = (second["change"] * _direction_sign(second["instrument"]) / second["sd"]).fillna(0)
    pull = np.where(
        k2 == "band", -second["deficit"].fillna(0), np.where(k2 == "worsened", moved, -moved)
    )
    second = (
        second.assign(_miss=~agrees, _pull=pull)
        .sort_values([*PARTNER_KEYS, "_miss", "_pull"], kind="stable")
        .drop_duplicates(PARTNER_KEYS)
    )
    second = second.loc[~second["_miss"], [*PARTNER_KEYS, "instrument", "change"]].rename(
        columns={"instrument": "also_instrument", "change": "also_change"}
    )
    keep = [c for c in main.columns if c not in ("kind", "_miss", "_strength", "_order")]
    return main[keep].merge(second, on=PARTNER_KEYS, how="left")


def _second_look(
    partner: pd.DataFrame, milestones: pd.DataFrame | None, late_start: pd.Series, one: pd.Series
) -> None:
    """The week-12 second look (see classify), in place: second_look and its reason."""
    as_of = partner["as_of_week"]
    past = (as_of >= REVIEW_WEEK) & (~late_start | (as_of - partner["first_week"] >= REVIEW_WEEK))
    stalled = past & ~one & ~partner["any_up"] & ~_improved_by_review(partner, milestones)
    lonely = one & (as_of >= TOO_EARLY_WEEK)
    first, now = _week(partner["first_week"]), _week(as_of)
    partner["second_look"] = (stalled | lonely).astype(bool)
    partner["second_look_reason"] = np.select(
        [stalled, lonely],
        [
            "No improvement on a primary outcome (CSI-4, Five C's) by week 12 (now week "
            + now
            + "; first rating at week "
            + first
            + ")",
            "Only one rating (week "
            + first
            + ") and now week "
            + now
            + ": no follow-up rating to measure change",
        ],
        "",
    )


def _improved_by_review(partner: pd.DataFrame, milestones: pd.DataFrame | None) -> pd.Series:
    """A reliable improvement at the week-6 or week-12 milestone on a primary outcome."""
    if milestones is None or "outcome" not in milestones.columns or milestones.empty:
        return pd.Series(False, index=partner.index)
    early = milestones.loc[
        (milestones["milestone"] <= REVIEW_WEEK)
        & milestones["instrument"].isin(PRIMARY)
        & milestones["outcome"].isin(["improved", "recovered"]),
        PARTNER_KEYS,
    ].drop_duplicates()
    marked = partner[PARTNER_KEYS].merge(early.assign(_hit=True), on=PARTNER_KEYS, how="left")
    return marked["_hit"].eq(True).set_axis(partner.index)


def _reasons(partner: pd.DataFrame) -> pd.Series:
    """The one-line reason for each partner's status, built column-wise."""
    kinds = partner["kind"].to_numpy()
    name = _lookup(partner["instrument"], "short_name").astype("object")
    cutoff = _num(_lookup(partner["instrument"], "cutoff").astype("float64"))
    verb = np.where(partner["change"] < 0, " fell", " rose")
    moved = (
        name + verb + " reliably from " + _num(partner["baseline"]) + " to "
        + _num(partner["latest"]) + " (RCI " + _rci(partner["rci"]) + "; also at week "
        + _week(partner["weeks_previous"]) + ", RCI " + _rci(partner["rci_previous"]) + ")"
    )  # fmt: skip
    other = _lookup(partner["also_instrument"], "short_name").astype("object").fillna("")
    also = "; " + other + " " + _signed(partner["also_change"]) + " too"
    since = (
        name + " " + _signed(partner["change"]) + " since week " + _week(partner["weeks_baseline"])
    )
    source = np.where(partner["band_source"] == "clinic", "clinic data", "reference curve")
    edge = np.where(
        _lookup(partner["instrument"], "higher_is_better").astype(bool),
        partner["band_p10"],
        partner["band_p90"],
    )
    expected = " (expected " + _signed(partner["band_expected"]) + ", lower edge "
    expected = expected + _signed(pd.Series(edge, index=partner.index)) + ", " + source + ")"
    at = " at week " + _week(partner["weeks_latest"])
    first, now = _week(partner["weeks_baseline"]), _week(partner["as_of_week"])
    best = " (RCI " + _rci(partner["rci"]) + ")"
    texts = {
        "worsened": moved + also,
        "recovered": moved + "; now out of the clinical range (cut-off " + cutoff + ")" + also,
        "improved": moved + also,
        "ahead": "Ahead of the expected course: " + moved + also
        + " (improved or recovered is judged from week 26)",
        "band": since + ": below the expected range at the last two ratings (weeks "
        + _week(partner["weeks_previous"]) + " and " + _week(partner["weeks_latest"]) + ")"
        + expected + "; " + other + " behind the expected curve too",
        "early": "Only the first rating so far (week " + first + "): too early to judge",
        "single": "Only one rating (week " + first + ") and now week " + now
        + ": no change can be measured yet",
        "late_ok": since + ", the first rating (not at intake); no confirmed reliable change"
        + best,
        "watch": since + ": below the expected range" + at + expected
        + "; not on track only when a second rating and a second measure confirm it",
        "on_track": since + ": within the expected range" + at + expected,
    }  # fmt: skip
    return pd.Series(
        np.select([kinds == kind for kind in texts], list(texts.values()), ""),
        index=partner.index,
        dtype="object",
    )


def _fill_roster(result: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """Partners A and B of every roster couple; those without ratings get "no ratings"."""
    named = [c for c in ("name_A", "name_B") if c in roster.columns]
    columns = [c for c in ("couple_id", "case_code", *named) if c in roster.columns]
    everyone = (
        roster[columns]
        .drop_duplicates("couple_id")
        .merge(pd.DataFrame({"partner_label": ["A", "B"]}), how="cross")
    )
    missing = everyone.merge(result[PARTNER_KEYS], on=PARTNER_KEYS, how="left", indicator=True)
    missing = missing.loc[missing["_merge"] == "left_only"].drop(columns="_merge")
    if len(named) == 2:  # the roster names the partners: "Lou: no ratings yet"
        missing["partner_name"] = missing["name_A"].where(
            missing["partner_label"].eq("A"), missing["name_B"]
        )
    filled = missing.assign(
        status="no ratings",
        reason="no ratings yet",
        second_look=False,
        second_look_reason="",
    ).reindex(columns=PARTNER_STATUS_COLUMNS)
    # Keep case codes the roster knows for couples that do have ratings, too.
    return pd.concat([result, filled], ignore_index=True) if len(filled) else result


def couple_status(partner_status: pd.DataFrame) -> pd.DataFrame:
    """One status per couple from its partners' (COUPLE_STATUS_COLUMNS).

    The more urgent partner status wins, in STATUSES order: deteriorated, not on track,
    recovered, improved, on track, too early, no ratings. Each partner's status already
    rests on two cells (a primary outcome and a corroborating one), so no single cell of
    the couple's six decides it. The reason is that partner's, with the other partner's
    status after it, so the line names both partners. `second_look` is either partner's, with the
    reasons of those flagged, each after the partner's name.
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
    # Both partners named: the leading partner's reason, then the other's status.
    known = merged["status_other"].notna()
    reason = merged["_who"] + ": " + merged["reason"].fillna("")
    tail = " · " + merged["_who_other"].fillna("") + ": " + merged["status_other"].fillna("")
    merged["reason"] = reason.where(~known, reason + tail)
    wide = (
        partner_status.pivot(index="couple_id", columns="partner_label", values="status")
        .reindex(columns=["A", "B"])
        .add_prefix("status_")
        .reset_index()
    )
    flagged = ranked.assign(second_look=ranked["second_look"].eq(True))
    flagged = flagged.loc[flagged["second_look"]].sort_values(["couple_id", "partner_label"])
    looks = (
        (flagged["_who"] + ": " + flagged["second_look_reason"].astype(str))
        .groupby(flagged["couple_id"])
        .agg(" · ".join)
        .rename("second_look_reason")
        .reset_index()
    )
    merged = merged.drop(
        columns=[c for c in merged.columns if c.startswith("status_") or c.startswith("second")]
    )
    merged = merged.merge(wide, on="couple_id", how="left").merge(looks, on="couple_id", how="left")
    merged["second_look"] = merged["second_look_reason"].notna()
    merged["second_look_reason"] = merged["second_look_reason"].astype(object).fillna("")
    return merged.reindex(columns=COUPLE_STATUS_COLUMNS).reset_index(drop=True)
