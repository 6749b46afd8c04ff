"""Progress for the pages: access checks, clinic-wide reference data (the stored snapshot
in force, core.services.reference) and the per-couple extras (homework, safety, unsigned
notes) around core.progress.

Reads = access + queries (core.queries.ratings, within the actor's caseload scope) +
the pure analytics (core.progress)."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy.orm import Session, selectinload

from core import charts, progress
from core.adherence import adherence_by_week as weekly_adherence
from core.db import Database
from core.domain import (
    CHECK_IN_CHIP,
    RATING_SOURCE_LABELS,
    SAFETY_HOLD_CHIP,
    TRAUMA_CHIP,
    CaseRead,
    CoupleStatus,
    Role,
    concern_badge,
    weeks_in_care,
)
from core.measures import INSTRUMENTS
from core.models import Couple
from core.queries import caseload as caseload_queries
from core.queries import checkins as check_in_queries
from core.queries import homework as homework_queries
from core.queries import ratings as rating_queries
from core.queries import safety as safety_queries
from core.queries import sessions as session_queries
from core.schemas import SearchIn, parse
from core.services import audit, caseload_cache, couples, progress_cache
from core.services.access import (
    Actor,
    caseload_scope,
    load_couple,
    require_active,
    require_role,
    require_view,
)
from core.services.caseload_cache import kept_with as kept_with

# The clinic's reference in force (a stored, dated snapshot): core.services.reference.
from core.services.reference import ClinicReference as ClinicReference
from core.services.reference import clinic_reference as clinic_reference
from core.services.reference import current_reference_id as current_reference_id
from core.services.reference import recompute_reference as recompute_reference
from core.services.reference import reference_history as reference_history
from core.services.reference import reference_snapshot as reference_snapshot

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoupleProgress:
    ratings: pd.DataFrame
    changes: pd.DataFrame
    milestones: pd.DataFrame
    partners: pd.DataFrame  # status per partner
    status: str
    reason: str
    asymmetry: str  # "" when none
    adherence_by_week: pd.DataFrame  # homework adherence per partner and week (the chart)
    couple_id: int = 0
    case_code: str = ""
    named: bool = True  # False: "Partner A" and "Partner B" (couple_progress's names)
    # What the result was computed from (progress_charts keys its figures by them).
    key: Hashable = None  # the ratings' analysis: stamp, case, partners, reference, today
    adherence_key: Hashable = None  # the homework adherence: its inputs, intake, today


def couple_progress(
    db: Database,
    actor: Actor,
    couple_id: int,
    *,
    today: date,
    reference: ClinicReference,
    names: bool = True,
) -> CoupleProgress:
    """Everything the Progress tab draws for one couple, read in one session: ratings
    with their analysis and the homework adherence by week. `names=False` calls the
    partners "Partner A" and "Partner B" throughout (reasons, charts), as a report
    without names needs.

    Access is checked and the read audited on every call; the analysis is kept for the
    couples viewed lately (progress_cache.memo_for), keyed by what it depends on: the
    couple's ratings stamp (bumped by the database on every rating change), case code,
    counsellor, partners, the reference in force and today; the adherence by its own
    inputs (the couple's homework and completions, read on every call). The result is
    shared with other viewers: read it, never change it."""
    with db.read() as session:
        analysis, row = _kept_analysis(session, db, actor, couple_id, today, reference, names)
        intake = row.intake_date
        called = {p.label: p.name if names else f"Partner {p.label}" for p in row.partners}
        given, done = homework_queries.adherence_inputs(session, couple_id)
    audit.record_read(db, actor, couple_id, CaseRead.PROGRESS)
    adherence_key = (
        progress_cache.rows_key(given),
        progress_cache.rows_key(done),
        intake,
        today,
        tuple(called.items()),
    )
    weekly = progress_cache.memo_for(db, "adherence").get(
        (couple_id, names),
        adherence_key,
        lambda: weekly_adherence(given, done, intake, today, called),
    )
    return replace(analysis, adherence_by_week=weekly, adherence_key=adherence_key)


def couple_status(
    db: Database, actor: Actor, couple_id: int, *, today: date, reference: ClinicReference
) -> str:
    """The couple's progress status as its Progress tab says it (the Homework tab's
    suggestions follow it), from the same kept analysis; no progress read is audited."""
    with db.read() as session:
        analysis, _row = _kept_analysis(session, db, actor, couple_id, today, reference, True)
    return analysis.status


def _kept_analysis(
    session: Session,
    db: Database,
    actor: Actor,
    couple_id: int,
    today: date,
    reference: ClinicReference,
    names: bool,
) -> tuple[CoupleProgress, Couple]:
    """Access checked, the couple's analysis (no adherence) as kept for its key, or
    computed now, and the couple's row."""
    require_active(session, actor)
    row = load_couple(session, couple_id, selectinload(Couple.partners))
    require_view(actor, row)
    # The stamp is read before the ratings: a write in between leaves newer ratings under
    # an older key (recomputed at the next view), never older ratings under a newer key.
    stamp = rating_queries.couple_stamps(session, Couple.id == couple_id).get(couple_id)
    partners = tuple((p.label, p.name, p.role) for p in row.partners)
    key = (stamp, row.case_code, row.counsellor_id, partners, _judged_by(reference, today))
    called = {p.label: p.name if names else f"Partner {p.label}" for p in row.partners}
    analysis = progress_cache.memo_for(db, "progress").get(
        (couple_id, names),
        key,
        lambda: _analysis(session, actor, row, called, key, today, reference, names=names),
    )
    return analysis, row


