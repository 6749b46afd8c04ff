"""Adherence maths (core.adherence): pure pandas, no database; hand-computed cases and the
by-week pass checked against the week-by-week loop it replaced."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.adherence import (
    ADHERENCE_COLUMNS,
    ASSIGNMENT_INPUT_COLUMNS,
    WEEKLY_COLUMNS,
    adherence,
    adherence_by_week,
)

TODAY = date(2026, 11, 24)
NOV = {day: date(2026, 11, day) for day in range(1, 31)}


def assignments(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": number,
                "target": "A",
                "frequency": "once",
                "assigned_on": NOV[1],
                "due_on": NOV[8],
                "status": "assigned",
                "paused_from": None,
                "paused_until": None,
            }
            | row
            for number, row in enumerate(rows, start=1)
        ],
        columns=ASSIGNMENT_INPUT_COLUMNS,
    )


def completions(*rows: tuple[int, str, date]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["assignment_id", "partner_label", "completed_on"])


def result(frame: pd.DataFrame) -> dict[str, tuple[int, int, float | None]]:
    """{partner: (expected, done, rate or None)}"""
    return {
        row.partner: (
            int(row.expected),
            int(row.done),
            None if math.isnan(row.rate) else round(row.rate, 4),
        )
        for row in frame.itertuples()
    }


def test_no_homework_expects_nothing() -> None:
    frame = adherence(assignments(), completions(), TODAY)
    assert list(frame.columns) == ADHERENCE_COLUMNS
    assert result(frame) == {"A": (0, 0, None), "B": (0, 0, None)}


def test_once_expects_one() -> None:
    frame = adherence(assignments({}), completions(), TODAY)
    assert result(frame) == {"A": (1, 0, 0.0), "B": (0, 0, None)}
    frame = adherence(assignments({}), completions((1, "A", NOV[3])), TODAY)
    assert result(frame) == {"A": (1, 1, 1.0), "B": (0, 0, None)}


def test_daily_counts_each_day_up_to_today_inclusive() -> None:
    # Assigned 1 Nov, due 10 Nov, today 5 Nov: 1..5 Nov = 5 days; 3 done.
    given = assignments({"frequency": "daily", "due_on": NOV[10]})
    done = completions((1, "A", NOV[1]), (1, "A", NOV[2]), (1, "A", NOV[4]))
    assert result(adherence(given, done, NOV[5]))["A"] == (5, 3, 0.6)


def test_daily_stops_at_the_due_date() -> None:
    # Assigned 1 Nov, due 3 Nov, today 24 Nov: 3 days.
    given = assignments({"frequency": "daily", "due_on": NOV[3]})
    assert result(adherence(given, completions((1, "A", NOV[2])), TODAY))["A"] == (3, 1, 0.3333)


def test_assigned_today_counts_today() -> None:
    given = assignments({"frequency": "daily", "assigned_on": TODAY, "due_on": TODAY})
    assert result(adherence(given, completions(), TODAY))["A"] == (1, 0, 0.0)


@pytest.mark.parametrize(("span_days", "weeks"), [(1, 1), (7, 1), (8, 2), (14, 2), (15, 3)])
def test_weekly_counts_started_weeks(span_days: int, weeks: int) -> None:
    given = assignments({"frequency": "weekly", "due_on": NOV[1] + timedelta(days=span_days - 1)})
    assert result(adherence(given, completions(), TODAY))["A"] == (weeks, 0, 0.0)


def test_both_counts_for_each_partner() -> None:
    # Weekly for both, 1..14 Nov (2 weeks each); A did 2, B did 1.
    given = assignments({"target": "both", "frequency": "weekly", "due_on": NOV[14]})
    done = completions((1, "A", NOV[2]), (1, "A", NOV[9]), (1, "B", NOV[10]))
    assert result(adherence(given, done, TODAY)) == {"A": (2, 2, 1.0), "B": (2, 1, 0.5)}


def test_skipped_counts_as_expected_with_nothing_done() -> None:
    given = assignments({"status": "skipped", "frequency": "daily", "due_on": NOV[2]})
    done = completions((1, "A", NOV[1]))
    assert result(adherence(given, done, TODAY))["A"] == (2, 0, 0.0)


def test_not_started_yet_does_not_count() -> None:
    given = assignments({"assigned_on": NOV[25], "due_on": NOV[30], "frequency": "daily"})
    assert result(adherence(given, completions(), TODAY))["A"] == (0, 0, None)


def test_completions_beyond_expected_are_capped() -> None:
    # Daily 1..3 Nov but 5 completions recorded (two late, one duplicate-ish): 3 of 3.
    given = assignments({"frequency": "daily", "due_on": NOV[3]})
    done = completions(*[(1, "A", NOV[day]) for day in (1, 2, 3, 4, 5)])
    assert result(adherence(given, done, TODAY))["A"] == (3, 3, 1.0)
    once = assignments({})
    assert result(adherence(once, completions((1, "A", NOV[2]), (1, "A", NOV[3])), TODAY))["A"] == (
        1,
        1,
        1.0,
    )


def test_a_once_exercise_marked_done_counts_for_each_partner() -> None:
    given = assignments({"target": "both", "status": "done"})
    assert result(adherence(given, completions((1, "A", NOV[2])), TODAY)) == {
        "A": (1, 1, 1.0),
        "B": (1, 1, 1.0),
    }


def test_a_recurring_exercise_marked_done_counts_its_completions() -> None:
    given = assignments({"status": "done", "frequency": "daily", "due_on": NOV[4]})
    assert result(adherence(given, completions((1, "A", NOV[2])), TODAY))["A"] == (4, 1, 0.25)


def test_completions_by_the_other_partner_do_not_count() -> None:
    given = assignments({"target": "A"})
    assert result(adherence(given, completions((1, "B", NOV[2])), TODAY))["A"] == (1, 0, 0.0)


def test_a_mixed_caseload_adds_up() -> None:
    """Hand-computed, today 24 Nov:
    1. once, A, done by A                    -> A 1/1
    2. daily, B, 20..26 Nov (to today: 5)    -> B 4 completions -> 4/5
    3. weekly, both, 1..24 Nov (24 days: 4)  -> A 3, B 5 (capped 4)
    4. once, both, skipped                   -> A 0/1, B 0/1
    5. daily, A, from 25 Nov                 -> not started
    A: expected 1+4+1 = 6, done 1+3+0 = 4; B: expected 5+4+1 = 10, done 4+4 = 8.
    """
    given = assignments(
        {},
        {"target": "B", "frequency": "daily", "assigned_on": NOV[20], "due_on": NOV[26]},
        {"target": "both", "frequency": "weekly", "due_on": NOV[24]},
        {"target": "both", "status": "skipped"},
        {"frequency": "daily", "assigned_on": NOV[25], "due_on": NOV[28]},
    )
    done = completions(
        (1, "A", NOV[2]),
        *[(2, "B", NOV[day]) for day in (20, 21, 22, 24)],
        *[(3, "A", NOV[day]) for day in (2, 9, 16)],
        *[(3, "B", NOV[day]) for day in (2, 3, 9, 16, 23)],
        (4, "A", NOV[3]),
    )
    assert result(adherence(given, done, TODAY)) == {"A": (6, 4, 0.6667), "B": (10, 8, 0.8)}


def test_dates_may_come_as_text_or_timestamps() -> None:
    given = assignments(
        {"frequency": "daily", "assigned_on": "2026-11-01", "due_on": pd.Timestamp("2026-11-03")}
    )
    assert result(adherence(given, completions(), TODAY))["A"] == (3, 0, 0.0)


def test_adherence_frame_shape_is_stable() -> None:
    empty = adherence(
        pd.DataFrame(columns=["id", "target", "frequency", "assigned_on", "due_on", "status"]),
        pd.DataFrame(columns=["assignment_id", "partner_label", "completed_on"]),
        TODAY,
    )
    assert empty["partner"].tolist() == ["A", "B"]


# --- by week ---

NAMES = {"A": "Kit", "B": "Lou"}


def weekly_by_loop(
    given: pd.DataFrame, done: pd.DataFrame, intake: date, today: date, names: dict[str, str]
) -> pd.DataFrame:
    """The reference: the week-by-week loop `adherence_by_week` replaced (one full
    adherence computation per week in care)."""
    columns = ["partner_label", "partner_name", "week", "done", "expected", "rate"]
    if given.empty:
        return pd.DataFrame(columns=columns)
    first = min(given["assigned_on"])
    rows = []
    for week in range((first - intake).days // 7, (today - intake).days // 7 + 1):
        day = min(today, intake + timedelta(days=7 * week + 6))
        upto = done.loc[pd.to_datetime(done["completed_on"]) <= pd.Timestamp(day)]
        rows.append(adherence(given, upto, day).assign(week=week))
    frame = pd.concat(rows, ignore_index=True).rename(columns={"partner": "partner_label"})
    frame["partner_name"] = frame["partner_label"].map(names)
    return frame.loc[frame["expected"] > 0, columns].reset_index(drop=True)


def _pause(draw: st.DrawFn, assigned_on: date) -> dict[str, date | None]:
    """No pause, a pause still on, or one lifted (a concern resolved) some days later."""
    kind = draw(st.sampled_from(["none", "on", "lifted"]))
    if kind == "none":
        return {"paused_from": None, "paused_until": None}
    paused_from = assigned_on + timedelta(days=draw(st.integers(0, 30)))
    lifted = paused_from + timedelta(days=draw(st.integers(0, 20)))
    return {"paused_from": paused_from, "paused_until": lifted if kind == "lifted" else None}


@st.composite
def homework_history(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, date, date]:
    """Random assignments (started by today) and completions, some after today."""
    intake = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 6)))
    today = intake + timedelta(days=draw(st.integers(0, 120)))
    span = (today - intake).days
    rows = []
    for number in range(1, draw(st.integers(0, 6)) + 1):
        assigned_on = intake + timedelta(days=draw(st.integers(0, span)))
        rows.append(
            {
                "id": number,
                "target": draw(st.sampled_from(["A", "B", "both"])),
                "frequency": draw(st.sampled_from(["once", "daily", "weekly"])),
                "assigned_on": assigned_on,
                "due_on": assigned_on + timedelta(days=draw(st.integers(0, 40))),
                "status": draw(st.sampled_from(["assigned", "in_progress", "done", "skipped"])),
            }
            | _pause(draw, assigned_on)
        )
    given = pd.DataFrame(rows, columns=ASSIGNMENT_INPUT_COLUMNS)
    done = []
    if rows:
        for _ in range(draw(st.integers(0, 25))):
            done.append(
                (
                    draw(st.integers(1, len(rows))),
                    draw(st.sampled_from(["A", "B"])),
                    intake + timedelta(days=draw(st.integers(0, span + 10))),
                )
            )
    return given, completions(*done), intake, today


@settings(max_examples=60, deadline=None)
@given(homework_history())
def test_adherence_by_week_matches_the_week_by_week_loop(
    history: tuple[pd.DataFrame, pd.DataFrame, date, date],
) -> None:
    given_, done, intake, today = history
    expected = weekly_by_loop(given_, done, intake, today, NAMES)
    actual = adherence_by_week(given_, done, intake, today, NAMES)
    pd.testing.assert_frame_equal(actual, expected)


def test_adherence_by_week_without_homework_is_empty() -> None:
    frame = adherence_by_week(assignments(), completions(), NOV[1], TODAY, NAMES)
    assert frame.empty and list(frame.columns) == WEEKLY_COLUMNS


def test_adherence_by_week_counts_completions_up_to_each_week_end() -> None:
    """Daily for B from intake (1 Nov) for 14 days, done on days 0-6 only: week 0
    7 of 7; week 1 (to 14 Nov) 7 of 14; week 2 (to today, 17 Nov) still 7 of 14."""
    given_ = assignments({"target": "B", "frequency": "daily", "due_on": NOV[14]})
    done = completions(*[(1, "B", NOV[day]) for day in range(1, 8)])
    frame = adherence_by_week(given_, done, NOV[1], NOV[17], NAMES)
    assert frame.to_dict("records") == [
        {
            "partner_label": "B",
            "partner_name": "Lou",
            "week": 0,
            "done": 7,
            "expected": 7,
            "rate": 1.0,
        },
        {
            "partner_label": "B",
            "partner_name": "Lou",
            "week": 1,
            "done": 7,
            "expected": 14,
            "rate": 0.5,
        },
        {
            "partner_label": "B",
            "partner_name": "Lou",
            "week": 2,
            "done": 7,
            "expected": 14,
            "rate": 0.5,
        },
    ]


# --- paused under a safety concern ---


def test_a_pause_still_on_expects_nothing_from_its_first_day() -> None:
    # Daily, assigned 1 Nov, due 10 Nov, paused on 4 Nov, today 8 Nov: 1..3 Nov expected.
    given = assignments({"frequency": "daily", "due_on": NOV[10], "paused_from": NOV[4]})
    done = completions((1, "A", NOV[1]), (1, "A", NOV[2]))
    assert result(adherence(given, done, NOV[8]))["A"] == (3, 2, 0.6667)


def test_a_lifted_pause_leaves_out_only_its_own_days() -> None:
    # Daily 1..10 Nov, paused 4..6 Nov (the concern resolved), today 10 Nov: 7 days.
    given = assignments(
        {"frequency": "daily", "due_on": NOV[10], "paused_from": NOV[4], "paused_until": NOV[6]}
    )
    assert result(adherence(given, completions(), NOV[10]))["A"] == (7, 0, 0.0)


def test_a_once_exercise_paused_and_not_done_expects_nothing() -> None:
    paused = assignments({"paused_from": NOV[3]})
    assert result(adherence(paused, completions(), TODAY))["A"] == (0, 0, None)
    done_first = completions((1, "A", NOV[2]))
    assert result(adherence(paused, done_first, TODAY))["A"] == (1, 1, 1.0)
    marked_done = assignments({"paused_from": NOV[3], "status": "done"})
    assert result(adherence(marked_done, completions(), TODAY))["A"] == (1, 1, 1.0)


def test_a_once_exercise_resumed_after_its_pause_is_expected_again() -> None:
    given = assignments({"paused_from": NOV[3], "paused_until": NOV[9]})
    assert result(adherence(given, completions(), NOV[5]))["A"] == (0, 0, None)
    assert result(adherence(given, completions(), NOV[12]))["A"] == (1, 0, 0.0)


def test_a_weekly_exercise_counts_the_weeks_outside_its_pause() -> None:
    # Weekly 1..21 Nov, paused 8..14 Nov (one whole week) and lifted: 14 days, 2 weeks.
    given = assignments(
        {"frequency": "weekly", "due_on": NOV[21], "paused_from": NOV[8], "paused_until": NOV[14]}
    )
    assert result(adherence(given, completions(), NOV[21]))["A"] == (2, 0, 0.0)
