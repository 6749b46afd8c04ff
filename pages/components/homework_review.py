"""Review one assignment that is due, inside the log-session form."""

from __future__ import annotations

import streamlit as st

from core.formatting import plain
from core.services import homework
from pages import ui

REVIEW_CHOICES = {"": "Not reviewed today", "done": "Done", "skipped": "Skipped"}


def show(view: homework.AssignmentView) -> dict[str, object] | None:
    """Outcome, skip reason, each partner's answers and a comment, in the shape
    sessions.record_session(homework_reviews=...) takes; None if nothing was touched."""
    st.markdown(
        f"**{plain(view.exercise_title)}** · for {plain(view.target_label)} · "
        f"due {ui.show_date(view.due_on)}"
    )
    key = f"review_{view.id}"
    outcome = st.radio(
        "Outcome",
        list(REVIEW_CHOICES),
        format_func=REVIEW_CHOICES.get,
        horizontal=True,
        key=f"{key}_status",
    )
    reason = st.text_area("If skipped: why", key=f"{key}_reason", height=68)
    answers = {
        label: {
            prompt: st.text_area(plain(f"{name}: {prompt}"), key=f"{key}_{label}_{n}")
            for n, prompt in enumerate(view.prompts)
        }
        for label, name in view.partners
    }
    comment = st.text_area("Your review comment", key=f"{key}_comment", height=68)
    if not outcome and not comment and not any(t for a in answers.values() for t in a.values()):
        return None
    return {
        "assignment_id": view.id,
        "status": outcome or None,
        "skip_reason": reason if outcome == "skipped" else None,
        "answers": answers,
        "comment": comment,
        "expected_version": view.version,
    }