def _analysis(
    session: Session,
    actor: Actor,
    row: Couple,
    called: dict[str, str],
    key: Hashable,
    today: date,
    reference: ClinicReference,
    *,
    names: bool,
) -> CoupleProgress:
    """The couple's ratings and their analysis (no adherence yet), computed afresh."""
    ratings = rating_queries.measures_frame(session, caseload_scope(actor), couple_ids=[row.id])
    if not names:
        ratings = ratings.assign(partner_name=ratings["partner_label"].map(called))
    changes = progress.change_table(ratings, reference.constants)
    table = progress.milestones(ratings, reference.constants)
    roster = pd.DataFrame(
        {
            "couple_id": [row.id],
            "case_code": [row.case_code],
            "name_A": [called.get("A", "Partner A")],
            "name_B": [called.get("B", "Partner B")],
        }
    )
    partners = progress.classify(
        changes,
        table,
        reference.band,
        today_weeks=weeks_in_care(row.intake_date, today),
        roster=roster,
    )
    overall = progress.couple_status(partners).iloc[0]
    gap = progress.asymmetry(changes)
    return CoupleProgress(
        ratings=ratings,
        changes=changes,
        milestones=table,
        partners=partners,
        status=str(overall["status"]),
        reason=str(overall["reason"]),
        asymmetry=str(gap["asymmetry_reason"].iloc[0]) if gap["asymmetry"].any() else "",
        adherence_by_week=pd.DataFrame(),
        couple_id=row.id,
        case_code=row.case_code,
        named=names,
        key=key,
    )


@dataclass(frozen=True)
class ProgressCharts:
    trend: go.Figure
    five_cs: go.Figure | None  # None without five C's ratings
    adherence: go.Figure | None  # None without homework


def progress_charts(
    db: Database, result: CoupleProgress, measure: str, *, reference: ClinicReference
) -> ProgressCharts:
    """The Progress tab's figures for `result` (couple_progress): the trend of `measure`
    against the reference's band, the five C's profile and the homework adherence. Each
    is built once per what it draws (the result's keys, the measure, the reference) for
    the couples viewed lately; a figure is shared by every viewer: draw it, never change it."""
    memo = progress_cache.memo_for(db, "figures", size=3 * progress_cache.RECENT_COUPLES)
    ratings, case_code = result.ratings, result.case_code
    slot = (result.couple_id, result.named)
    judged = reference.snapshot_id or id(reference)
    return ProgressCharts(
        trend=memo.get(
            (*slot, "trend", measure),
            (result.key, judged),
            lambda: charts.kept(
                charts.trend(ratings, measure, reference.band, case_code=case_code)
            ),
        ),
        five_cs=memo.get(
            (*slot, "five_cs"),
            result.key,
            lambda: charts.kept(charts.five_cs_profile(ratings, case_code=case_code)),
        )
        if "five_cs" in set(ratings["instrument"])
        else None,
        adherence=None
        if result.adherence_by_week.empty
        else memo.get(
            (*slot, "adherence"),
            (result.key, result.adherence_key),
            lambda: charts.kept(
                charts.adherence_over_time(result.adherence_by_week, case_code=case_code)
            ),
        ),
    )


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
        _judged_by(reference, today),
        lambda ids: _rows_of(db, ids, reference, today),
    )


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
) -> caseload_cache.SortedCaseload:
    """The caseload_progress rows sorted by `sort` ("attention" or "case_code"), to be
    read a page at a time (core.paging): what the caseload page shows."""
    view, keys, names = _caseload_keys(db, actor, statuses, counsellor_ids, search)
    cache = caseload_cache.cache_for(db)
    if keys.empty:
        return caseload_cache.SortedCaseload.nothing(caseload_queries.CASELOAD_COLUMNS, names)
    cache.last_view = (reference, today)
    return cache.sorted_view(
        view,
        keys,
        names,
        _judged_by(reference, today),
        lambda ids: _rows_of(db, ids, reference, today),
        sort,
    )


