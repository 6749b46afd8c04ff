"""The partner's check-in on their own phone: the measures their counsellor chose, big
tap targets (radio rows and lists, nothing preset: an answer nobody gave is never saved),
the optional safety question, and after a flag the crisis line."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.config import crisis_lines, load_settings
from core.db import Database
from core.domain import CHECK_IN_SAFETY_ANSWERS, CHECK_IN_SAFETY_QUESTION
from core.measures import INSTRUMENTS, Instrument
from core.services import partner_checkins
from pages import ui

FLAG_KEY = "check_in_flag"


def _answers(tool: Instrument) -> dict[str, float | int | None]:
    st.markdown(f"**{tool.instructions}**")
    answers: dict[str, float | int | None] = {}
    for item in tool.items:
        key = f"check_in_{tool.key}_{item.key}"
        if item.anchors:
            answers[item.key] = st.radio(
                item.text,
                list(item.anchors),
                index=None,
                format_func=lambda v, a=item.anchors: a[v],
                key=key,
            )
        else:
            answers[item.key] = st.radio(
                f"{item.text} ({item.minimum}–{item.maximum})",
                list(range(item.minimum, item.maximum + 1)),
                index=None,
                horizontal=True,
                key=key,
            )
    return answers


def show(
    db: Database,
    token: str,
    view: partner_checkins.PartnerView,
    *,
    address: str | None,
    today: date,
) -> None:
    """This week's questions, or a thank-you when today's check-in is in."""
    if flagged := st.session_state.get(FLAG_KEY):
        lines = crisis_lines(load_settings(), st.context.locale)
        st.error(
            f"Thank you for telling us. {lines.domestic_violence}\n\n{lines.self_harm}",
            icon=":material/support:",
        )
        st.caption(flagged)
    if view.checked_in_today:
        st.success("Today's check-in is in. Thank you.", icon=":material/check_circle:")
        return
    with st.form("check_in", border=False):
        ratings = {key: _answers(INSTRUMENTS[key]) for key in view.instruments}
        safe = st.radio(
            f"{CHECK_IN_SAFETY_QUESTION} (optional)",
            list(CHECK_IN_SAFETY_ANSWERS),
            horizontal=True,
            key="check_in_safe",
        )
        sent = st.form_submit_button("Send", type="primary", width="stretch")
    if not sent:
        return
    result = ui.attempt(
        lambda: partner_checkins.submit_check_in(
            db,
            token,
            address=address,
            today=today,
            ratings=ratings,
            safe_at_home=CHECK_IN_SAFETY_ANSWERS[safe],
        )
    )
    if result is None:
        return
    if result.alert:
        st.session_state[FLAG_KEY] = "Your counsellor will see this before your next session."
    st.rerun()
