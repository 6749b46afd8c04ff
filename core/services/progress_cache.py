"""Each couple's progress kept between page views (issue 10).

The caseload's progress columns (core.progress.progress_columns) depend only on the
couple's own ratings, intake date and status, the clinic reference in force and today.
The couple's part of that is its stamp (core.queries.ratings.couple_stamps: a ratings
version the database bumps on every rating change). A caseload view recomputes only the
couples whose key changed, from their ratings alone: a rating saved anywhere in the
clinic costs the next view one couple's recomputation, never a read of every rating.

The cache is per database (its URL) and per process: every Database object of the same
database shares it, so a colleague's save through this server warms the couple for every
viewer. Another server process recomputes that one couple at its next view. The database
stays the truth: a stale key cannot match because every write changes the stamp.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import pandas as pd

from core.db import Database
from core.progress import PROGRESS_COLUMNS

COLUMNS = ["couple_id", *PROGRESS_COLUMNS]
MAX_COUPLES = 100_000  # far above a national provider's 20,000: a bound, not a policy
# Couples computed per batch when many are stale (a cold cache, a new day or reference):
# one batch's ratings in memory at a time, not the clinic's (at 2,000 couples a cold
# caseload view's peak went from +130 MB to +30 MB, and no slower).
COMPUTE_COUPLES = 250


class ProgressCache:
    """couple_id -> (key, row of COLUMNS); thread-safe (Streamlit serves each browser
    session from its own thread)."""

    def __init__(self) -> None:
        self._rows: dict[int, tuple[Hashable, tuple[Any, ...]]] = {}
        self._lock = threading.Lock()
        # What the last view judged against (the reference and today): a write
        # recomputes its couple for it at once (refresh_after_write).
        self.last_context: tuple[Any, Any] | None = None

    def missing(self, keys: dict[int, Hashable]) -> list[int]:
        with self._lock:
            return [c for c, key in keys.items() if self._rows.get(c, (None,))[0] != key]

    def store(self, keys: dict[int, Hashable], fresh: pd.DataFrame) -> None:
        records = fresh[COLUMNS].itertuples(index=False, name=None)
        with self._lock:
            if len(self._rows) + len(fresh) > MAX_COUPLES:
                self._rows.clear()
            for row in records:
                self._rows[row[0]] = (keys[row[0]], row)

    def frame(self, couple_ids: Iterable[int]) -> pd.DataFrame:
        with self._lock:
            rows = [self._rows[c][1] for c in couple_ids if c in self._rows]
        return pd.DataFrame.from_records(rows, columns=COLUMNS)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self.last_context = None


_CACHES: dict[str, ProgressCache] = {}
_CACHES_LOCK = threading.Lock()


def cache_for(db: Database) -> ProgressCache:
    with _CACHES_LOCK:
        return _CACHES.setdefault(str(db.engine.url), ProgressCache())


def progress_rows(
    db: Database,
    keys: dict[int, Hashable],
    compute: Callable[[list[int]], pd.DataFrame],
    *,
    context: tuple[Any, Any] | None = None,
) -> pd.DataFrame:
    """The progress columns of the couples in `keys` (couple_id -> key), computing with
    `compute(couple_ids)` only those whose key is not the one cached, COMPUTE_COUPLES at
    a time. `context` (the
    reference and today of this view) is remembered for refresh_after_write."""
    cache = cache_for(db)
    if context is not None:
        cache.last_context = context
    stale = cache.missing(keys)
    for start in range(0, len(stale), COMPUTE_COUPLES):
        cache.store(keys, compute(stale[start : start + COMPUTE_COUPLES]))
    return cache.frame(keys)
