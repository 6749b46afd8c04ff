"""Long tables shown a page at a time (issue 10): a supervisor's caseload of 20,000 couples
is sorted whole, and only the page being read is sent to the browser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pandas as pd

PAGE_ROWS = 100  # Mend's own choice: a screenful or two of couples, quick to draw


@dataclass(frozen=True)
class TablePage:
    rows: pd.DataFrame
    number: int  # 1-based
    pages: int
    total: int
    size: int

    @property
    def first(self) -> int:
        return min((self.number - 1) * self.size + 1, self.total)

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.total else 0


class Rows(Protocol):
    """A long table read a slice at a time (e.g. caseload_cache.SortedCaseload): only the
    page shown is ever made into a DataFrame."""

    def __len__(self) -> int: ...

    def rows(self, start: int, stop: int) -> pd.DataFrame: ...


def page_count(total: int, size: int | None = None) -> int:
    return max(1, -(-total // (size or PAGE_ROWS)))


def page_of(table: pd.DataFrame | Rows, number: int, size: int | None = None) -> TablePage:
    """Page `number` (clamped to the pages there are) of `table`, in its order; pages of
    `size` rows, PAGE_ROWS by default (read at the call, so a test may lower it)."""
    size = size or PAGE_ROWS
    pages = page_count(len(table), size)
    number = min(max(int(number), 1), pages)
    start, stop = (number - 1) * size, number * size
    if isinstance(table, pd.DataFrame):
        rows = table.iloc[start:stop].reset_index(drop=True)
    else:
        rows = table.rows(start, stop)
    return TablePage(rows, number, pages, len(table), size)
