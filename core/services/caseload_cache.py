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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core import progress
from core.db import Database

VERSIONS = ["rating_version", "record_version"]
URGENCY = "_urgency"  # the progress status's rank, kept to sort without a text column
INTERNAL = [*VERSIONS, URGENCY]
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
    table_of: tuple[Any, ...] | None = None  # (keys, context, names) the table was made of
    order_of: tuple[int, Hashable] | None = None  # (id of the keys, context) of `orders`
    orders: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


class CaseloadCache:
    """Rows indexed by couple_id with their VERSIONS, all computed for one context (the
    reference and today they were judged by); thread-safe (Streamlit serves each browser
    session from its own thread)."""

    def __init__(self) -> None:
        self._rows = pd.DataFrame()
        self._lock = threading.Lock()
        self._views: OrderedDict[Hashable, _View] = OrderedDict()
        self._pages = PageStore()  # pages taken of the rows, for self.context
        self.context: Hashable | None = None  # the key of what the rows were judged by
        # What the last view judged by (the reference and today): a write rebuilds its
        # couple for it at once (caseload_views.refresh_after_write).
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
        return self._keys_of(view, kept, stamps, read)

    def _keys_of(
        self,
        view: Hashable,
        kept: _View | None,
        stamps: pd.Series,
        read: Callable[[list[int] | None], pd.DataFrame],
    ) -> pd.DataFrame:
        if kept is None:
            keys = read(None)
        else:
            before = kept.stamps.reindex(stamps.index)
            moved = stamps.index[(before != stamps).to_numpy()].tolist()
            if not moved:
                return kept.keys
            keys = _spliced(kept.keys, read(moved), moved)
        with self._lock:
            if kept is not None and view not in self._views:
                return keys  # dropped meanwhile (a clear, or too many views): not kept
            self._views[view] = _View(stamps, keys)  # its table and orders: made anew
            while len(self._views) > MAX_VIEWS:
                self._views.popitem(last=False)
        return keys

    def views_with(self, counsellor_id: int, most: int) -> list[Hashable]:
        """The `most` views seen last whose stamps include `counsellor_id`'s (a view of
        their caseload, or of every caseload)."""
        with self._lock:
            found = [v for v, kept in reversed(self._views.items()) if counsellor_id in kept.stamps]
        return found[:most]

    def follow_write(
        self,
        view: Hashable,
        counsellor_id: int,
        version: int,
        read: Callable[[list[int] | None], pd.DataFrame],
        context: Hashable,
        compute: Callable[[list[int]], pd.DataFrame],
    ) -> None:
        """Bring `view` up to a write its caller just committed: the keys of the
        counsellor whose stamp moved to `version` read again (`read`, as the view's own
        next run would), and the sorted orders it had for `context` made again, so that
        the next run of the view finds nothing moved (the writer pays, not the readers).
        `version` must have been read before `read` runs."""
        with self._lock:
            kept = self._views.get(view)
        if kept is None or counsellor_id not in kept.stamps:
            return
        stamps = kept.stamps.copy()
        stamps[counsellor_id] = version
        sorts = list(kept.orders) if kept.order_of and kept.order_of[1] == context else []
        keys = self._keys_of(view, kept, stamps, read)
        for by in sorts:
            self._order(view, keys, context, compute, by)

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
        if kept is not None and kept.table is not None and kept.table_of is not None:
            made_of_keys, made_for, made_with = kept.table_of
            if made_of_keys is keys and made_for == context and made_with.equals(names):
                return kept.table
        rows = self.rows(keys, context, compute)
        # The name from the counsellors' list read with the stamps: a renamed account
        # changes no couple's row.
        counsellor_of = keys.set_index("couple_id")["counsellor_id"]
        table = rows.assign(counsellor=rows["couple_id"].map(counsellor_of).map(names))
        if kept is not None and kept.keys is keys:
            with self._lock:
                kept.table, kept.table_of = table, (keys, context, names)
        return table

    def sorted_view(
        self,
        view: Hashable,
        keys: pd.DataFrame,
        names: pd.Series,
        context: Hashable,
        compute: Callable[[list[int]], pd.DataFrame],
        by: str,
    ) -> SortedCaseload:
        """The caseload of `view` sorted `by` ("attention": needs_attention_first's order,
        or "case_code"), to be read a page at a time: after a write, the order is made
        from three numeric columns of the kept rows, and only the page shown is ever
        materialised (no 20,000-row table per view)."""
        frame, (couple_ids, counsellor_ids) = self._order(view, keys, context, compute, by)
        with self._lock:
            pages = self._pages if context == self.context else PageStore()
        return SortedCaseload(frame, couple_ids, counsellor_ids, names, pages)

    def _order(
        self,
        view: Hashable,
        keys: pd.DataFrame,
        context: Hashable,
        compute: Callable[[list[int]], pd.DataFrame],
        by: str,
    ) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray]]:
        """The kept rows and `view`'s order `by` of `keys`: the one kept for these keys
        and context, or made now (and kept, when `keys` are the view's)."""
        with self._lock:
            kept = self._views.get(view)
            fresh = context == self.context
            frame = self._rows
        done = None
        if fresh and kept is not None and kept.order_of == (id(keys), context):
            done = kept.orders.get(by)
        if done is None:
            frame = self._ensure(keys, context, compute)
            done = _ordered(frame, keys, by)
            if kept is not None and kept.keys is keys:
                with self._lock:
                    if kept.order_of != (id(keys), context):
                        kept.order_of, kept.orders = (id(keys), context), {}
                    kept.orders[by] = done
        return frame, done

    def rows(
        self,
        keys: pd.DataFrame,
        context: Hashable,
        compute: Callable[[list[int]], pd.DataFrame],
    ) -> pd.DataFrame:
        """The rows of `keys` (couple_id and VERSIONS, in the order wanted), computing with
        `compute(couple_ids)` (a frame with a couple_id column) those not cached at
        their versions for `context`. Returned without the cache's own columns."""
        cached = self._ensure(keys, context, compute)
        known = cached.reindex(pd.Index(keys["couple_id"], name="couple_id"))
        found = known[VERSIONS[0]].notna()  # a couple gone since its stamp was read
        return known.loc[found.to_numpy()].drop(columns=INTERNAL).reset_index()

    def _ensure(
        self,
        keys: pd.DataFrame,
        context: Hashable,
        compute: Callable[[list[int]], pd.DataFrame],
    ) -> pd.DataFrame:
        """The kept rows (indexed by couple_id), every couple of `keys` in them at its
        versions for `context`: the stale ones computed first. Never changed in place
        (a store makes a new frame), so a caller may read it after the lock."""
        with self._lock:
            if context != self.context:
                self._rows, self._pages, self.context = pd.DataFrame(), PageStore(), context
            cached = self._rows
        wanted = pd.Index(keys["couple_id"], name="couple_id")
        stale = np.ones(len(wanted), dtype=bool)
        if len(cached):
            kept_versions = cached[VERSIONS].reindex(wanted).to_numpy()
            stale = (kept_versions != keys[VERSIONS].to_numpy()).any(axis=1)
        if stale.any():
            fresh = compute(wanted[stale].tolist()).set_index("couple_id")
            fresh[VERSIONS] = keys.set_index("couple_id").loc[fresh.index, VERSIONS]
            fresh[URGENCY] = progress.urgency(fresh["progress_status"])
            cached = self._store(cached, fresh, context)
        return cached

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
            self._pages = PageStore()
            self._views.clear()


