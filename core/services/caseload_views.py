"""The caseload for the pages: each couple's row (progress status, what needs a second
look, homework, safety, notes) kept between views by core.services.caseload_cache and
rebuilt from the couple's own records when they change; the supervision summary; and the
writer's side: a save brings the kept rows and the views seen last up to it.

Reads = access + queries (core.queries, within the actor's caseload scope) + the pure
analytics (core.progress)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy.orm import Session

from core import progress
from core.db import Database
from core.domain import (
    CHECK_IN_CHIP,
    SAFETY_HOLD_CHIP,
    TRAUMA_CHIP,
    CoupleStatus,
    Role,
    concern_badge,
)
from core.models import Couple
from core.queries import caseload as caseload_queries
from core.queries import checkins as check_in_queries
from core.queries import homework as homework_queries
from core.queries import ratings as rating_queries
from core.queries import safety as safety_queries
from core.queries import sessions as session_queries
from core.schemas import SearchIn, parse
from core.services import caseload_cache
from core.services.access import (
    Actor,
    caseload_owner,
    caseload_scope,
    require_active,
    require_role,
    scope_of_caseload,
)
from core.services.caseload_cache import kept_with as kept_with
from core.services.reference import ClinicReference

logger = logging.getLogger(__name__)


def caseload_progress(
    db: Database,
    actor: Actor,
    *,
    today: date,
    reference: ClinicReference,
    statuses: list[CoupleStatus] | None = None,
    counsellor_ids: list[int] | None = None,
    search: str = "",
) -> pd.DataFrame:
    """The caseload with progress status, flags and an attention score per couple, by
    case code (caseload_summary's columns); filtered in the database. Read-only: the
    same table is served again until something it shows changes.

    Each couple's row comes from the per-couple cache (core.services.caseload_cache):
    only couples whose records changed since the last view, or all of them on a new day
    or reference, are rebuilt, from their own records; and only the counsellors whose
    couples changed have their couples' stamps read again."""
    view, keys, names = _caseload_keys(db, actor, statuses, counsellor_ids, search)
    if keys.empty:
        return pd.DataFrame(columns=caseload_queries.CASELOAD_COLUMNS)
    cache = caseload_cache.cache_for(db)
    cache.last_view = (reference, today)
    return cache.view(
        view,
        keys,
        names,
        reference.judging(today),
        lambda ids: _rows_of(db, ids, reference, today),
    )


# What a page shows while `count` couples' caseload rows are rebuilt (e.g. a spinner).
Rebuilding = Callable[[int], AbstractContextManager[object]]


def sorted_caseload_view(
    db: Database,
    actor: Actor,
    *,
    today: date,
    reference: ClinicReference,
    sort: str,
    statuses: list[CoupleStatus] | None = None,
    counsellor_ids: list[int] | None = None,
    search: str = "",
    rebuilding: Rebuilding = lambda count: nullcontext(),
) -> caseload_cache.SortedCaseload:
    """The caseload_progress rows sorted by `sort` ("attention" or "case_code"), to be
    read a page at a time (core.paging): what the caseload page shows. `rebuilding(n)`
    is entered while n couples' rows are rebuilt (the page's spinner), never when every
    row is kept (the usual view: no spinner to set up)."""
    view, keys, names = _caseload_keys(db, actor, statuses, counsellor_ids, search)
    cache = caseload_cache.cache_for(db)
    if keys.empty:
        return caseload_cache.SortedCaseload.nothing(caseload_queries.CASELOAD_COLUMNS, names)
    cache.last_view = (reference, today)

    def rebuild(ids: list[int]) -> pd.DataFrame:
        with rebuilding(len(ids)):
            return _rows_of(db, ids, reference, today)

    return cache.sorted_view(view, keys, names, reference.judging(today), rebuild, sort)


def _caseload_keys(
    db: Database,
    actor: Actor,
    statuses: list[CoupleStatus] | None,
    counsellor_ids: list[int] | None,
    search: str,
) -> tuple[CaseloadView, pd.DataFrame, pd.Series]:
    """The view (who looks, and the filters), its couples' keys (kept between views,
    re-read only for counsellors whose stamp moved) and the counsellors' names."""
    view = CaseloadView(
        caseload_owner(actor),
        tuple(sorted(statuses or [])),
        tuple(sorted(counsellor_ids or [])),
        parse(SearchIn, {"query": search}).query,
    )
    with db.read() as session:
        require_active(session, actor)
        stamps = caseload_queries.counsellor_stamps(session, view.owner)
        keys = caseload_cache.cache_for(db).keys(view, stamps["version"], view.reader(session))
    return view, keys, stamps["counsellor"]


class CaseloadView(NamedTuple):
    """Who looks (a caseload_owner) and the filters: what a kept view is keyed by."""

    owner: int | None
    statuses: tuple[CoupleStatus, ...]
    counsellor_ids: tuple[int, ...]
    search: str

    def reader(self, session: Session) -> Callable[[list[int] | None], pd.DataFrame]:
        """What reads the view's keys in `session`: its couples (those of the counsellors
        given, or all) in its scope, with its filters."""
        scope = scope_of_caseload(self.owner)
        filters = {
            "statuses": list(self.statuses),
            "counsellor_ids": list(self.counsellor_ids),
            "search": self.search,
        }

        def read(counsellors: list[int] | None) -> pd.DataFrame:
            where = scope if counsellors is None else scope & Couple.counsellor_id.in_(counsellors)
            return caseload_queries.caseload_keys(session, where, **filters)

        return read


# Views (the caseloads seen last that hold the written couple's counsellor) brought up
# to a write by the writer: at most this many, so a save's cost stays bounded; any other
# view catches up at its own next run.
FOLLOWED_VIEWS = 8


def refresh_after_write(db: Database, couple_id: int) -> None:
    """Rebuild one couple's caseload row into the cache right after its records changed,
    for what the last caseload view judged by, and bring the views seen last up to it
    (their keys and sorted orders, caseload_cache.follow_write), so the next view
    (anyone's, in this process) finds it ready: the writer pays for the rebuild, not the
    readers. Called by the services that save notes and ratings, after their
    transaction."""
    cache = caseload_cache.cache_for(db)
    if cache.last_view is None:
        return  # no caseload viewed yet in this process: the first view computes
    reference, today = cache.last_view
    judged = reference.judging(today)

    def compute(ids: list[int]) -> pd.DataFrame:
        return _rows_of(db, ids, reference, today)

    try:
        with db.read() as session:
            keys = caseload_queries.caseload_keys(session, Couple.id == couple_id)
            if keys.empty:
                return
            counsellor_id = int(keys["counsellor_id"].iloc[0])
            # Read before any view's keys below: keys never older than their stamp.
            version = int(
                caseload_queries.counsellor_stamps(session, counsellor_id)["version"].iloc[0]
            )
        cache.rows(keys, judged, compute)
        with db.read() as session:
            for view in cache.views_with(counsellor_id, FOLLOWED_VIEWS):
                reader = view.reader(session)
                cache.follow_write(view, counsellor_id, version, reader, judged, compute)
    except Exception:  # the save is committed: a failed warm-up only leaves it to the view
        logger.warning(
            "Caseload row of couple %s not rebuilt after a write", couple_id, exc_info=True
        )


# Couples rebuilt per batch when many are stale (a cold cache, a new day or reference):
# one batch's ratings in memory at a time, not the clinic's (at 2,000 couples a cold
# caseload view's peak went from +130 MB to +30 MB, and no slower).
REBUILD_CHUNK = 250


def _rows_of(
    db: Database, couple_ids: list[int], reference: ClinicReference, today: date
) -> pd.DataFrame:
    """The caseload rows of `couple_ids`, from their own records only."""
    parts = [
        _chunk_rows(db, couple_ids[start : start + REBUILD_CHUNK], reference, today)
        for start in range(0, len(couple_ids), REBUILD_CHUNK)
    ]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _chunk_rows(
    db: Database, couple_ids: list[int], reference: ClinicReference, today: date
) -> pd.DataFrame:
    scope = Couple.id.in_(couple_ids)
    with db.read() as session:
        roster = caseload_queries.caseload_frame(session, scope, today=today)
        ratings = rating_queries.measures_frame(
            session, scope, couple_ids=couple_ids, with_items=False
        )
    columns = progress.progress_columns(
        ratings, reference.constants, couples=roster, band=reference.band, today=today
    )
    return progress.caseload_summary(
        None,
        couples=roster,
        extras=_extras(db, scope, roster["couple_id"], today),
        today=today,
        progress=columns,
    )


def supervision(
    db: Database,
    actor: Actor,
    *,
    today: date,
    reference: ClinicReference,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every couple's summary and the outcomes per counsellor (supervisors and admins)."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN, doing="open the supervision view")
    summary = caseload_progress(db, actor, today=today, reference=reference)
    if summary.empty:
        return summary, pd.DataFrame()
    return summary, kept_with(summary, "outcomes", lambda: progress.outcomes_by_counsellor(summary))


def _extras(db: Database, scope: Any, couple_ids: pd.Series, today: date) -> pd.DataFrame:
    """Per couple of `couple_ids` (one read of the couples in `scope`): overdue homework,
    unsigned notes, the open safety concerns in words, homework awaiting a
    pause-or-continue decision under them, open trauma follow-ups, and the Safety
    column's chips."""
    with db.read() as session:
        overdue = homework_queries.overdue_counts(session, scope, today)
        unsigned = session_queries.unsigned_counts(session, scope, today)
        concerns = safety_queries.open_concern_words(session, scope)
        trauma = safety_queries.open_follow_up_partners(session, scope)
        checked = check_in_queries.caseload_counts(session, scope)
        holds = homework_queries.safety_holds(session, scope)
    frame = pd.DataFrame({"couple_id": couple_ids})
    frame["overdue_homework"] = frame["couple_id"].map(overdue).fillna(0).astype(int)
    frame["unsigned_notes"] = frame["couple_id"].map(unsigned).fillna(0).astype(int)
    frame["safety_homework"] = frame["couple_id"].map(holds).fillna(0).astype(int)
    words = [concerns.get(couple_id, []) for couple_id in frame["couple_id"]]
    waiting = [trauma.get(couple_id, []) for couple_id in frame["couple_id"]]
    frame["safety_concern"] = [bool(found) for found in words]
    frame["safety_concerns"] = [", ".join(found) for found in words]
    frame["trauma_follow_up"] = [len(names) for names in waiting]
    seen = [checked.get(couple_id, (0, [])) for couple_id in frame["couple_id"]]
    frame["new_check_ins"] = [count for count, _flags in seen]
    frame["check_in_flags"] = ["; ".join(dict.fromkeys(flags)) for _count, flags in seen]
    frame["safety"] = [
        [concern_badge(label, short=True) for label in found]
        + ([SAFETY_HOLD_CHIP] if held else [])
        + ([TRAUMA_CHIP] if names else [])
        + ([CHECK_IN_CHIP] if flags else [])
        for found, held, names, flags in zip(
            words, frame["safety_homework"], waiting, frame["check_in_flags"], strict=True
        )
    ]
    return frame


# The main columns first: they fit at 1280 px (the counts after them are also named in
# the attention reasons, and scroll into view).
CASELOAD_VIEW_COLUMNS = [
    "case_code",
    "partners",
    "counsellor",
    "status",
    "progress_status",
    "safety",
    "attention_reasons",
    "weeks_in_care",
    "last_session",
    "sessions",
    "new_check_ins",
    "overdue_homework",
    "unsigned_notes",
]


def sorted_caseload(summary: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """'attention': what needs a second look first; otherwise by that column."""
    if by == "attention":
        return progress.needs_attention_first(summary).reset_index(drop=True)
    return summary.sort_values(by, kind="stable").reset_index(drop=True)


def has_couples(db: Database, actor: Actor) -> bool:
    """Whether the actor's caseload has any couple at all, whatever the filters (what the
    caseload page asks when its filters match nothing: a search at 2,000 couples read the
    whole caseload, 75 ms, to learn that)."""
    with db.read() as session:
        require_active(session, actor)
        return caseload_queries.any_couple(session, caseload_scope(actor))


def outcomes_table(outcomes: pd.DataFrame) -> pd.DataFrame:
    if outcomes.empty:
        return outcomes
    return pd.DataFrame(
        {
            "Counsellor": outcomes["counsellor"],
            "Couples": outcomes["couples"],
            "Past 26 weeks": outcomes["past_26"],
            "Rated at 26 weeks": outcomes["rated_26"],
            "Improved or recovered": outcomes["improved_or_recovered"],
            "Deteriorated": outcomes["deteriorated"],
            "Not rated at 26 weeks": outcomes["not_rated"],
            "Share improved (% of past 26 weeks)": (100 * outcomes["share_improved"]).round(0),
            "Share improved (% of rated)": (100 * outcomes["share_improved_rated"]).round(0),
        }
    )


FLAGGED_COLUMNS = ["case_code", "counsellor", "progress_status", "safety", "attention_reasons"]


def needing_attention(summary: pd.DataFrame) -> pd.DataFrame:
    """The flagged couples, what needs a second look first (kept with a served table)."""

    def flagged() -> pd.DataFrame:
        ordered = progress.needs_attention_first(summary)
        ordered = ordered.loc[ordered["attention"] > 0]
        return ordered[FLAGGED_COLUMNS]

    return kept_with(summary, "flagged", flagged)
