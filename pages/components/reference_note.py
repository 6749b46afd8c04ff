"""The clinic's reference in force (a stored, dated snapshot of the constants and expected
band): its date next to the figures, and recomputing it for supervisors and admins."""

from __future__ import annotations

import streamlit as st

from core.db import Database
from core.formatting import plain
from core.services import progress_views
from core.services.access import Actor
from pages import ui
from pages.components import confirm

RECOMPUTE = "Recompute the clinic's reference now"
CONFIRM_KEY = "recompute_reference"
HELP = (
    "Statuses are judged against the clinic's constants and expected band as stored on that "
    "date, so they do not shift with every new rating. A new snapshot is computed on a "
    "schedule, when the latest is older than a set age (a week by default), or when a "
    "supervisor asks."
)


def label(reference: progress_views.ClinicReference) -> str:
    if reference.snapshot_id is None:
        return "Constants computed for this view only (not stored)"
    return f"Constants of {ui.show_date(reference.computed_at)} (snapshot #{reference.snapshot_id})"


def caption(reference: progress_views.ClinicReference) -> None:
    """'Constants of <local date> (snapshot #N)', with how it came about."""
    detail = f"{_count(reference.n_ratings, 'rating')} of {_count(reference.n_couples, 'couple')}"
    why = f"; {plain(reference.reason)}" if reference.reason else ""
    st.caption(f"{label(reference)}: from {detail}{why}.", help=HELP)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def recompute(db: Database, user: Actor) -> None:
    """Confirm-then-act: store a new snapshot from every rating now (supervisors, admins)."""
    if not user.sees_every_caseload:
        return
    if st.button(RECOMPUTE, icon=":material/refresh:", key="recompute_reference_button"):
        confirm.request(CONFIRM_KEY)
    fresh = confirm.ask(
        CONFIRM_KEY,
        "Recompute the constants and expected band from every rating in the clinic now? "
        "Every status is judged against the new snapshot from then on; the current one stays "
        "stored, so past statuses can still be explained.",
        yes="Yes, recompute",
        act=lambda: ui.attempt(lambda: progress_views.recompute_reference(db, user)),
    )
    if fresh is not None:
        ui.flash(f"The clinic's reference is now snapshot #{fresh.snapshot_id}.", slot="reference")
        st.rerun()
    ui.show_flash("reference")
