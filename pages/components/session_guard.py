"""Every rerun of a logged-in tab asks: is this account still active with the same role
(from the database), and was the tab used within the idle timeout? If not, the session
ends (audited), and the login page says why; the address is kept for after login."""

from __future__ import annotations

import time

import streamlit as st

from core.config import load_settings
from core.db import Database
from core.services import accounts
from core.services.access import Actor

LAST_ACTIVITY_KEY = "last_activity"
NOTICE_KEY = "logged_out_notice"


def still_signed_in(db: Database, user: Actor) -> bool:
    """True to go on; False after ending the session (state cleared, notice kept)."""
    now = time.time()
    idle_minutes = load_settings().idle_minutes
    last = st.session_state.get(LAST_ACTIVITY_KEY, now)
    problem, reason = accounts.session_problem(db, user), "account"
    if problem is None and now - last > idle_minutes * 60:
        problem = (
            f"You were logged out after {idle_minutes} minutes without activity. "
            "Log in again to continue."
        )
        reason = "idle"
    if problem is None:
        st.session_state[LAST_ACTIVITY_KEY] = now
        return True
    accounts.log_out(db, user, reason=reason)
    for key in list(st.session_state):
        del st.session_state[key]
    st.session_state[NOTICE_KEY] = problem
    return False


def show_notice() -> None:
    """On the login page: why the last session ended, once."""
    if notice := st.session_state.pop(NOTICE_KEY, None):
        st.warning(notice, icon=":material/lock_clock:")
