"""The couple page's Safety tab: trauma follow-ups still open, individual screens, the
PC-PTSD-5 over time, and for the couple's counsellor the form to record a screen."""

from __future__ import annotations

import streamlit as st

from core.db import Database
from core.domain import CONCERN_LABELS
from core.formatting import plain
from core.services import safety
from core.services.access import Actor
from core.services.couples import CoupleView
from pages import ui
from pages.components import ptsd_questions, screen_card, trauma_follow_up


def render(db: Database, user: Actor, couple: CoupleView) -> None:
    own = couple.counsellor_id == user.id
    screens = safety.screens(db, user, couple.id)
    if not screens:
        st.info(
            "No safety screen recorded yet. Screen each partner individually at intake "
            "and whenever risk appears."
        )
    trauma_follow_up.show(db, user, safety.follow_ups(db, user, couple.id), own)
    if screens:
        st.subheader("Screens")
    for screen in screens:
        screen_card.show(db, user, screen, own)
    trauma_follow_up.totals(db, user, couple.id, couple.case_code)
    if own:
        _record_form(db, user, couple)


def _record_form(db: Database, user: Actor, couple: CoupleView) -> None:
    st.subheader("Record a screen")
    names = {p.label: plain(f"{p.label}: {p.name}") for p in couple.partners}  # markdown
    prefix = f"ptsd_{couple.id}"
    # Outside the form, so the questions show only when the screen is included.
    include_ptsd = st.toggle("Include the PC-PTSD-5 trauma screen", key=f"{prefix}_include")
    with st.form(f"screen_{couple.id}", clear_on_submit=False):
        left, right = st.columns(2)
        label = left.radio(
            "Partner (screened individually)", list(names), format_func=names.get, horizontal=True
        )
        screened_on = right.date_input("Date", value=ui.local_today(), format=ui.style().widget)
        flags = {flag: st.checkbox(text) for flag, text in CONCERN_LABELS.items()}
        ptsd = ptsd_questions.show(prefix) if include_ptsd else None
        notes = st.text_area("Notes")
        plan = st.text_area("Safety plan (required when there is a concern)")
        submitted = st.form_submit_button("Save screen", type="primary")
    if submitted:
        data = {
            "partner_label": label,
            "screened_on": screened_on,
            **flags,
            "ptsd_answers": ptsd,
            "notes": notes,
            "plan": plan,
        }
        saved = ui.attempt(
            lambda: safety.record_screen(db, user, couple.id, data, today=ui.local_today())
        )
        if saved is not None:
            ui.forget_widgets(f"{prefix}_")
            positive = (
                " Positive trauma screen: a follow-up is open." if saved.ptsd_positive else ""
            )
            ui.flash(f"Safety screen saved.{positive}")
            st.rerun()