def _spliced(kept: pd.DataFrame, fresh: pd.DataFrame, counsellors: list[int]) -> pd.DataFrame:
    """`kept` keys with those of `counsellors` replaced by `fresh`, by case code. When the
    same couples come back (a note or rating saved: the usual write), their counsellor and
    versions are replaced in place; otherwise the keys are merged and sorted again."""
    theirs = np.isin(kept["counsellor_id"].to_numpy(), counsellors)
    if (
        theirs.sum() == len(fresh)
        and (kept["couple_id"].to_numpy()[theirs] == fresh["couple_id"].to_numpy()).all()
    ):
        # The counsellor too: a couple reassigned between two of them stays in the view.
        # Column by column in numpy: a masked .loc assignment cost milliseconds a write.
        columns = {name: kept[name].to_numpy() for name in kept.columns}
        for name in ("counsellor_id", *VERSIONS):
            columns[name] = columns[name].copy()
            columns[name][theirs] = fresh[name].to_numpy()
        return pd.DataFrame(columns, columns=kept.columns)
    merged = pd.concat([kept.loc[~theirs], fresh], ignore_index=True)
    return merged.sort_values("case_code", kind="stable", ignore_index=True)


class PageStore:
    """Pages of caseload rows as taken (SortedCaseload.rows), by their couples and those
    couples' VERSIONS, for one context: a row depends only on its couple's records (their
    stamps) and the context, so a page stands until one of its own couples changes, across
    writes to other couples (each of which makes new kept rows). The latest MAX_PAGES are
    kept; thread-safe."""

    MAX_PAGES = 64

    def __init__(self) -> None:
        self._pages: OrderedDict[tuple[bytes, bytes], pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[bytes, bytes], make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
                return found
        made = make()
        with self._lock:
            self._pages[key] = made
            while len(self._pages) > self.MAX_PAGES:
                self._pages.popitem(last=False)
        return made


@dataclass(frozen=True)
class SortedCaseload:
    """A sorted caseload read a page at a time (core.paging.Rows): the kept rows and the
    couples in display order with their counsellors' names; `rows` materialises only
    the slice asked for, in caseload_progress's columns."""

    frame: pd.DataFrame  # the cache's rows, indexed by couple_id (never changed in place)
    couple_ids: np.ndarray
    counsellor_ids: np.ndarray
    names: pd.Series  # display name by counsellor id
    pages: PageStore = field(default_factory=PageStore)  # pages taken, for the frame's context

    @classmethod
    def nothing(cls, columns: list[str], names: pd.Series) -> SortedCaseload:
        """An empty caseload with these columns (couple_id among them)."""
        frame = pd.DataFrame(columns=[*columns, *INTERNAL]).set_index("couple_id")
        empty = np.array([], dtype="int64")
        return cls(frame, empty, empty, names)

    def __len__(self) -> int:
        return len(self.couple_ids)

    @property
    def empty(self) -> bool:
        return len(self) == 0

    def rows(self, start: int, stop: int) -> pd.DataFrame:
        ids = self.couple_ids[start:stop]
        # Taken once per page of couples at their versions (1-4 ms of pandas a page), so
        # a write to a couple not on the page costs the next run nothing here; which
        # versions those are is found once per kept rows.
        key = kept_with(self.frame, ("page", ids.tobytes()), lambda: self._page_key(ids))
        rows = self.pages.get(key, lambda: self._taken(ids))
        names = self.names.reindex(self.counsellor_ids[start:stop]).to_numpy()
        return rows.assign(counsellor=names)

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        positions = self.frame.index.get_indexer(ids)
        if (positions < 0).any():  # never a wrong row for a missing one (take(-1) is the last)
            raise KeyError("a couple of the order is not among the kept rows")
        return positions

    def _page_key(self, ids: np.ndarray) -> tuple[bytes, bytes]:
        versions = self.frame[VERSIONS].to_numpy()[self._positions(ids)]
        return ids.tobytes(), versions.tobytes()

    def _taken(self, ids: np.ndarray) -> pd.DataFrame:
        return self.frame.take(self._positions(ids)).drop(columns=INTERNAL).reset_index()


def _ordered(frame: pd.DataFrame, keys: pd.DataFrame, by: str) -> tuple[np.ndarray, np.ndarray]:
    """The couple ids of `keys` found in `frame`, sorted `by`, with their counsellor ids."""
    columns = ["attention", URGENCY, "weeks_since_last_session"]
    sort_keys = frame[columns].reindex(pd.Index(keys["couple_id"], name="couple_id"))
    found = sort_keys["attention"].notna().to_numpy()  # a couple gone since its stamp was read
    positions = np.flatnonzero(found)
    if by == "attention":
        found_keys = sort_keys.iloc[positions]
        positions = positions[
            progress.attention_order_of(
                found_keys["attention"].to_numpy(dtype="int64"),
                found_keys[URGENCY].to_numpy(dtype="float64"),
                found_keys["weeks_since_last_session"].to_numpy(dtype="float64", na_value=np.nan),
                np.arange(len(positions)),  # keys come by case code
            )
        ]
    elif by != "case_code":
        raise ValueError(f"No caseload sort {by!r}")
    return (
        keys["couple_id"].to_numpy()[positions],
        keys["counsellor_id"].to_numpy()[positions],
    )


# What pages derive from a served table (its sorted order, the outcomes per counsellor, a
# chart), kept as long as the table itself: a table is served again, the same object,
# until something it shows changes, so its derivations are computed once per change.
_DERIVED: dict[int, dict[Hashable, Any]] = {}
_DERIVED_LOCK = threading.Lock()
# Derivations kept per table, the oldest dropped first: a table may stand for hours
# without a write while each search shows a page of its own.
MAX_DERIVED = 64


def kept_with(table: pd.DataFrame, key: Hashable, make: Callable[[], Any]) -> Any:
    """`make()`, computed once per `table` object and `key` (while the table lives, and
    among its MAX_DERIVED latest keys). Only for tables nobody changes in place
    (CaseloadCache.view's, and the kept rows)."""
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
        while len(derived) > MAX_DERIVED:
            del derived[next(iter(derived))]
    return value


_CACHES: dict[str, CaseloadCache] = {}
_CACHES_LOCK = threading.Lock()


def cache_for(db: Database) -> CaseloadCache:
    url = str(db.engine.url)
    with _CACHES_LOCK:
        found = _CACHES.get(url)
        if found is None:  # not made at every call only to be thrown away
            found = _CACHES[url] = CaseloadCache()
        return found
