"""The library's filters: repair step, intended role, kind, words, and retired ones."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.domain import INTENDED_ROLE_LABELS, REPAIR_STEPS, STEP_LABELS

KINDS = {"all": "All", "joint": "Joint", "individual": "Individual"}


def show(*, offer_retired: bool) -> dict[str, Any]:
    """The chosen filters as exercises.list_exercises' keyword arguments."""
    filters = st.columns([2, 2, 2, 3])
    step = filters[0].selectbox(
        "Repair step",
        [None, *REPAIR_STEPS],
        format_func=lambda s: "All steps" if s is None else STEP_LABELS[s],
        key="library_step",
    )
    role = filters[1].selectbox(
        "Intended for",
        [None, *INTENDED_ROLE_LABELS],
        format_func=lambda r: "Anyone" if r is None else INTENDED_ROLE_LABELS[r],
        key="library_role",
    )
    kind = filters[2].radio(
        "Kind", list(KINDS), format_func=KINDS.__getitem__, horizontal=True, key="library_kind"
    )
    text = filters[3].text_input(
        "Search", placeholder="Words in the title, purpose or instructions", key="library_search"
    )
    retired = offer_retired and st.checkbox("Show retired exercises", key="retired")
    return {
        "step": step,
        "role": role,
        "joint": None if kind == "all" else kind == "joint",
        "text": text,
        "include_retired": retired,
    }


def narrowed(chosen: dict[str, Any]) -> bool:
    """Whether the filters leave out any exercise (retired ones aside)."""
    return any(chosen[name] not in (None, "") for name in ("step", "role", "joint", "text"))
