"""Choose one of the current exercises for a couple; gated ones say they need an override."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.domain import INTENDED_ROLE_LABELS, STEP_LABELS
from core.services.exercises import ExerciseView


def show(offered: Sequence[ExerciseView], concern: bool, *, key: str) -> int | None:
    """The chosen exercise's id (None until one is chosen); its widget state is `key`.
    `concern`: a safety concern is open, so gated exercises say they need an override."""
    choices = {item.id: item for item in offered}
    return st.selectbox(
        "Exercise",
        list(choices),
        index=None,
        format_func=lambda exercise_id: label(choices[exercise_id], concern),
        placeholder="Choose an exercise",
        key=key,
    )


def label(item: ExerciseView, concern_open: bool) -> str:
    kind = "joint" if item.joint else INTENDED_ROLE_LABELS[item.intended_role].lower()
    gate = " · needs a safety override" if concern_open and item.gated else ""
    return f"{item.title} · {STEP_LABELS[item.repair_step]} · {kind}{gate}"
