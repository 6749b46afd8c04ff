"""Safety first in "needs attention" (issue 9, deliver 3): an open safety concern is a
tier of its own above every other reason combined, an open trauma follow-up the tier just
below it, and the reasons name the concern in words."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core.progress import ATTENTION_WEIGHTS, caseload_summary, needs_attention_first
from tests.progress_support import DEFAULTS, INTAKE, flat_band, frame_of, rating

TODAY = date(2026, 3, 2)  # INTAKE + 8 weeks


def roster(couples: dict[int, date | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "couple_id": list(couples),
            "case_code": [f"C-{c:04d}" for c in couples],
            "partners": "Kit & Lou",
            "counsellor": "Alice",
            "status": "Active",
            "safety_concern": False,
            "intake_date": INTAKE,
            "weeks_in_care": 8,
            "last_session": list(couples.values()),
            "sessions": 3,
        }
    )


def test_each_tier_outweighs_every_lower_tier_combined() -> None:
    weights = sorted(ATTENTION_WEIGHTS.values(), reverse=True)
    for position, weight in enumerate(weights):
        assert weight > sum(weights[position + 1 :])
    assert max(ATTENTION_WEIGHTS, key=ATTENTION_WEIGHTS.__getitem__) == "safety_concern"
    # Then homework the open concern now stops (issue 14 item 2), then a trauma follow-up.
    assert sorted(ATTENTION_WEIGHTS, key=ATTENTION_WEIGHTS.__getitem__, reverse=True)[:3] == [
        "safety_concern",
        "safety_homework",
        "trauma_follow_up",
    ]


def test_homework_awaiting_a_safety_decision_ranks_between_the_concern_and_trauma() -> None:
    """Issue 14 item 2: two couples with the same open concern; the one with joint
    homework given before it (no pause-or-continue yet) comes first, with its reason,
    and both come before a couple whose only flag is a trauma follow-up."""
    frame = frame_of(*(rating(w, 12, couple=c) for c in (1, 2, 3) for w in (0, 8)))
    recent = TODAY - timedelta(days=3)
    couples = roster({1: recent, 2: recent, 3: recent})
    extras = pd.DataFrame(
        {
            "couple_id": [1, 2, 3],
            "safety_concern": [True, True, False],
            "safety_concerns": ["Violence", "Violence", ""],
            "safety_homework": [0, 2, 0],
            "trauma_follow_up": [0, 0, 1],
        }
    )
    summary = caseload_summary(
        frame, DEFAULTS, couples=couples, extras=extras, band=flat_band(), today=TODAY
    )
    by = summary.set_index("couple_id")
    assert by.loc[2, "attention"] == (
        ATTENTION_WEIGHTS["safety_concern"] + ATTENTION_WEIGHTS["safety_homework"]
    )
    assert by.loc[2, "attention_reasons"] == (
        "open safety concern: violence; homework paused by safety concern? (2 to decide)"
    )
    assert list(needs_attention_first(summary)["couple_id"]) == [2, 1, 3]


def test_an_open_concern_outranks_every_other_reason_at_once() -> None:
    # Couple 1: deteriorated... plus partners moving apart, overdue homework, an unsigned
    # note and a long gap. Couple 2: on track, nothing else, but an open coercive-control
    # concern. Couple 3: on track with an open trauma follow-up.
    # Couple 1's partner A is confirmed worse (CSI-4 at the latest two ratings,
    # corroborated by distress: the calibrated rule), partner B improves.
    frame = frame_of(
        rating(0, 14, couple=1), rating(7, 8, couple=1), rating(8, 8, couple=1),
        *(
            rating(w, v, couple=1, instrument="distress")
            for w, v in ((0, 3), (7, 7), (8, 8))
        ),
        rating(0, 14, couple=1, partner="B"), rating(8, 20, couple=1, partner="B"),
        rating(0, 12, couple=2), rating(8, 13, couple=2),
        rating(0, 12, couple=3), rating(8, 13, couple=3),
    )  # fmt: skip
    recent = TODAY - timedelta(days=3)
    couples = roster({1: TODAY - timedelta(weeks=6), 2: recent, 3: recent})
    extras = pd.DataFrame(
        {
            "couple_id": [1, 2, 3],
            "safety_concern": [False, True, False],
            "safety_concerns": ["", "Coercive control", ""],
            "trauma_follow_up": [0, 0, 1],
            "overdue_homework": [3, 0, 0],
            "unsigned_notes": [1, 0, 0],
        }
    )
    summary = caseload_summary(
        frame, DEFAULTS, couples=couples, extras=extras, band=flat_band(), today=TODAY
    )
    by = summary.set_index("couple_id")
    first = by.loc[1]
    assert first["progress_status"] in {"deteriorated", "not on track"}
    assert first["asymmetry"]
    assert "overdue homework" in first["attention_reasons"]
    assert "unsigned note" in first["attention_reasons"]
    assert "weeks since the last session" in first["attention_reasons"]
    assert by.loc[2, "attention"] > by.loc[1, "attention"]
    assert by.loc[3, "attention"] > by.loc[1, "attention"]
    assert by.loc[2, "attention_reasons"] == "open safety concern: coercive control"
    assert by.loc[3, "attention_reasons"] == "trauma symptoms: follow up"
    assert list(needs_attention_first(summary)["couple_id"]) == [2, 3, 1]


def test_safety_reasons_come_first_and_closed_cases_keep_them() -> None:
    frame = frame_of(
        rating(0, 14, couple=1), rating(7, 8, couple=1), rating(8, 8, couple=1),
        *(
            rating(w, v, couple=1, instrument="distress")
            for w, v in ((0, 3), (7, 7), (8, 8))
        ),
    )  # fmt: skip
    couples = roster({1: TODAY - timedelta(days=3), 2: TODAY - timedelta(days=3)})
    couples.loc[couples["couple_id"] == 2, "status"] = "Closed"
    extras = pd.DataFrame(
        {
            "couple_id": [1, 2],
            "safety_concern": [True, True],
            "safety_concerns": ["Violence, Self-harm risk", "Emotional abuse"],
        }
    )
    summary = caseload_summary(
        frame, DEFAULTS, couples=couples, extras=extras, band=flat_band(), today=TODAY
    ).set_index("couple_id")
    reasons = summary.loc[1, "attention_reasons"]
    assert reasons.startswith("open safety concern: violence, self-harm risk; ")
    assert summary.loc[2, "attention"] == ATTENTION_WEIGHTS["safety_concern"]
    assert summary.loc[2, "attention_reasons"] == "open safety concern: emotional abuse"


def test_a_second_look_is_on_the_attention_list_with_its_reason() -> None:
    """No improvement by week 12 is not "not on track" by itself, but a flag: it must
    still bring the couple to the counsellor's attention, below every status reason."""
    today = INTAKE + timedelta(weeks=14)
    frame = frame_of(*(rating(w, 12, couple=1) for w in (0, 4, 8, 12, 14)))
    couples = roster({1: today - timedelta(days=3)}).assign(weeks_in_care=14)
    summary = caseload_summary(
        frame, DEFAULTS, couples=couples, band=flat_band(), today=today
    ).set_index("couple_id")
    assert summary.loc[1, "second_look"]
    assert summary.loc[1, "attention"] == ATTENTION_WEIGHTS["second_look"]
    assert summary.loc[1, "attention_reasons"].startswith("second look: ")
    assert ATTENTION_WEIGHTS["not_on_track"] > ATTENTION_WEIGHTS["second_look"]


