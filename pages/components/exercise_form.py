"""The add/edit widgets for a custom exercise (used inside a form), in ExerciseIn's shape."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.domain import FREQUENCY_LABELS, INTENDED_ROLE_LABELS, PHASE_LABELS, STEP_LABELS


def show(key: str, initial: dict[str, Any] | None = None) -> dict[str, Any]:
    """Title, step, role, frequency, phase, minutes, kind and the texts; `initial` is an
    exercise's `as_form()` when editing."""
    initial = initial or {}
    values: dict[str, Any] = {
        "title": st.text_input(
            "Title", value=initial.get("title", ""), max_chars=120, key=f"{key}_title"
        )
    }
    left, middle, right = st.columns(3)

    def pick(column: Any, label: str, labels: dict[Any, str], field: str, default: Any) -> Any:
        """A selectbox over `labels` (value -> text), starting at the initial value."""
        options = list(labels)
        return column.selectbox(
            label,
            options,
            index=options.index(initial.get(field, default)),
            format_func=labels.__getitem__,
            key=f"{key}_{field}",
        )

    values["repair_step"] = pick(left, "Repair step", STEP_LABELS, "repair_step", "1")
    values["intended_role"] = pick(
        middle, "Intended for", INTENDED_ROLE_LABELS, "intended_role", "either"
    )
    values["frequency"] = pick(right, "Frequency", FREQUENCY_LABELS, "frequency", "once")
    values["phase"] = pick(left, "Recovery phase", {None: "Not set", **PHASE_LABELS}, "phase", None)
    values["minutes"] = middle.number_input(
        "Minutes each time",
        min_value=1,
        max_value=240,
        value=int(initial.get("minutes", 20)),
        key=f"{key}_minutes",
    )
    values["joint"] = right.checkbox(
        "Done together (joint)", value=bool(initial.get("joint", False)), key=f"{key}_joint"
    )
    values["asks_vulnerability"] = right.checkbox(
        "Asks the hurt partner to be vulnerable",
        value=bool(initial.get("asks_vulnerability", False)),
        key=f"{key}_vulnerable",
        help="Joint and vulnerability exercises need a safety override while a concern is open.",
    )
    values["purpose"] = st.text_area(
        "Purpose", value=initial.get("purpose", ""), max_chars=2000, key=f"{key}_purpose"
    )
    values["instructions"] = st.text_area(
        "Instructions (one step per line; they are numbered for you)",
        value="\n".join(initial.get("instructions", [])),
        key=f"{key}_instructions",
    )
    values["prompts"] = st.text_area(
        "Reflection questions the client answers (one per line)",
        value="\n".join(initial.get("prompts", [])),
        key=f"{key}_prompts",
    )
    values["review_guidance"] = st.text_area(
        "What to look for when reviewing it",
        value=initial.get("review_guidance", ""),
        max_chars=2000,
        key=f"{key}_guidance",
    )
    return values
