"""The browser's side of a remembered login (core.services.login_sessions).

Read: `st.context.cookies`, which the browser sends when a tab connects (a reload, a new
tab, a link), so no component round trip is needed. Written and deleted: by a one-line
script in the page (`st.html`), which sets it with SameSite=Strict and path / (and Secure
over HTTPS; a script-set cookie cannot be HttpOnly: see SECURITY.md's "Login cookies").
The script sends nothing back, so it starts no rerun the user did not ask for: a cookie
component's answer used to rerun the page seconds after a login, redrawing an open
select's option list under the pointer. The token lives in the cookie and in this tab's
session state only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import streamlit as st

COOKIE = "mend_login"
TOKEN_KEY = "login_token"
# The cookie outlives a closed browser by a day at most; the server's idle timeout and
# revocation decide whether it still logs anyone in.
LIFETIME = timedelta(days=1)
_PENDING_KEY = "login_cookie_pending"  # "set" or "delete": written on the next full run
_TRIED_KEY = "login_cookie_tried"  # the cookie this tab already tried to resume
_EXPIRED = "Thu, 01 Jan 1970 00:00:00 GMT"


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


def cookie_text(value: str | None, now: datetime | None = None) -> str:
    """What the page assigns to document.cookie: the token for LIFETIME, or (None) the
    cookie expired, which deletes it."""
    if value is None:
        value, expires = "", _EXPIRED
    else:
        expires = format_datetime((now or datetime.now(UTC)) + LIFETIME, usegmt=True)
    return f"{COOKIE}={value}; Path=/; Expires={expires}; SameSite=Strict"


def write_pending() -> None:
    """Set or delete the cookie in the browser. Always exactly one element (an empty one
    when there is nothing to write), placed before the page, so the page's own elements
    keep their places whether or not a script was written."""
    pending = st.session_state.pop(_PENDING_KEY, None)
    value = token() if pending == "set" else None
    if pending is None or (pending == "set" and value is None):
        st.empty()
        return
    text = json.dumps(cookie_text(value))  # a JavaScript string literal
    st.html(
        # The element takes no room, so nothing moves when it is gone next run.
        "<style>.stElementContainer:has(script[data-mend-cookie]) {display: none}</style>"
        "<script data-mend-cookie>document.cookie = "
        f"{text} + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )
