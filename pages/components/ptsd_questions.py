"""The PC-PTSD-5 questions in their published order: the examples of traumatic events,
the lifetime exposure question, then "In the past month, have you..." and the five items.
Every answer starts unanswered: a rating nobody gave is never saved."""

from __future__ import annotations

import streamlit as st

from core.measures import PCPTSD5, YES_NO


def show(key: str) -> dict[str, int | None]:
    """The answers given (None where a question is unanswered). Call inside a form."""
    gate, *items = PCPTSD5.items
    st.caption(PCPTSD5.instructions)
    answers = {gate.key: _question(gate.text, f"{key}_{gate.key}")}
    st.caption(PCPTSD5.items_intro)
    for number, item in enumerate(items, 1):
        answers[item.key] = _question(f"{number}. {item.text}", f"{key}_{item.key}")
    st.caption(f"{PCPTSD5.note} Positive at {PCPTSD5.cutoff:g} or more of 5.")
    return answers


def _question(text: str, key: str) -> int | None:
    return st.radio(text, [0, 1], index=None, format_func=YES_NO.get, horizontal=True, key=key)
