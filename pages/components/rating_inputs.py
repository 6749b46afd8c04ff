"""One partner's answers to one instrument (used inside the log-session form)."""

from __future__ import annotations

import streamlit as st

from core.measures import Instrument


def show(
    key: str, tool: Instrument, initial: dict[str, float] | None = None
) -> dict[str, float | None]:
    """Item key -> value. Empty until the clinician enters a value, so a rating nobody
    gave is never saved as a default."""
    initial = initial or {}
    answers: dict[str, float | None] = {}
    st.caption(f"**{tool.name}** — {tool.instructions}")
    for item in tool.items:
        given = initial.get(item.key)
        widget_key = f"{key}_{tool.key}_{item.key}"
        if item.anchors:
            options = list(item.anchors)
            answers[item.key] = st.selectbox(
                item.text,
                options,
                index=options.index(int(given)) if given is not None else None,
                format_func=lambda v, a=item.anchors: f"{v} · {a[v]}",
                placeholder="Not rated",
                key=widget_key,
            )
        else:
            answers[item.key] = st.number_input(
                f"{item.text} ({item.minimum}-{item.maximum})",
                min_value=item.minimum,
                max_value=item.maximum,
                step=1,
                value=None if given is None else int(given),
                placeholder="Not rated",
                key=widget_key,
            )
    return answers
