"""The door to a partner's check-in page: which addresses open it (app.py asks `wanted`),
its two pages, the token and the visitor's address, and the "Exit quickly" button.

The page needs no account: an address with ?t=... (the token) opens the check-in page and
nothing else of Mend; /today is the neutral page "Exit quickly" leads to, served to anyone
(a reload there must not show Mend's login either)."""

from __future__ import annotations

from urllib.parse import urlparse

import streamlit as st

from core.domain import CHECK_IN_TITLE, NEUTRAL_TITLE
from core.services import partner_checkins

TOKEN_PARAM = "t"
NEUTRAL_PATH = "today"
EXIT_KEY = "check_in_exited"


def _on_neutral_path() -> bool:
    url = st.context.url or ""
    return urlparse(url).path.rstrip("/").endswith(f"/{NEUTRAL_PATH}")


def wanted() -> bool:
    """Whether this run belongs to a partner's phone, not to a counsellor's Mend."""
    return bool(token()) or bool(st.session_state.get(EXIT_KEY)) or _on_neutral_path()


def pages() -> list[st.Page]:
    default = not token() and (st.session_state.get(EXIT_KEY) or _on_neutral_path())
    return [
        st.Page("pages/checkin.py", title=CHECK_IN_TITLE, default=not default),
        st.Page("pages/today.py", title=NEUTRAL_TITLE, url_path=NEUTRAL_PATH, default=default),
    ]


def token() -> str:
    return str(st.query_params.get(TOKEN_PARAM, "") or "")


def address() -> str | None:
    """The visitor's address, for the limit on attempts."""
    ip, forwarded = st.context.ip_address, st.context.headers.get("X-Forwarded-For")
    return partner_checkins.client_address(
        ip if isinstance(ip, str) else None, forwarded if isinstance(forwarded, str) else None
    )


def exit_button() -> None:
    """Replace the page with a neutral one at once (the token leaves the address bar)."""
    if st.button("Exit quickly", icon=":material/close:", key="exit_quickly", width="stretch"):
        st.session_state.clear()
        st.session_state[EXIT_KEY] = True
        st.switch_page("pages/today.py")
