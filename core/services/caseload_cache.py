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

Reading 20,000 couples' stamps still cost a supervisor's view 30 ms to learn that nothing
changed. So each view (who looks, and the filters) also keeps its couples' keys with the
per-counsellor stamps they were read under (migration 0016: bumped whenever a couple of
the counsellor changes or leaves them); the next view reads one short row per counsellor
and re-reads the keys of only the counsellors whose stamp moved (`keys`), and when no key
and no name moved, the finished table of the last view is served again (`view`). The
per-counsellor stamps are read before the keys, so the keys are never older than the
stamps they are kept under.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.db import Database

VERSIONS = ["rating_version", "record_version"]
MAX_COUPLES = 100_000  # far above a national provider's 20,000: a bound, not a policy
# Views kept per database: each role's scope with the filters in use (a search is a view
# of its own); the least recently seen is dropped first.
MAX_VIEWS = 64


@dataclass
class _View:
    """One view's keys, the counsellor stamps they were read under, and its last table."""

    stamps: pd.Series  # version by counsellor_id
    keys: pd.DataFrame
    table: pd.DataFrame | None = None
    table_of: tuple[Any, ...] | None = None  # (keys, names, context) the table was made of


class CaseloadCache:
    """Rows indexed by couple_id with their VERSIONS, all computed for one context (the
    reference and today they were judged by); thread-safe (Streamlit serves each browser
    session from its own thread)."""

    def __init__(self) -> None:
        self._rows = pd.DataFrame()
        self._lock = threading.Lock()
        self._views: OrderedDict[Hashable, _View] = OrderedDict()
        self.context: Hashable | None = None  # the key of what the rows were judged by
        # What the last view judged by (the reference and today): a write rebuilds its
        # couple for it at once (progress_views.refresh_after_write).
        self.last_view: tuple[Any, Any] | None = None

    def keys(
        self,
        view: Hashable,
        stamps: pd.Series,
        read: Callable[[list[int] | None], pd.DataFrame],
    ) -> pd.DataFrame:
        """The keys (caseload_queries.KEY_COLUMNS, by case code) of `view`, given the
        counsellor stamps just read (version by counsellor_id): those kept for the view
        if no stamp moved, else the kept ones with the couples of the counsellors whose
        stamp moved read again (`read(counsellor_ids)`; `read(None)` reads all)."""
        with self._lock:
            kept = self._views.get(view)
            if kept is not None:
                self._views.move_to_end(view)
        if kept is None:
            keys = read(None)
        else:
            before = kept.stamps.reindex(stamps.index)
            moved = stamps.index[(before != stamps).to_numpy()].tolist()
            if not moved:
                return kept.keys
            keys = _spliced(kept.keys, read(moved), moved)
        with self._lock:
            self._views[view] = _View(stamps, keys)
            self._views.move_to_end(view)
            while len(self._views) > MAX_VIEWS:
                self._views.popitem(last=False)
        return keys

    def view(
        self,
        view: Hashable,
        keys: pd.DataFrame,
        names: pd.Series,
        context: Hashable,
        compute: Callable[[list[int]], pd.DataFrame],
    ) -> pd.DataFrame:
        """The caseload table of `view`: the rows of `keys` (`rows`) with each couple's
        counsellor's name from `names`; the last one again if it was made of these very
        keys, the same names and context. Callers must not change it in place."""
        with self._lock:
            kept = self._views.get(view)
        made_of = (keys, context)
        if (
            kept is not None
            and kept.table is not None
            and kept.table_of is not None
            and kept.table_of[0] is keys
            and kept.table_of[1] == context
            and kept.table_of[2].equals(names)
        ):
            return kept.table
        rows = self.rows(keys, context, compute)
        # The name from the counsellors' list read with the stamps: a renamed account
        # changes no couple's row.
        counsellor_of = keys.set_index("couple_id")["counsellor_id"]
        table = rows.assign(counsellor=rows["couple_id"].map(counsellor_of).map(names))
        if kept is not None and kept.keys is keys:
            with self._lock:
                kept.table, kept.table_of = table, (*made_of, names)
        return table

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
            self._views.clear()


def _spliced(kept: pd.DataFrame, fresh: pd.DataFrame, counsellors: list[int]) -> pd.DataFrame:
    """`kept` keys with those of `counsellors` replaced by `fresh`, by case code. When the
    same couples come back (a note or rating saved: the usual write), their counsellor and
    versions are replaced in place; otherwise the keys are merged and sorted again."""
    theirs = kept["counsellor_id"].isin(counsellors).to_numpy()
    if (
        theirs.sum() == len(fresh)
        and (kept.loc[theirs, "couple_id"].to_numpy() == fresh["couple_id"].to_numpy()).all()
    ):
        keys = kept.copy()
        # The counsellor too: a couple reassigned between two of them stays in the view.
        moved = ["counsellor_id", *VERSIONS]
        keys.loc[theirs, moved] = fresh[moved].to_numpy()
        return keys
    merged = pd.concat([kept.loc[~theirs], fresh], ignore_index=True)
    return merged.sort_values("case_code", kind="stable", ignore_index=True)


# What pages derive from a served table (its sorted order, the outcomes per counsellor, a
# chart), kept as long as the table itself: a table is served again, the same object,
# until something it shows changes, so its derivations are computed once per change.
_DERIVED: dict[int, dict[Hashable, Any]] = {}
_DERIVED_LOCK = threading.Lock()


def kept_with(table: pd.DataFrame, key: Hashable, make: Callable[[], Any]) -> Any:
    """`make()`, computed once per `table` object and `key` (while the table lives).
    Only for tables nobody changes in place (CaseloadCache.view's)."""
    with _DERIVED_LOCK:
        derived = _DERIVED.get(id(table))
        if derived is None:
            derived = _DERIVED[id(table)] = {}
            weakref.finalize(table, _DERIVED.pop, id(table), None)
        if key in derived:
            return derived[key]
    value = make()
    with _DERIVED_LOCK:
        derived[key] = value
    return value


_CACHES: dict[str, CaseloadCache] = {}
_CACHES_LOCK = threading.Lock()


def cache_for(db: Database) -> CaseloadCache:
    with _CACHES_LOCK:
        return _CACHES.setdefault(str(db.engine.url), CaseloadCache())
