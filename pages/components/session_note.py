"""The session note's widgets (inside the log-session form): when, how long, how, the DAP
sections and the risk check, in SessionIn's shape (without attendees and ratings)."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from core.domain import MODALITY_LABELS, Modality
from pages import ui


def show(intake_date: date, initial: dict[str, Any]) -> dict[str, Any]:
    """`initial` is a draft's `as_form()` (empty for a new note)."""
    first, second, third = st.columns(3)
    values: dict[str, Any] = {
        "session_date": first.date_input(
            "Session date",
            value=initial.get("session_date", ui.local_today()),
            format=ui.style().widget,
        ),
        "duration_minutes": second.number_input(
            "Duration (minutes)",
            min_value=5,
            max_value=300,
            step=5,
            value=initial.get("duration_minutes", 50),
        ),
        "modality": third.selectbox(
            "Modality",
            list(Modality),
            format_func=MODALITY_LABELS.get,
            index=list(Modality).index(initial.get("modality", Modality.IN_PERSON)),
        ),
    }
    values["note_data"] = st.text_area(
        "Data: what happened and what was said", value=initial.get("note_data", ""), height=120
    )
    values["note_assessment"] = st.text_area(
        "Assessment: your clinical impression", value=initial.get("note_assessment", ""), height=100
    )
    values["note_plan"] = st.text_area(
        "Plan: next steps and homework", value=initial.get("note_plan", ""), height=100
    )
    values["risk_raised"] = st.checkbox(
        "A safety concern was raised in this session", value=initial.get("risk_raised", False)
    )
    values["risk_text"] = st.text_area(
        "What was raised and what you did", value=initial.get("risk_text", "")
    )
    return values
