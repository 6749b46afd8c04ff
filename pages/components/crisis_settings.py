"""The Admin page's crisis-lines tab: what the safety banner shows now and where each
line is set. Only here may a setting's name appear: counsellors never see one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.config import REGION_LINES, crisis_lines, load_settings


def show() -> None:
    lines = crisis_lines(load_settings(), st.context.locale)
    st.caption(
        "The safety banner shows these texts wherever a concern is open: the domestic-"
        "violence line for violence, coercive control or emotional abuse, the self-harm "
        "line for a self-harm risk. Set them in the server's environment and restart Mend."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Line": ["Domestic violence and abuse", "Self-harm risk"],
                "Shown now": [lines.domestic_violence, lines.self_harm],
                "Comes from": [lines.domestic_violence_from, lines.self_harm_from],
            }
        ),
        hide_index=True,
        column_config={"Shown now": st.column_config.TextColumn(width="large")},
    )
    st.text(f"Region: {lines.region or 'none'}, chosen by {lines.region_from}.")
    st.text(
        "Where to set them: MEND_CRISIS_LINE (domestic violence and abuse), "
        "MEND_SELF_HARM_LINE (self-harm), MEND_REGION (one of "
        + ", ".join(REGION_LINES)
        + ") for Mend's defaults. Check any default against your local services."
    )
