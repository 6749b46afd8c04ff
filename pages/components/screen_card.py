"""One safety screen on the Safety tab: its state in words, what the counsellor wrote
(shown as typed), and for its counsellor the resolve form of an open concern."""

from __future__ import annotations

import streamlit as st

from core.db import Database
from core.domain import ScreenStatus
from core.services import safety
from core.services.access import Actor
from pages import ui


def state(screen: safety.ScreenView) -> tuple[str, str]:
    """(words, colour) of a screen's state: a screen without a concern is "no concern",
    never "resolved"."""
    if screen.status is ScreenStatus.OPEN:
        return "Open safety concern", "red"
    if screen.concerns:
        return "Concern resolved", "gray"
    return "No safety concern", "gray"


def show(db: Database, user: Actor, screen: safety.ScreenView, own: bool) -> None:
    words, colour = state(screen)
    concerns = ", ".join(screen.concerns).lower() or "no violence, coercion, abuse or self-harm"
    with st.container(border=True):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.badge(words, color=colour)  # type: ignore[arg-type]
            if screen.ptsd_positive:
                st.badge(f"PC-PTSD-5 {screen.ptsd_score}/5: positive screen", color="orange")
        ptsd = (
            ""
            if screen.ptsd_score is None or screen.ptsd_positive
            else f" · PC-PTSD-5 {screen.ptsd_score}/5 (below the cut-off)"
        )
        st.text(
            f"Partner {screen.partner_label} ({screen.partner_name}) · "
            f"{ui.show_date(screen.screened_on)} · {concerns}{ptsd}"
        )
        for label, text in (
            ("Notes", screen.notes),
            ("Plan", screen.plan),
            ("Resolved", screen.resolution_note),
        ):
            if text:
                st.text(f"{label}: {text}")
        if own and screen.status is ScreenStatus.OPEN:
            with st.form(f"resolve_{screen.id}"):
                note = st.text_area("What changed (required to resolve)")
                if st.form_submit_button("Resolve concern") and ui.attempt(
                    lambda: safety.resolve_screen(db, user, screen.id, note)
                ):
                    ui.flash("Safety concern resolved.")
                    st.rerun()