def sorted_by_pandas(summary: pd.DataFrame) -> pd.DataFrame:
    """needs_attention_first as first written: a frame sorted by six columns."""
    from core.progress.constants import STATUSES

    attention = summary["attention"].astype("int64").to_numpy()
    keys = pd.DataFrame(
        {
            "_safety": attention >= ATTENTION_WEIGHTS["safety_concern"],
            "_trauma": (attention % ATTENTION_WEIGHTS["safety_homework"])
            >= ATTENTION_WEIGHTS["trauma_follow_up"],
            "attention": attention,
            "_urgency": summary["progress_status"]
            .map({s: i for i, s in enumerate(STATUSES)})
            .to_numpy(),
            "_gap": summary["weeks_since_last_session"].to_numpy(),
            "case_code": summary["case_code"].to_numpy(),
        }
    )
    order = keys.sort_values(
        list(keys.columns),
        ascending=[False, False, False, True, False, True],
        na_position="last",
        kind="stable",
    ).index
    return summary.iloc[order].reset_index(drop=True)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([*ATTENTION_WEIGHTS.values(), 0, 1, 3])
            | st.integers(0, 3 * max(ATTENTION_WEIGHTS.values())),
            st.sampled_from(["deteriorated", "not on track", "on track", "too early", "odd"]),
            st.none() | st.integers(0, 30).map(float) | st.floats(0, 30, allow_nan=False),
        ),
        max_size=40,
    ),
    shuffled=st.randoms(use_true_random=False),
)
def test_the_lexsort_order_is_the_six_column_sort(rows: list[Any], shuffled: Any) -> None:
    """Same order as the frame sort it replaced, ties and missing gaps included, whether
    or not the rows come in case-code order."""
    codes = [f"C-{n:04d}" for n in range(len(rows))]
    if rows and shuffled.random() < 0.5:
        shuffled.shuffle(codes)
    summary = pd.DataFrame(
        {
            "couple_id": range(len(rows)),
            "case_code": codes,
            "attention": [r[0] for r in rows],
            "progress_status": [r[1] for r in rows],
            "weeks_since_last_session": [np.nan if r[2] is None else r[2] for r in rows],
        }
    )
    pd.testing.assert_frame_equal(needs_attention_first(summary), sorted_by_pandas(summary))
