"""Safety marks: the caseload's Safety column (red chips with the concern's words, an
orange one for a trauma follow-up) and the red badges beside a couple's status."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.db import Database
from core.domain import CHECK_IN_CHIP, SAFETY_CHIPS, SAFETY_HOLD_CHIP, TRAUMA_CHIP, concern_badge
from core.formatting import plain
from core.services import safety
from core.services.access import Actor
from core.services.safety import FollowUpView, ScreenView


def column() -> object:
    """Column config for a list column of SAFETY_CHIPS, TRAUMA_CHIP and CHECK_IN_CHIP."""
    return st.column_config.MultiselectColumn(
        "Open safety concern",
        help="Open safety concerns, joint homework given before the concern (pause or "
        "continue it on the Homework tab), a positive trauma screen still to follow up, and "
        "a check-in flag not yet acknowledged: see the couple's page. Empty: nothing open.",
        options=[*SAFETY_CHIPS, SAFETY_HOLD_CHIP, TRAUMA_CHIP, CHECK_IN_CHIP],
        color=["red"] * (len(SAFETY_CHIPS) + 1) + ["orange", "red"],
        width=150,  # compact: the first chip in full, the rest on hover
    )


def labels(concerns: list[ScreenView], follow_ups: list[FollowUpView]) -> list[tuple[str, str]]:
    """(text, colour) of each badge: one red per open concern, one orange per partner with
    an open trauma follow-up."""
    named = dict.fromkeys(label for screen in concerns for label in screen.concerns)
    marks = [(concern_badge(label), "red") for label in named]
    marks += [
        (f"Trauma symptoms: follow up ({plain(f.partner_name)})", "orange")
        for f in follow_ups
        if f.is_open
    ]
    return marks


def row(
    concerns: list[ScreenView],
    follow_ups: list[FollowUpView],
    *,
    lead: Callable[[], object] | None = None,
) -> None:
    """`lead` (e.g. the progress status), then the safety badges beside it, on one line."""
    marks = labels(concerns, follow_ups)
    if lead is None and not marks:
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        if lead is not None:
            lead()
        for text, colour in marks:
            st.badge(text, color=colour)  # type: ignore[arg-type]


def for_couple(
    db: Database, user: Actor, couple_id: int, *, lead: Callable[[], object] | None = None
) -> None:
    """`row` with the couple's open concerns and trauma follow-ups."""
    row(
        safety.open_concerns(db, user, couple_id), safety.follow_ups(db, user, couple_id), lead=lead
    )
