"""The open-safety-concern banner with the crisis lines, shown above a couple's pages:
the domestic-violence line for violence, coercive control or emotional abuse, the
self-harm line for a self-harm risk (core.config.crisis_lines)."""

from __future__ import annotations

import streamlit as st

from core.config import crisis_lines, load_settings
from core.domain import CONCERN_LABELS
from core.formatting import plain
from core.services import safety
from pages import ui

SELF_HARM = CONCERN_LABELS["self_harm_risk"]


def texts(concerns: list[safety.ScreenView]) -> list[str]:
    """The crisis texts that fit these concerns, domestic violence first."""
    lines = crisis_lines(load_settings(), st.context.locale)
    named = {label for c in concerns for label in c.concerns}
    shown = []
    if named - {SELF_HARM}:
        shown.append(lines.domestic_violence)
    if SELF_HARM in named:
        shown.append(lines.self_harm)
    return shown


def banner(concerns: list[safety.ScreenView]) -> bool:
    """The banner for these open concerns (safety.open_concerns), if any; True if shown."""
    if not concerns:
        return False
    partners = [
        f"- Partner {c.partner_label} ({plain(c.partner_name)}): "
        f"{', '.join(c.concerns).lower()}, screened {ui.show_date(c.screened_on)}"
        for c in concerns
    ]
    st.error(
        "**Open safety concern.** Joint exercises and exercises asking the hurt partner "
        "to be vulnerable need a recorded override.\n\n"
        + "\n".join(partners)
        + "\n\n"
        + "\n\n".join(plain(text) for text in texts(concerns)),
        icon=":material/health_and_safety:",
    )
    return True
