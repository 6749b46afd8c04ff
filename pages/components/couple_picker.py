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
        picked = st.selectbox(
            "Open a couple",
            list(dict.fromkeys(table["case_code"])),
            index=None,
            placeholder="Choose a case code",
            key=f"{key}_case",
        )
        opened = st.form_submit_button("Open couple")
    return picked if opened and picked else None
