"""The Admin page's crisis-lines tab: what the safety banner shows now and where each
line is set. Only here may a setting's name appear: counsellors never see one."""

from __future__ import annotations

import streamlit as st

from core.config import REGION_LINES, crisis_lines, load_settings


def show() -> None:
    lines = crisis_lines(load_settings(), st.context.locale)
    st.caption(
        "The safety banner shows these texts wherever a concern is open: the domestic-"
        "violence line for violence, coercive control or emotional abuse, the self-harm "
        "line for a self-harm risk. Set them in the server's environment and restart Mend."
    )
    for title, shown, origin in (
        ("Domestic violence and abuse", lines.domestic_violence, lines.domestic_violence_from),
        ("Self-harm risk", lines.self_harm, lines.self_harm_from),
    ):
        with st.container(border=True):
            st.subheader(title, divider=False)
            st.text(f"Shown now: {shown}")
            st.text(f"Comes from: {origin}")
    st.text(f"Region: {lines.region or 'none'}, chosen by {lines.region_from}.")
    st.text(
        "Where to set them: MEND_CRISIS_LINE (domestic violence and abuse), "
        "MEND_SELF_HARM_LINE (self-harm), MEND_REGION (one of "
        + ", ".join(REGION_LINES)
        + ") for Mend's defaults. Without MEND_REGION each browser's locale chooses, so a "
        "counsellor whose browser is set to another country sees that country's line. "
        "Check any default against your local services."
    )
