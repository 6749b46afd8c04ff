"""Pick a couple from a table of couples: by selecting its row, or by case code."""

from __future__ import annotations

from typing import Any

import streamlit as st


def show(table: Any, *, selection: Any, key: str) -> str | None:
    """The case code of the selected row, else the one picked in the form below the
    table; None until one is chosen. `selection` is the table's st.dataframe result."""
    rows = selection.selection.rows if selection else []
    if rows:
        return str(table.iloc[rows[0]]["case_code"])
    with st.form(f"{key}_open", border=False):
        names = dict(
            zip(table["case_code"], table.get("partners", table["case_code"]), strict=True)
        )
        picked = st.selectbox(
            "Open a couple",
            list(names),
            index=None,
            format_func=lambda code: f"{code} · {names[code]}" if names[code] != code else code,
            placeholder="Choose a couple (case code or name)",
            key=f"{key}_case",
        )
        opened = st.form_submit_button("Open couple")
    return picked if opened and picked else None
