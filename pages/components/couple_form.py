"""The intake/edit widgets for a couple (used inside a form), in CoupleIn's shape."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.domain import (
    BREACH_LABELS,
    PARTNER_ROLE_LABELS,
    PATTERN_LABELS,
    BreachPattern,
    BreachType,
    PartnerRole,
)
from pages import ui


def show(key: str, initial: dict[str, Any] | None = None) -> dict[str, Any]:
    """Both partners, what broke trust, the pattern, intake date and goals."""
    initial = initial or {}
    values: dict[str, Any] = {}
    for column, label in zip(st.columns(2), ("a", "b"), strict=True):
        with column:
            values[f"partner_{label}"] = _partner(key, label, initial.get(f"partner_{label}", {}))
    values["breach_types"] = st.multiselect(
        "What broke trust",
        list(BreachType),
        default=initial.get("breach_types", []),
        format_func=BREACH_LABELS.__getitem__,
        key=f"{key}_breaches",
        placeholder="Choose one or more",
    )
    values["pattern"] = st.radio(
        "One-time event or repeated pattern",
        list(BreachPattern),
        index=list(BreachPattern).index(initial.get("pattern", BreachPattern.ONE_TIME)),
        format_func=PATTERN_LABELS.__getitem__,
        horizontal=True,
        key=f"{key}_pattern",
    )
    values["intake_date"] = st.date_input(
        "Intake date",
        value=initial.get("intake_date", ui.local_today()),
        format=ui.style().widget,
        key=f"{key}_intake",
    )
    values["goals"] = st.text_area(
        "Goals",
        value=initial.get("goals", ""),
        key=f"{key}_goals",
        max_chars=2000,
        placeholder="What the couple want from counselling",
    )
    return values


def _partner(key: str, label: str, given: dict[str, Any]) -> dict[str, Any]:
    st.markdown(f"**Partner {label.upper()}**")
    default_role = PartnerRole.HURT if label == "a" else PartnerRole.BROKE_TRUST
    return {
        "name": st.text_input(
            "Name", value=given.get("name", ""), key=f"{key}_{label}_name", max_chars=80
        ),
        "pronouns": st.text_input(
            "Pronouns",
            value=given.get("pronouns", ""),
            key=f"{key}_{label}_pronouns",
            max_chars=30,
            placeholder="e.g. she/her, they/them",
        ),
        "role": st.selectbox(
            "Role",
            list(PartnerRole),
            index=list(PartnerRole).index(given.get("role", default_role)),
            format_func=PARTNER_ROLE_LABELS.__getitem__,
            key=f"{key}_{label}_role",
        ),
        "contact": st.text_input(
            "Contact (optional)",
            value=given.get("contact", ""),
            key=f"{key}_{label}_contact",
            max_chars=120,
        ),
    }
