"""Long tables a page at a time (core.paging): every row on exactly one page, in order."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core.paging import PAGE_ROWS, page_count, page_of


def test_pages_split_a_table_in_its_order() -> None:
    table = pd.DataFrame({"case_code": [f"C-{n:04d}" for n in range(1, 251)]})
    assert page_count(len(table)) == 3
    first, last = page_of(table, 1), page_of(table, 3)
    assert (first.first, first.last, first.total) == (1, PAGE_ROWS, 250)
    assert first.rows["case_code"].iloc[0] == "C-0001"
    assert (last.first, last.last) == (201, 250) and len(last.rows) == 50
    assert page_of(table, 99).number == 3 and page_of(table, -4).number == 1  # clamped


def test_an_empty_table_is_one_empty_page() -> None:
    page = page_of(pd.DataFrame({"case_code": []}), 1)
    assert (page.pages, page.total, page.first, page.last, len(page.rows)) == (1, 0, 0, 0, 0)


@settings(deadline=None)  # a page of 1 row makes up to 1,000 pages: slow, not wrong
@given(total=st.integers(0, 1_000), size=st.integers(1, 150))
def test_every_row_is_on_exactly_one_page(total: int, size: int) -> None:
    table = pd.DataFrame({"n": range(total)})
    parts = [page_of(table, n, size) for n in range(1, page_count(total, size) + 1)]
    pages = [part.rows["n"] for part in parts]
    assert pd.concat(pages, ignore_index=True).tolist() == list(range(total))
    if total:  # the caption's "first to last" names exactly the rows shown
        assert all(
            part.rows["n"].tolist() == list(range(part.first - 1, part.last)) for part in parts
        )
    assert all(0 < len(rows) <= size for rows in pages) or total == 0
