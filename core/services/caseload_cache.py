"""Each couple's caseload row kept between views (issue 10).

A couple's caseload row (progress, what needs attention, homework, safety, notes) depends
only on its own records, the clinic reference in force and today. The database stamps
each couple's records (core.queries.caseload.caseload_keys: a ratings stamp and a records
stamp that triggers bump on every change, migrations 0014 and 0015), so a view reads the
stamps of the couples in scope, one short row each, and rebuilds only the couples whose
stamps moved, from their own records: a save anywhere in the clinic costs the next view
one couple, never a clinic-wide read, and a supervisor's caseload of 20,000 couples costs
one read of 20,000 stamps and a reindex.

The cache is per database (its URL) and per process: every Database object of the same
database shares it, and every user's view (rows do not depend on who looks; the scope
only chooses which rows). Another server process rebuilds a changed couple at its next
view. The database stays the truth: a row is stored under the stamps read before it was
computed, so a write racing the computation leaves a stale stamp that the next view
rebuilds, never a stale row under a fresh stamp.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd

from core.db import Database

VERSIONS = ["rating_version", "record_version"]
MAX_COUPLES = 100_000  # far above a national provider's 20,000: a bound, not a policy


class CaseloadCache:
    """Rows indexed by couple_id with their VERSIONS, all computed for one context (the
    reference and today they were judged by); thread-safe (Streamlit serves each browser
    session from its own thread)."""

    def __init__(self) -> None:
        self._rows = pd.DataFrame()
        self._lock = threading.Lock()
        self.context: Hashable | None = None  # the key of what the rows were judged by
        # What the last view judged by (the reference and today): a write rebuilds its
        # couple for it at once (progress_views.refresh_after_write).
        self.last_view: tuple[Any, Any] | None = None

    def rows(
        self,
        keys: pd.DataFrame,
        context: Hashable,
        compute: Callable[[list[int]], pd.DataFrame],
    ) -> pd.DataFrame:
        """The rows of `keys` (couple_id and VERSIONS, in the order wanted), computing with
        `compute(couple_ids)` (a frame with a couple_id column) those not cached at
        their versions for `context`. Returned without the VERSIONS columns."""
        with self._lock:
            if context != self.context:
                self._rows, self.context = pd.DataFrame(), context
            cached = self._rows
        wanted = pd.Index(keys["couple_id"], name="couple_id")
        known = cached.reindex(wanted) if len(cached) else pd.DataFrame(index=wanted)
        stale = pd.Series(True, index=wanted)
        if len(cached):
            stale = (known[VERSIONS] != keys.set_index("couple_id")[VERSIONS]).any(axis=1)
        if stale.any():
            missing = wanted[stale.to_numpy()]
            fresh = compute(missing.tolist()).set_index("couple_id")
            fresh[VERSIONS] = keys.set_index("couple_id").loc[fresh.index, VERSIONS]
            cached = self._store(cached, fresh, context)
            known = cached.reindex(wanted)
        found = known[VERSIONS[0]].notna()  # a couple gone since its stamp was read
        return known.loc[found.to_numpy()].drop(columns=VERSIONS).reset_index()

    def _store(self, cached: pd.DataFrame, fresh: pd.DataFrame, context: Hashable) -> pd.DataFrame:
        kept = cached.drop(index=fresh.index, errors="ignore") if len(cached) else None
        merged = fresh if kept is None or kept.empty else pd.concat([kept, fresh])
        with self._lock:
            if context == self.context and len(merged) <= MAX_COUPLES:
                self._rows = merged
        return merged

    def clear(self) -> None:
        with self._lock:
            self._rows, self.context, self.last_view = pd.DataFrame(), None, None


_CACHES: dict[str, CaseloadCache] = {}
_CACHES_LOCK = threading.Lock()


def cache_for(db: Database) -> CaseloadCache:
    with _CACHES_LOCK:
        return _CACHES.setdefault(str(db.engine.url), CaseloadCache())
