"""'Who looked at this case': who opened the couple (or was refused), when (the browser's
local time) and what they read; for its counsellor, supervisors and admins."""

from __future__ import annotations

import streamlit as st

from core.db import Database
from core.formatting import browser_zone
from core.services import audit
from core.services.access import Actor
from core.services.couples import CoupleView
from pages import ui
from pages.components import lazy

TITLE = "Who looked at this case"


def show(db: Database, user: Actor, couple: CoupleView) -> None:
    box = lazy.expander(TITLE, key=f"case_viewers_open_{couple.id}", icon=":material/visibility:")
    if box is None:
        return
    with box:
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
