"""The couple page's Safety tab: individual screens, open concerns, resolution."""

from __future__ import annotations

import streamlit as st

from core.db import Database
from core.domain import CONCERN_LABELS, ScreenStatus
from core.measures import PCPTSD5
from core.services import safety
from core.services.access import Actor
from core.services.couples import CoupleView
from pages import ui


def render(db: Database, user: Actor, couple: CoupleView) -> None:
    own = couple.counsellor_id == user.id
    screens = safety.screens(db, user, couple.id)
    if not screens:
        st.info(
            "No safety screen recorded yet. Screen each partner individually at intake "
            "and whenever risk appears."
        )
    for screen in screens:
        _screen(db, user, screen, own)
    if own:
        _record_form(db, user, couple)


def _screen(db: Database, user: Actor, screen: safety.ScreenView, own: bool) -> None:
    state = ":red[**open concern**]" if screen.status is ScreenStatus.OPEN else ":green[resolved]"
    concerns = ", ".join(screen.concerns) or "no concern"
    ptsd = (
        ""
        if screen.ptsd_score is None
        else (
            f" · PC-PTSD-5 {screen.ptsd_score}/5" + (" (positive)" if screen.ptsd_positive else "")
        )
    )
    with st.container(border=True):
        st.markdown(
            f"{state} · Partner {screen.partner_label} ({screen.partner_name}) · "
            f"{ui.show_date(screen.screened_on)} · {concerns}{ptsd}"
        )
        if screen.notes:
            st.markdown(f"Notes: {screen.notes}")
        if screen.plan:
            st.markdown(f"Plan: {screen.plan}")
        if screen.resolution_note:
            st.markdown(f"Resolved: {screen.resolution_note}")
        if own and screen.status is ScreenStatus.OPEN:
            with st.form(f"resolve_{screen.id}"):
                note = st.text_area("What changed (required to resolve)")
                if st.form_submit_button("Resolve concern") and ui.attempt(
                    lambda: safety.resolve_screen(db, user, screen.id, note)
                ):
                    ui.flash("Safety concern resolved.")
                    st.rerun()


def _record_form(db: Database, user: Actor, couple: CoupleView) -> None:
    st.subheader("Record a screen")
    names = {p.label: f"{p.label}: {p.name}" for p in couple.partners}
    with st.form(f"screen_{couple.id}", clear_on_submit=False):
        left, right = st.columns(2)
        label = left.radio(
            "Partner (screened individually)", list(names), format_func=names.get, horizontal=True
        )
        screened_on = right.date_input(
            "Date", value=ui.local_today(), max_value=ui.local_today(), format=ui.style().widget
        )
        flags = {flag: st.checkbox(text) for flag, text in CONCERN_LABELS.items()}
        include_ptsd = st.checkbox("Include the PC-PTSD-5 trauma screen")
        st.caption(PCPTSD5.instructions)
        ptsd = {
            item.key: st.radio(
                item.text,
                [0, 1],
                format_func={0: "No", 1: "Yes"}.get,
                horizontal=True,
                key=f"ptsd_{couple.id}_{item.key}",
            )
            for item in PCPTSD5.items
        }
        notes = st.text_area("Notes")
        plan = st.text_area("Safety plan (required when there is a concern)")
        submitted = st.form_submit_button("Save screen", type="primary")
    if submitted:
        data = {
            "partner_label": label,
            "screened_on": screened_on,
            **flags,
            "ptsd_answers": ptsd if include_ptsd else None,
            "notes": notes,
            "plan": plan,
        }
        if ui.attempt(
            lambda: safety.record_screen(db, user, couple.id, data, today=ui.local_today())
        ):
            ui.flash("Safety screen saved.")
            st.rerun()
