"""Progress for the pages: access checks, clinic-wide reference data (the stored snapshot
in force, core.services.reference) and the per-couple extras (homework, safety, unsigned
notes) around core.progress.

Reads = access + queries (core.queries.ratings, within the actor's caseload scope) +
the pure analytics (core.progress)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy.orm import Session, selectinload

from core import charts, progress
from core.adherence import adherence_by_week as weekly_adherence
from core.db import Database
from core.domain import (
    RATING_SOURCE_LABELS,
    CaseRead,
    weeks_in_care,
)
from core.measures import INSTRUMENTS
from core.models import Couple
from core.queries import homework as homework_queries
from core.queries import ratings as rating_queries
from core.services import audit, progress_cache
from core.services.access import (
    Actor,
    caseload_scope,
    load_couple,
    require_active,
    require_view,
)
from core.services.caseload_cache import kept_with as kept_with

# The clinic's reference in force (a stored, dated snapshot): core.services.reference.
from core.services.reference import ClinicReference as ClinicReference
from core.services.reference import clinic_reference as clinic_reference
from core.services.reference import current_reference_id as current_reference_id
from core.services.reference import recompute_reference as recompute_reference
from core.services.reference import reference_history as reference_history
from core.services.reference import reference_in_force as reference_in_force
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
    analysing: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> CoupleProgress:
    """Everything the Progress tab draws for one couple, read in one session: ratings
    with their analysis and the homework adherence by week. `names=False` calls the
    partners "Partner A" and "Partner B" throughout (reasons, charts), as a report
    without names needs. `analysing()` is entered while the analysis is computed (the
    page's spinner), never when it is kept (the usual view: no spinner to set up).

    Access is checked and the read audited on every call; the analysis is kept for the
    couples viewed lately (progress_cache.memo_for), keyed by what it depends on: the
    couple's ratings stamp (bumped by the database on every rating change), case code,
    counsellor, partners, the reference in force and today; the adherence by its own
    inputs (the couple's homework and completions, read on every call). The result is
    shared with other viewers: read it, never change it."""
    with db.read() as session:
        analysis, row = _kept_analysis(
            session, db, actor, couple_id, today, reference, names, analysing
        )
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
    analysing: Callable[[], AbstractContextManager[object]] = nullcontext,
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
    key = (stamp, row.case_code, row.counsellor_id, partners, reference.judging(today))
    called = {p.label: p.name if names else f"Partner {p.label}" for p in row.partners}

    def analysed() -> CoupleProgress:
        with analysing():
            return _analysis(session, actor, row, called, key, today, reference, names=names)

    analysis = progress_cache.memo_for(db, "progress").get((couple_id, names), key, analysed)
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


def instrument_name(key: str) -> str:
    return INSTRUMENTS[key].short_name