def _caseload_keys(
    db: Database,
    actor: Actor,
    statuses: list[CoupleStatus] | None,
    counsellor_ids: list[int] | None,
    search: str,
) -> tuple[Hashable, pd.DataFrame, pd.Series]:
    """The view (who looks, and the filters), its couples' keys (kept between views,
    re-read only for counsellors whose stamp moved) and the counsellors' names."""
    search = parse(SearchIn, {"query": search}).query
    filters = {"statuses": statuses, "counsellor_ids": counsellor_ids, "search": search}
    view = (
        "every caseload" if actor.sees_every_caseload else actor.id,
        tuple(sorted(statuses or [])),
        tuple(sorted(counsellor_ids or [])),
        search,
    )
    scope = caseload_scope(actor)
    with db.read() as session:
        require_active(session, actor)
        stamps = caseload_queries.counsellor_stamps(
            session, None if actor.sees_every_caseload else actor.id
        )

        def read(counsellors: list[int] | None) -> pd.DataFrame:
            where = scope if counsellors is None else scope & Couple.counsellor_id.in_(counsellors)
            return caseload_queries.caseload_keys(session, where, **filters)

        keys = caseload_cache.cache_for(db).keys(view, stamps["version"], read)
    return view, keys, stamps["counsellor"]


def refresh_after_write(db: Database, couple_id: int) -> None:
    """Rebuild one couple's caseload row into the cache right after its records changed,
    for what the last caseload view judged by, so the next view (anyone's, in this
    process) finds it ready: the writer pays for the rebuild, not the readers. Called by
    the services that save notes and ratings, after their transaction."""
    cache = caseload_cache.cache_for(db)
    if cache.last_view is None:
        return  # no caseload viewed yet in this process: the first view computes
    reference, today = cache.last_view
    try:
        with db.read() as session:
            keys = caseload_queries.caseload_keys(session, Couple.id == couple_id)
        cache.rows(
            keys, _judged_by(reference, today), lambda ids: _rows_of(db, ids, reference, today)
        )
    except Exception:  # the save is committed: a failed warm-up only leaves it to the view
        logger.warning(
            "Caseload row of couple %s not rebuilt after a write", couple_id, exc_info=True
        )


def _judged_by(reference: ClinicReference, today: date) -> tuple[int, date]:
    # A reference built in memory has no snapshot id: its identity keys it instead.
    return (reference.snapshot_id or id(reference), today)


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


def milestone_table(result: CoupleProgress) -> pd.DataFrame:
    """Milestones for display, in words: one row per partner (by name), measure and
    milestone; the rating's whole week since intake; "—" where there is no value yet."""
    table = result.milestones
    if table.empty:
        return pd.DataFrame(
            columns=["Partner", "Measure", "Milestone", "Week", "Value", "Change", "Outcome"]
        )
    return pd.DataFrame(
        {
            "Partner": table["partner_name"].fillna(table["partner_label"]),
            "Measure": table["instrument"].map(lambda k: INSTRUMENTS[k].short_name),
            "Milestone": table["label"],
            "Week": _shown(table["week"], "{:.0f}"),
            "Value": _shown(table["value"], "{:g}"),
            "Change": _shown(table["change"], "{:+g}"),
            "Outcome": table["outcome"].astype(object).fillna("not reached yet"),
        }
    )


def _shown(values: pd.Series, style: str) -> pd.Series:
    """Numbers as text, "—" for a missing one (a table never shows None or NaN)."""
    numbers = pd.to_numeric(values, errors="coerce").round(1)
    return numbers.map(lambda v: "—" if pd.isna(v) else style.format(v))


def constants_table(reference: ClinicReference) -> pd.DataFrame:
    constants = reference.constants
    roles = constants["role"] if "role" in constants.columns else pd.Series("all", constants.index)
    return pd.DataFrame(
        {
            "Measure": constants["name"],
            "Partner role": roles.map(lambda r: "every role" if r == "all" else str(r)),
            "Baselines": constants["n_baselines"],
            "SD": constants["sd"].round(2),
            "Reliability": constants["reliability"].round(2),
            "Source": constants["source"],
        }
    )


# The CSV download's columns, in words (never internal keys such as csi4 or five_cs).
CSV_COLUMNS = {
    "case_code": "Case",
    "partner_label": "Partner",
    "partner_name": "Name",
    "instrument": "Measure",
    "measured_on": "Date",
    "week": "Week since intake",
    "total": "Total",
    "source": "Source",
}


def ratings_csv(result: CoupleProgress) -> bytes:
    """The chart data: every rating with its week since intake (no item answers), with
    headers and measures in words."""
    frame = result.ratings[list(CSV_COLUMNS)].copy()
    frame["instrument"] = frame["instrument"].map(
        lambda key: INSTRUMENTS[key].short_name if key in INSTRUMENTS else key
    )
    frame["measured_on"] = pd.to_datetime(frame["measured_on"]).dt.date
    frame["week"] = frame["week"].round(1)
    frame["source"] = frame["source"].map(RATING_SOURCE_LABELS).fillna(frame["source"])
    return frame.rename(columns=CSV_COLUMNS).to_csv(index=False).encode()


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
    """Whether the actor's caseload has any couple at all, whatever the filters."""
    return not couples.caseload(db, actor, today=date.today()).empty


def instrument_name(key: str) -> str:
    return INSTRUMENTS[key].short_name


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
