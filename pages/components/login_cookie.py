"""The browser's side of a remembered login (core.services.login_sessions).

Read: `st.context.cookies`, which the browser sends when a tab connects (a reload, a new
tab, a link), so no component round trip is needed. Written and deleted: through
extra-streamlit-components' CookieManager, whose page JavaScript sets it with
SameSite=Strict and path / (a script-set cookie cannot be HttpOnly: see the README's
"Login cookies"). The token lives in the cookie and in this tab's session state only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import extra_streamlit_components as stx
import streamlit as st

COOKIE = "mend_login"
TOKEN_KEY = "login_token"
# The cookie outlives a closed browser by a day at most; the server's idle timeout and
# revocation decide whether it still logs anyone in.
LIFETIME = timedelta(days=1)
_PENDING_KEY = "login_cookie_pending"  # "set" or "delete": written on the next full run
_TRIED_KEY = "login_cookie_tried"  # the cookie this tab already tried to resume
_SET_KEY = "login_cookie_set"
_DELETE_KEY = "login_cookie_delete"


def browser_token() -> str | None:
    """The token the browser sent with this tab's connection (page tests patch this)."""
    return st.context.cookies.get(COOKIE)


def untried_token() -> str | None:
    """The browser's token, the first time this tab sees it (a refused one is not retried
    at every rerun)."""
    token = browser_token()
    if not token or st.session_state.get(_TRIED_KEY) == token:
        return None
    st.session_state[_TRIED_KEY] = token
    return token


def remember(token: str) -> None:
    """After a login: this tab keeps the token, and the browser gets it on the next run."""
    st.session_state[TOKEN_KEY] = token
    st.session_state[_PENDING_KEY] = "set"


def token() -> str | None:
    return st.session_state.get(TOKEN_KEY)


def forget() -> None:
    """After a logout (session state already cleared): delete the browser's cookie."""
    st.session_state[_TRIED_KEY] = browser_token()
    st.session_state[_PENDING_KEY] = "delete"


def write_pending() -> None:
    """Set or delete the cookie in the browser; kept pending until the browser confirms
    (the component's value turns true once its JavaScript has done it)."""
    pending = st.session_state.get(_PENDING_KEY)
    if pending is None:
        return
    manager = stx.CookieManager(key="login_cookie_manager")
    if pending == "set" and (value := token()):
        manager.set(
            COOKIE,
            value,
            key=_SET_KEY,
            path="/",
            same_site="strict",
            expires_at=datetime.now(UTC) + LIFETIME,
        )
        done = st.session_state.get(_SET_KEY) is True
    else:
        # delete() also drops the name from the manager's copy, which may not list it yet
        manager.cookies.setdefault(COOKIE, "")
        manager.delete(COOKIE, key=_DELETE_KEY)
        done = st.session_state.get(_DELETE_KEY) is True
    if done:
        del st.session_state[_PENDING_KEY]
