"""Progress reports (PDF) for one couple: read what the chosen version needs (access
checked), let core.reports say it and draw it, audit who took which report of whom.

Three versions (core.domain.ReportVersion): clinician / supervision (names only when
asked), for the couple, for one partner. Only the clinician version is given the safety
screens, the latest plan and the constants: the other versions never hold them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd

from core import reports
from core.db import Database
from core.domain import COUPLE_STATUS_LABELS, AssignmentTarget, CaseRead, ReportVersion
from core.queries import homework as homework_queries
from core.queries import sessions as session_queries
from core.reports import content
from core.reports.model import (
    HOMEWORK_COLUMNS,
    SAFETY_COLUMNS,
    SESSION_COLUMNS,
    Report,
    ReportFacts,
)
from core.schemas import ReportIn, parse
from core.services import audit, couples, progress_views, safety
from core.services.access import Actor, load_couple, require_active, require_view
from core.services.reference import ClinicReference

AUDIT_ACTION = "report_downloaded"
PDF_MIME = "application/pdf"


@dataclass(frozen=True)
class ReportFile:
    data: bytes
    file_name: str
    mime: str = PDF_MIME


def progress_report(
    db: Database,
    actor: Actor,
    couple_id: int,
    request: ReportIn | Mapping[str, Any],
    *,
    today: date,
    reference: ClinicReference,
) -> ReportFile:
    """The chosen version as a PDF, audited (version, couple, partner, names)."""
    report = build_report(db, actor, couple_id, request, today=today, reference=reference)
    data = reports.render(report)
    given = parse(ReportIn, request, today=today)
    with db.transaction() as session:
        require_active(session, actor)
        couple = load_couple(session, couple_id)
        audit.record(
            session,
            actor,
            AUDIT_ACTION,
            "couple",
            couple_id,
            {
                "case_code": couple.case_code,
                "version": given.version.value,
                "partner": given.partner,
                "with_names": given.with_names,
            },
        )
    audit.record_read(db, actor, couple_id, CaseRead.REPORT)  # "who looked at this case"
    return ReportFile(data, f"{report.file_stem}.pdf")


def build_report(
    db: Database,
    actor: Actor,
    couple_id: int,
    request: ReportIn | Mapping[str, Any],
    *,
    today: date,
    reference: ClinicReference,
) -> Report:
    """The report's content (no drawing, no audit): what the PDF will say."""
    given = parse(ReportIn, request, today=today)
    facts = report_facts(db, actor, couple_id, given, today=today, reference=reference)
    return content.build(facts, given.version, given.partner)


def report_facts(
    db: Database,
    actor: Actor,
    couple_id: int,
    given: ReportIn,
    *,
    today: date,
    reference: ClinicReference,
) -> ReportFacts:
    clinician = given.version is ReportVersion.CLINICIAN
    named = given.with_names or not clinician
    result = progress_views.couple_progress(
        db, actor, couple_id, today=today, reference=reference, names=named
    )
    view = couples.get_couple(db, actor, couple_id)
    names = {p.label: p.name if named else f"Partner {p.label}" for p in view.partners}
    with db.read() as session:
        require_active(session, actor)
        require_view(actor, load_couple(session, couple_id))
        notes = session_queries.timeline(session, couple_id)
        given_homework = homework_queries.couple_assignments(session, couple_id)
    sessions = pd.DataFrame(
        [(n.session_date, n.attendees.value, n.is_signed) for n in notes], columns=SESSION_COLUMNS
    )
    homework = pd.DataFrame(
        [
            (
                a.exercise_title,
                a.target.value,
                "Both" if a.target is AssignmentTarget.BOTH else names[a.target.value],
                a.assigned_on,
                a.due_on,
                a.status_label,
            )
            for a in given_homework
        ],
        columns=HOMEWORK_COLUMNS,
    )
    facts = ReportFacts(
        case_code=view.case_code,
        names=names,
        counsellor=view.counsellor_name,
        intake=view.intake_date,
        today=today,
        case_status=COUPLE_STATUS_LABELS[view.status],
        ratings=result.ratings,
        changes=result.changes,
        milestones=progress_views.milestone_table(result),
        status=result.status,
        reason=result.reason,
        adherence_by_week=result.adherence_by_week,
        sessions=sessions,
        homework=homework,
    )
    if not clinician:
        return facts
    signed = [n for n in notes if n.is_signed and n.note_plan.strip()]  # newest first
    return replace(
        facts,
        band=reference.band,
        safety=_safety_frame(db, actor, couple_id),
        plan=(signed[0].session_date, signed[0].note_plan) if signed else None,
        reference_label=_reference_label(reference),
        constants=progress_views.constants_table(reference),
    )


def _safety_frame(db: Database, actor: Actor, couple_id: int) -> pd.DataFrame:
    """Every screen, oldest first: date, partner, concerns, PC-PTSD-5, status, resolved."""
    rows = [
        (
            s.screened_on,
            s.partner_label,
            ", ".join(s.concerns),
            s.ptsd_score,
            s.status.value,
            s.resolved_at.date() if s.resolved_at else None,
        )
        for s in reversed(safety.screens(db, actor, couple_id))
    ]
    return pd.DataFrame(rows, columns=SAFETY_COLUMNS)


def _reference_label(reference: ClinicReference) -> str:
    if reference.snapshot_id is None or reference.computed_at is None:
        return "Constants computed for this report only (not stored)."
    return (
        f"Constants of {content.day(reference.computed_at.date())} (snapshot "
        f"#{reference.snapshot_id}), from {reference.n_ratings} ratings of "
        f"{reference.n_couples} couples."
    )
