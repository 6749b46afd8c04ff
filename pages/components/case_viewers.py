"""'Who looked at this case': who opened the couple (or was refused), when (the browser's
local time) and what they read; for its counsellor, supervisors and admins. Read only
while the panel is open."""

from __future__ import annotations

import streamlit as st

from core.db import Database
from core.formatting import browser_zone
from core.services import audit
from core.services.access import Actor
from core.services.couples import CoupleView
from pages import ui

TITLE = "Who looked at this case"


def panel_key(couple_id: int) -> str:
    """The panel's expander, open or closed (st.session_state[panel_key(id)])."""
    return f"case_viewers_panel_{couple_id}"


def show(db: Database, user: Actor, couple: CoupleView) -> None:
    # Read and drawn only when opened (every tab of the couple page has it: up to 200
    # events a run otherwise).
    with st.expander(
        TITLE, icon=":material/visibility:", key=panel_key(couple.id), on_change="rerun"
    ) as panel:
        if panel.open is False:
            return
        views = ui.attempt(lambda: audit.case_views(db, user, couple.id))
        if views is None:
            return
        if views.empty:
            st.caption("Nobody has opened this case yet.")
            return
        views["at"] = views["at"].dt.tz_convert(browser_zone(st.context.timezone))
        st.dataframe(
            views,
            hide_index=True,
            key=f"case_viewers_{couple.id}",
            column_config={
                "at": st.column_config.DatetimeColumn(
                    "When (your time)", format=f"{ui.style().widget} HH:mm"
                ),
                "name": st.column_config.TextColumn("Who"),
                "role": st.column_config.TextColumn("Role"),
                "what": st.column_config.TextColumn("What they read"),
            },
        )
        st.caption("Each opening of the case is listed once, with every part it showed.")
