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

`CoupleMemo` keeps whole results about one couple the same way (the couple page's
Progress tab: its analysis, its homework adherence, its figures), for the most recently
viewed couples only, each under the key of everything it was computed from.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

import pandas as pd

from core.db import Database
from core.progress import PROGRESS_COLUMNS

COLUMNS = ["couple_id", *PROGRESS_COLUMNS]
MAX_COUPLES = 100_000  # far above a national provider's 20,000: a bound, not a policy
# CoupleMemo: results kept per database and kind, about the couples open at once in a
# clinic's server (10 users). A couple's analysis is up to about 0.7 MB and its figures
# about 0.2 MB each (the demo's longest histories, ~480 ratings): some 50 MB at most.
RECENT_COUPLES = 32

T = TypeVar("T")


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


class CoupleMemo:
    """slot -> (key, value) for the `size` most recently used slots (a slot names one
    couple's result, e.g. its id); thread-safe. A value is shared by every viewer: what
    `get` returns must be read, never changed."""

    def __init__(self, size: int = RECENT_COUPLES) -> None:
        self._entries: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, slot: Hashable, key: Hashable, compute: Callable[[], T]) -> T:
        """The value kept in `slot` if it was computed under `key`, else `compute()`
        (outside the lock: two viewers of one couple may both compute it once)."""
        with self._lock:
            found = self._entries.get(slot)
            if found is not None and found[0] == key:
                self._entries.move_to_end(slot)
                return found[1]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._entries[slot] = (key, value)
            self._entries.move_to_end(slot)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_CACHES: dict[str, ProgressCache] = {}
_MEMOS: dict[tuple[str, str], CoupleMemo] = {}
_CACHES_LOCK = threading.Lock()


def cache_for(db: Database) -> ProgressCache:
    with _CACHES_LOCK:
        return _CACHES.setdefault(str(db.engine.url), ProgressCache())


def memo_for(db: Database, kind: str, *, size: int = RECENT_COUPLES) -> CoupleMemo:
    """The database's memo of one kind of per-couple result (e.g. "progress"), keeping
    `size` results (set by the first call for the kind)."""
    with _CACHES_LOCK:
        return _MEMOS.setdefault((str(db.engine.url), kind), CoupleMemo(size))


def clear(db: Database) -> None:
    """Forget everything kept for the database (its ids are about to mean other rows:
    a test emptying it, a restore)."""
    cache_for(db).clear()
    with _CACHES_LOCK:
        memos = [memo for (url, _kind), memo in _MEMOS.items() if url == str(db.engine.url)]
    for memo in memos:
        memo.clear()


def progress_rows(
    db: Database,
    keys: dict[int, Hashable],
    compute: Callable[[list[int]], pd.DataFrame],
    *,
    context: tuple[Any, Any] | None = None,
) -> pd.DataFrame:
    """The progress columns of the couples in `keys` (couple_id -> key), computing with
    `compute(couple_ids)` only those whose key is not the one cached. `context` (the
    reference and today of this view) is remembered for refresh_after_write."""
    cache = cache_for(db)
    if context is not None:
        cache.last_context = context
    if stale := cache.missing(keys):
        cache.store(keys, compute(stale))
    return cache.frame(keys)
