"""Every rerun of a logged-in tab asks: is this account still active with the same role
(from the database), is its remembered login still in force (not ended in another tab or
by an administrator), and was the tab used within the idle timeout? If not, the session
ends (audited, the remembered login revoked), and the login page says why; the address is
kept for after login. A new tab or a reload of this browser logs in again from the
login cookie while it is valid (core.services.login_sessions)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import streamlit as st

from core.config import load_settings
from core.db import Database
from core.login_tokens import IDLE, due_for_touch
from core.services import accounts, login_sessions
from core.services.access import Actor
from pages import ui
from pages.components import login_cookie

LAST_ACTIVITY_KEY = "last_activity"
LAST_TOUCH_KEY = "login_last_touch"
NOTICE_KEY = "logged_out_notice"
ENDED_ELSEWHERE = (
    "This login was ended in another tab or by an administrator. Log in again to continue."
)


def idle_notice(minutes: int) -> str:
    return (
        f"You were logged out after {minutes} minutes without activity. Log in again to continue."
    )


def signed_in_user(db: Database) -> Actor | None:
    """The tab's user after the checks: its own, or one resumed from the login cookie."""
    user = st.session_state.get(ui.USER_KEY)
    if user is None:
        user = _resume(db)
    if user is not None and not still_signed_in(db, user):
        return None
    return user


def _resume(db: Database) -> Actor | None:
    token = login_cookie.untried_token()
    if token is None:
        return None
    outcome = login_sessions.resume(db, token)
    if not isinstance(outcome, Actor):
        login_cookie.forget()
        if outcome == IDLE:
            st.session_state[NOTICE_KEY] = idle_notice(load_settings().idle_minutes)
        return None
    st.session_state[ui.USER_KEY] = outcome
    st.session_state[login_cookie.TOKEN_KEY] = token
    st.session_state[LAST_TOUCH_KEY] = datetime.now(UTC)
    return outcome


def still_signed_in(db: Database, user: Actor) -> bool:
    """True to go on; False after ending the session (state cleared, notice kept)."""
    now = time.time()
    idle_minutes = load_settings().idle_minutes
    last = st.session_state.get(LAST_ACTIVITY_KEY, now)
    token = login_cookie.token()
    problem, reason = accounts.session_problem(db, user), "account"
    if problem is None and token and not login_sessions.in_force(db, user, token):
        problem, reason = ENDED_ELSEWHERE, "revoked"
    if problem is None and now - last > idle_minutes * 60:
        problem, reason = idle_notice(idle_minutes), IDLE
    if problem is None:
        st.session_state[LAST_ACTIVITY_KEY] = now
        moment = datetime.now(UTC)
        if token and due_for_touch(st.session_state.get(LAST_TOUCH_KEY), moment):
            login_sessions.touch(db, token, now=moment)
            st.session_state[LAST_TOUCH_KEY] = moment
        return True
    accounts.log_out(db, user, reason=reason, token=token)
    end_tab()
    st.session_state[NOTICE_KEY] = problem
    return False


def end_tab() -> None:
    """Forget the tab's login (its state) and the browser's cookie."""
    for key in list(st.session_state):
        del st.session_state[key]
    login_cookie.forget()


def show_notice() -> None:
    """On the login page: why the last session ended, once."""
    if notice := st.session_state.pop(NOTICE_KEY, None):
        st.warning(notice, icon=":material/lock_clock:")
