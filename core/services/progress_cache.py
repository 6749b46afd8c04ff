"""Each couple's Progress tab results kept between page views (issue 10).

`CoupleMemo` keeps whole results about one couple (the couple page's Progress tab: its
analysis, its homework adherence, its figures), for the most recently viewed couples
only, each under the key of everything it was computed from: the couple's ratings stamp
(core.queries.ratings.couple_stamps, which the database bumps on every rating change),
its case, counsellor and partners, the reference in force and today. A stale key cannot
match because every write changes the stamp. The caseload's rows are kept the same way
by core.services.caseload_cache.

Per database (its URL) and per process: every Database object of the same database
shares them, so a colleague's save through this server is seen by every viewer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import pandas as pd

from core.db import Database
from core.services import caseload_cache

# CoupleMemo: results kept per database and kind, about the couples open at once in a
# clinic's server (10 users). A couple's analysis is up to about 0.7 MB and its figures
# about 0.2 MB each (the demo's longest histories, ~480 ratings): some 50 MB at most.
RECENT_COUPLES = 32

T = TypeVar("T")


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


def rows_key(frame: pd.DataFrame) -> tuple[tuple[Any, ...], ...]:
    """A small frame's rows as a hashable key (a couple's homework, read on every call:
    a result computed from them is kept under them)."""
    return tuple(frame.itertuples(index=False, name=None))


_MEMOS: dict[tuple[str, str], CoupleMemo] = {}
_MEMOS_LOCK = threading.Lock()


def memo_for(db: Database, kind: str, *, size: int = RECENT_COUPLES) -> CoupleMemo:
    """The database's memo of one kind of per-couple result (e.g. "progress"), keeping
    `size` results (set by the first call for the kind)."""
    with _MEMOS_LOCK:
        return _MEMOS.setdefault((str(db.engine.url), kind), CoupleMemo(size))


def clear(db: Database) -> None:
    """Forget everything kept for the database, the caseload's rows included (its ids are
    about to mean other rows: a test emptying it, a restore)."""
    caseload_cache.cache_for(db).clear()
    with _MEMOS_LOCK:
        memos = [memo for (url, _kind), memo in _MEMOS.items() if url == str(db.engine.url)]
    for memo in memos:
        memo.clear()
