"""Trauma follow-ups on the Safety tab: a positive PC-PTSD-5 stays open here (and on the
caseload) until the counsellor records how it was followed up; then the PC-PTSD-5 totals
over time per partner."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.db import Database
from core.domain import TRAUMA_FOLLOW_UP_LABELS, TraumaFollowUpKind
from core.measures import PCPTSD5
from core.services import safety
from core.services.access import Actor
from pages import ui


def show(db: Database, user: Actor, follow_ups: list[safety.FollowUpView], own: bool) -> None:
    if not follow_ups:
        return
    st.subheader("Trauma follow-up")
    for item in follow_ups:
        with st.container(border=True):
            who = f"Partner {item.partner_label} ({item.partner_name})"
            screened = f"PC-PTSD-5 {item.ptsd_score}/5 on {ui.show_date(item.opened_on)}"
            if item.is_open:
                st.badge("Trauma symptoms: follow up", color="orange")
                st.text(f"{who} · {screened}")
                if own:
                    _record_form(db, user, item)
            else:
                assert item.outcome is not None
                st.text(
                    f"{who} · {screened} · followed up "
                    f"{ui.show_date(item.followed_up_on)}: {TRAUMA_FOLLOW_UP_LABELS[item.outcome]}"
                )
                st.text(f"Note: {item.note}")


def _record_form(db: Database, user: Actor, item: safety.FollowUpView) -> None:
    with st.form(f"follow_up_{item.id}"):
        left, right = st.columns([2, 1])
        outcome = left.radio(
            "Follow-up",
            list(TraumaFollowUpKind),
            index=None,
            format_func=TRAUMA_FOLLOW_UP_LABELS.__getitem__,
            key=f"follow_up_{item.id}_outcome",
        )
        on = right.date_input("Date", value=ui.local_today(), format=ui.style().widget)
        note = st.text_area("Note (what was done or agreed)", key=f"follow_up_{item.id}_note")
        submitted = st.form_submit_button("Record follow-up")
    if submitted:
        data = {"followed_up_on": on, "note": note}
        if outcome is not None:
            data["outcome"] = outcome
        if ui.attempt(
            lambda: safety.record_follow_up(db, user, item.id, data, today=ui.local_today())
        ):
            ui.flash("Trauma follow-up recorded.")
            st.rerun()


def totals(db: Database, user: Actor, couple_id: int, case_code: str) -> None:
    """PC-PTSD-5 totals over time per partner: a chart and the figures behind it."""
    frame = safety.ptsd_totals(db, user, couple_id)
    if frame.empty:
        return
    st.subheader("PC-PTSD-5 over time")
    cutoff = float(PCPTSD5.cutoff or 0)
    st.plotly_chart(
        safety.ptsd_chart(db, frame, cutoff=cutoff, case_code=case_code),
        key=f"ptsd_{couple_id}",
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Partner": frame["partner_name"],
                "Date": frame["measured_on"].map(lambda d: ui.show_date(d.date())),
                "Total (0-5)": frame["total"].astype(int),
                "Result": frame["positive"].map(
                    {True: "positive: follow up", False: "below the cut-off"}
                ),
            }
        ),
        hide_index=True,
    )
