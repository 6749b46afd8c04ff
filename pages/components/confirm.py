"""Confirm-then-act: destructive or irreversible actions take two steps.

Either the page asks first (`request`, then `ask` shows the question with "Yes, …" and
Cancel until one is clicked), or the user ticks a box next to the action (`tick`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from core.formatting import plain

T = TypeVar("T")


def _key(key: str) -> str:
    return f"confirm_pending_{key}"


def request(key: str, payload: Any = True) -> None:
    """Step one: remember what is to be confirmed (e.g. the chosen status and reason)."""
    st.session_state[_key(key)] = payload


def pending(key: str) -> Any | None:
    """What waits for confirmation under `key`, or None."""
    return st.session_state.get(_key(key))


def ask(key: str, question: str, *, yes: str, act: Callable[[], T | None]) -> T | None:
    """Step two, while a request is pending: `question` with `yes` and Cancel.

    `yes` runs `act` (which shows its own refusal and returns None); its result ends the
    request and is returned, so the page can flash and rerun. Cancel ends the request."""
    if pending(key) is None:
        return None
    st.warning(plain(question))  # it may name what a person wrote
    go, cancel = st.columns(2)
    if go.button(yes, type="primary", key=f"{key}_yes"):
        result = act()
        if result is not None:
            st.session_state.pop(_key(key), None)
            return result
    if cancel.button("Cancel", key=f"{key}_cancel"):
        st.session_state.pop(_key(key), None)
        st.rerun()
    return None


def tick(label: str, *, key: str | None = None) -> bool:
    """The in-place first step: a box to tick before the action button acts."""
    return st.checkbox(plain(label), key=key)
