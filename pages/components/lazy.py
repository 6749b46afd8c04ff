"""Closed until asked for: an expander whose content runs only while it is open, and
tabs of which only the open one runs.

A closed Streamlit expander (or a tab not shown) still runs its content and sends all of
it to the browser, which draws it hidden (tables, forms, download buttons), on every
navigation. The couple page's rarely opened sections and the pages' tabs use these
instead: closed, the browser gets their label only; opening one reruns the page with its
content."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator


def expander(
    label: str, *, key: str, icon: str | None = None, expanded: bool = False
) -> DeltaGenerator | None:
    """The expander (closed at first unless `expanded`); its container while open, else
    None."""
    box = st.expander(label, icon=icon, key=key, expanded=expanded, on_change="rerun")
    return box if box.open else None


def tabs(bodies: dict[str, Callable[[], object]], *, key: str = "tab") -> None:
    """Tabs labelled by `bodies`' keys, of which only the open one's body runs (switching
    tabs reruns the page). The open tab lives in the address (?tab=Homework): a save's
    rerun, a reload or a link keeps the tab where the action happened. `.open` is None
    only if the tabs kept no state, and then every tab runs."""
    shown = st.tabs(list(bodies), key=key, bind="query-params")
    for tab, body in zip(shown, bodies.values(), strict=True):
        if tab.open is not False:
            with tab:
                body()
