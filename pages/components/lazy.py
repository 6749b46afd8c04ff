"""Closed until asked for: an expander whose content runs only while it is open.

A closed Streamlit expander still runs its content and sends all of it to the browser,
which draws it hidden (tables, forms, download buttons), on every navigation. The couple
page's rarely opened sections use this instead: closed, the browser gets their label
only; opening one reruns the page with its content."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator


def expander(
    label: str, *, key: str, icon: str | None = None, expanded: bool = False
) -> DeltaGenerator | None:
    """The expander (closed at first unless `expanded`); its container while open, else
    None."""
    box = st.expander(label, icon=icon, key=key, expanded=expanded, on_change="rerun")
    return box if box.open else None
