"""Joint or vulnerability homework given before a safety concern opened: a warning on the
Homework tab and, for the couple's counsellor, pause or continue (with a reason)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.db import Database
from core.domain import SAFETY_DECISION_VERBS, SAFETY_HOLD_LABELS, SafetyDecision
from core.formatting import plain, plural
from core.services import homework
from core.services.access import Actor
from core.services.homework import AssignmentView
from pages import ui


def show(
    db: Database, user: Actor, assignments: Sequence[AssignmentView], *, may_edit: bool, key: str
) -> None:
    """Each open assignment whose safety_hold is "ask", with the decision form."""
    ui.show_flash(key)
    held = [view for view in assignments if view.safety_hold == "ask"]
    if not held:
        return
    st.warning(
        f"**{SAFETY_HOLD_LABELS['ask']}** {plural(len(held), 'open exercise')} given before "
        "the safety concern opened would now need an override: joint work, or work that "
        "asks the hurt partner to be vulnerable. "
        + ("Pause or continue each one." if may_edit else "Its counsellor decides."),
        icon=":material/pause_circle:",
    )
    if not may_edit:
        return
    for view in held:
        _decide(db, user, view, key=key)


def _decide(db: Database, user: Actor, view: AssignmentView, *, key: str) -> None:
    with st.form(f"{key}_{view.id}"):
        st.markdown(f"**{plain(view.exercise_title)}** · {plain(view.target_label)}")
        decision = st.radio(
            "Decision",
            list(SafetyDecision),
            index=None,
            format_func=SAFETY_DECISION_VERBS.__getitem__,
            horizontal=True,
            key=f"{key}_{view.id}_decision",
        )
        reason = st.text_area(
            "Reason for continuing", key=f"{key}_{view.id}_reason", max_chars=1000
        )
        submitted = st.form_submit_button("Record decision")
    if submitted:
        saved = ui.attempt(
            lambda: homework.decide_safety(
                db, user, view.id, decision, reason=reason, expected_version=view.version
            )
        )
        if saved is not None:
            ui.flash(f"Recorded for {saved.exercise_title!r}: {saved.safety_label}.", slot=key)
            st.rerun()
