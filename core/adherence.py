"""Homework adherence: pure pandas, no database.

Give it the couple's assignments and completions as frames:

- `assignments`: id, target ("A", "B", "both"), frequency, assigned_on, due_on, status,
  and optionally paused_from, paused_until (a pause under a safety concern);
- `completions`: assignment_id, partner_label, completed_on.

`adherence` scores them as of one day; `adherence_by_week` as of the end of every
week in care, in one grouped pass over all weeks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from core.domain import AssignmentStatus
from core.homework_rules import TARGET_PARTNERS

ADHERENCE_COLUMNS = ["partner", "expected", "done", "rate"]
WEEKLY_COLUMNS = ["partner_label", "partner_name", "week", "done", "expected", "rate"]
ASSIGNMENT_INPUT_COLUMNS = [
    "id",
    "target",
    "frequency",
    "assigned_on",
    "due_on",
    "status",
    "paused_from",
    "paused_until",
]
PAUSE_COLUMNS = ["paused_from", "paused_until"]
COMPLETION_INPUT_COLUMNS = ["assignment_id", "partner_label", "completed_on"]
PARTNERS = ["A", "B"]


def adherence(assignments: pd.DataFrame, completions: pd.DataFrame, today: date) -> pd.DataFrame:
    """Per partner (A, B): completions expected so far, done, and the rate done/expected.

    Rules:
    - an assignment not started yet (assigned_on after today) does not count;
    - the span runs from assigned_on to min(due_on, today), both days included;
    - "once" expects 1; "daily" one per day of the span; "weekly" one per
      started week of the span (8 days: 2);
    - an assignment to "both" counts for each partner;
    - skipped assignments count as expected with nothing done;
    - a "once" exercise marked done counts as done for each partner it was
      given to (its status records it, with or without reflections);
    - completions beyond what is expected are capped (no credit in advance);
    - a paused assignment (the counsellor paused it under a safety concern) expects
      nothing on the days of its pause, paused_from to paused_until (both included;
      no paused_until: still paused): a daily or weekly one counts only the days
      outside the pause, and a "once" exercise paused on the day scored expects
      nothing unless it is done (Mend's own rule: a partner is not behind on
      homework the counsellor stopped);
    - rate is done / expected, NaN when nothing is expected yet.

    Every completion given counts, whatever its date (`adherence_by_week` counts
    only those up to each week's end).
    """
    given = assignments.assign(asof=pd.Timestamp(today))
    per_partner = _per_partner(given, _counted(completions, []), [])
    return _adherence_frame(per_partner[["partner", "expected", "done"]])


def _adherence_frame(per_partner: pd.DataFrame) -> pd.DataFrame:
    """Totals per partner A and B (0 expected for a partner without homework)."""
    totals = (
        per_partner.astype({"expected": "int64", "done": "int64"})
        .groupby("partner")[["expected", "done"]]
        .sum()
        .reindex(PARTNERS, fill_value=0)
    )
    totals["rate"] = totals["done"] / totals["expected"].where(totals["expected"] > 0)
    return totals.rename_axis("partner").reset_index()[ADHERENCE_COLUMNS]


def adherence_by_week(
    assignments: pd.DataFrame,
    completions: pd.DataFrame,
    intake: date,
    today: date,
    names: Mapping[str, str],
) -> pd.DataFrame:
    """Cumulative adherence per partner at the end of each week since intake (for the
    chart): partner_label, partner_name, week, done, expected, rate.

    Week w ends on intake + 7w + 6, or today for the current week; it counts the
    assignments started by then and the completions done by then, by `adherence`'s
    rules. Weeks before the first assignment, and partners with nothing expected in
    a week, are left out. All weeks are scored in one pass (assignments and
    completions crossed with the weeks, then grouped).
    """
    if assignments.empty:
        return pd.DataFrame(columns=WEEKLY_COLUMNS)
    start, now = pd.Timestamp(intake), pd.Timestamp(today)
    first = pd.to_datetime(assignments["assigned_on"]).min()
    weeks = np.arange((first - start).days // 7, (now - start).days // 7 + 1, dtype="int64")
    ends = pd.Series(start + pd.to_timedelta(7 * weeks + 6, unit="D"))
    calendar = pd.DataFrame({"week": weeks, "asof": ends.where(ends <= now, now)})
    given = assignments.merge(calendar, how="cross")
    done = completions.merge(calendar, how="cross")
    done = done.loc[pd.to_datetime(done["completed_on"]) <= done["asof"]]
    per_partner = _per_partner(given, _counted(done, ["week"]), ["week"])
    totals = (
        per_partner.astype({"expected": "int64", "done": "int64"})
        .groupby(["week", "partner"])[["expected", "done"]]
        .sum()
        .reset_index()
    )
    totals = totals.loc[totals["expected"] > 0].reset_index(drop=True)
    totals["rate"] = totals["done"] / totals["expected"]
    frame = totals.rename(columns={"partner": "partner_label"})
    frame["partner_name"] = frame["partner_label"].map(names)
    return frame[WEEKLY_COLUMNS]


def _counted(completions: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Completions per assignment and partner (and `keys`)."""
    return (
        completions.groupby([*keys, "assignment_id", "partner_label"])
        .size()
        .rename("completed")
        .reset_index()
        .astype({"assignment_id": "int64"})
    )


def _per_partner(given: pd.DataFrame, counted: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per assignment started by its `asof` day and partner it is for (per
    `keys`), with the completions expected by then and those done (capped)."""
    given = given.loc[pd.to_datetime(given["assigned_on"]) <= given["asof"]]
    if given.empty:
        return pd.DataFrame(columns=[*keys, "partner", "expected", "done"])
    start = pd.to_datetime(given["assigned_on"])
    due = pd.to_datetime(given["due_on"])
    end = due.where(due <= given["asof"], given["asof"])
    paused_days, paused_now = _pauses(given, start, end)
    days = (end - start).dt.days + 1 - paused_days
    frequency = given["frequency"]
    expected = np.select(
        [frequency == "daily", frequency == "weekly"], [days, -(-days // 7)], default=1
    )
    per_partner = (
        given.assign(
            expected=expected,
            paused_now=paused_now,
            partner=given["target"].map(TARGET_PARTNERS),
        )
        .explode("partner")
        .rename(columns={"id": "assignment_id"})
        .astype({"assignment_id": "int64"})
    )
    per_partner = per_partner.merge(
        counted,
        how="left",
        left_on=[*keys, "assignment_id", "partner"],
        right_on=[*keys, "assignment_id", "partner_label"],
    )
    completed = per_partner["completed"].fillna(0).astype(int)
    status = per_partner["status"].astype(str)
    once = per_partner["frequency"] == "once"
    once_done = once & (status == AssignmentStatus.DONE.value)
    paused_undone = once & per_partner["paused_now"] & ~once_done & (completed == 0)
    per_partner["expected"] = per_partner["expected"].where(~paused_undone, 0)
    completed = completed.where(~once_done, per_partner["expected"])
    completed = completed.where(status != AssignmentStatus.SKIPPED.value, 0)
    per_partner["done"] = np.minimum(completed, per_partner["expected"])
    return per_partner


def pause_windows(paused: pd.DataFrame, screens: pd.DataFrame) -> pd.DataFrame:
    """When each paused assignment's pause ran, as `adherence` takes it.

    `paused`: id, decided_at (when the counsellor paused it); `screens`: the couple's
    safety screens, created_at, resolved_at (None while open). A pause holds while a
    concern open when it was decided stays open (core.homework_rules.safety_hold), so it
    runs from the decision's day to the day the last of those concerns was resolved, or
    on (paused_until None). Returns id, paused_from, paused_until."""
    columns = ["id", *PAUSE_COLUMNS]
    if paused.empty or screens.empty:
        return pd.DataFrame(columns=columns).astype({"id": "int64"})
    decided = paused.assign(decided_at=pd.to_datetime(paused["decided_at"], utc=True))
    at_pause = decided.merge(
        screens.assign(
            created_at=pd.to_datetime(screens["created_at"], utc=True),
            resolved_at=pd.to_datetime(screens["resolved_at"], utc=True),
        ),
        how="cross",
    )
    at_pause = at_pause.loc[
        (at_pause["created_at"] <= at_pause["decided_at"])
        & ~(at_pause["resolved_at"] < at_pause["decided_at"])
    ]
    still_open = at_pause["resolved_at"].isna().groupby(at_pause["id"]).any()
    ends = at_pause.groupby("id")["resolved_at"].max().where(~still_open)
    # A pause decided with no concern open (none recorded) held nothing back: left out.
    windows = decided.merge(ends.rename("until"), left_on="id", right_index=True)
    return pd.DataFrame(
        {
            "id": windows["id"],
            "paused_from": windows["decided_at"].dt.date,
            "paused_until": windows["until"]
            .dt.date.astype(object)
            .where(windows["until"].notna(), None),
        },
        columns=columns,
    ).reset_index(drop=True)


def _pauses(given: pd.DataFrame, start: pd.Series, end: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per assignment row: the days of its span it was paused, and whether it is paused
    on its `asof` day. Frames without pause columns have no pauses."""
    if "paused_from" not in given:
        return pd.Series(0, index=given.index), pd.Series(False, index=given.index)
    paused_from = pd.to_datetime(given["paused_from"])
    paused_until = pd.to_datetime(given["paused_until"]).fillna(given["asof"])
    first = paused_from.where(paused_from > start, start)
    last = paused_until.where(paused_until < end, end)
    paused = paused_from.notna()
    days = ((last - first).dt.days + 1).clip(lower=0).where(paused, 0).astype("int64")
    now = paused & (paused_from <= given["asof"]) & (paused_until >= given["asof"])
    return days, now


def rate_text(rate: float, done: int, *, anything_due: bool) -> str:
    """A partner's adherence as read on screen: "—" when nothing was expected, "nothing
    due yet" when nothing is done and no homework has reached its due date (just
    assigned: 0% would read as a failure), else the percentage."""
    if math.isnan(rate):
        return "—"
    if done == 0 and not anything_due:
        return "nothing due yet"
    return f"{rate:.0%}"
