"""A page number under a long table; short tables are shown whole."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.paging import Rows, page_count, page_of


def paged(table: pd.DataFrame | Rows, *, key: str, noun: str = "couples") -> pd.DataFrame:
    """The rows of the page chosen (all rows when they fit on one), with a caption
    saying which of how many are shown."""
    pages = page_count(len(table))
    if pages == 1:
        return table if isinstance(table, pd.DataFrame) else page_of(table, 1).rows
    if st.session_state.get(key, 1) > pages:  # fewer pages since the filters changed
        st.session_state[key] = pages
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    number = right.number_input("Page", min_value=1, max_value=pages, step=1, key=key)
    page = page_of(table, number)
    left.caption(
        f"{noun.capitalize()} {page.first:,}–{page.last:,} of {page.total:,} "
        f"(page {page.number:,} of {page.pages:,}). Search or filter to find one couple."
    )
    return page.rows
