"""A page number under a long table (short tables are shown whole), or for content read
a page at a time (`chosen` and `picker`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.paging import Rows, TablePage, page_count, page_of


def paged(
    table: pd.DataFrame | Rows,
    *,
    key: str,
    noun: str = "couples",
    size: int | None = None,
    hint: str = "Search or filter to find one couple.",
) -> pd.DataFrame:
    """The rows of the page chosen (all rows when they fit on one), with a caption
    saying which of how many are shown; pages of `size` rows (core.paging.PAGE_ROWS)."""
    if page_count(len(table), size) == 1:
        return table if isinstance(table, pd.DataFrame) else page_of(table, 1).rows
    page = page_of(table, chosen(key), size)  # clamped: fewer pages since the filters changed
    picker(key=key, number=page.number, pages=page.pages, caption=span(page, noun, hint))
    return page.rows


def span(page: TablePage, noun: str, hint: str) -> str:
    """Which rows of how many a page holds, e.g. "Couples 101–200 of 2,000 (page 2 of
    20). Search or filter to find one couple." """
    return (
        f"{noun.capitalize()} {page.first:,}–{page.last:,} of {page.total:,} "
        f"(page {page.number:,} of {page.pages:,}). {hint}"
    )


def chosen(key: str) -> int:
    """The page number kept under `key` (1 before any choice), for content read a page
    at a time: read that page, then show `picker` with the page it turned out to be."""
    return int(st.session_state.get(key, 1))


def picker(*, key: str, number: int, pages: int, caption: str) -> None:
    """The page number under `key` (none when everything fits on one page) beside
    `caption`; `number` is the page read (clamped when there are fewer pages now)."""
    if pages == 1:
        return
    if st.session_state.get(key) != number:
        st.session_state[key] = number
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    right.number_input("Page", min_value=1, max_value=pages, step=1, key=key)
    left.caption(caption)
