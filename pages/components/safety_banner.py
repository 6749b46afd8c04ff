"""The open-safety-concern banner with the crisis line, shown above a couple's pages."""

from __future__ import annotations

import streamlit as st

from core.config import load_settings
from core.db import Database
from core.services import safety
from core.services.access import Actor
from pages import ui


def show(db: Database, user: Actor, couple_id: int) -> bool:
    """Show the banner if a concern is open; True if one is."""
    concerns = safety.open_concerns(db, user, couple_id)
    if not concerns:
        return False
    lines = [
        f"- Partner {c.partner_label} ({c.partner_name}): {', '.join(c.concerns)} — "
        f"screened {ui.show_date(c.screened_on)}"
        for c in concerns
    ]
    st.error(
        "**Open safety concern.** Joint exercises and exercises asking the hurt partner "
        "to be vulnerable need a recorded override.\n\n"
        + "\n".join(lines)
        + f"\n\n{load_settings().crisis_line}",
        icon=":material/health_and_safety:",
    )
    return True
