"""Exports: the caseload summary and a couple's ratings, sessions and homework as frames
with stable, documented column names (README "Exports: columns"), every label in words.

Each function checks the actor and appends an `export` audit event (who, what, which
couple); core.exports turns the frame into CSV or Excel bytes."""

from __future__ import annotations

from datetime import date

import pandas as pd

from core import exports
from core.db import Database
from core.domain import (
    ATTENDEE_LABELS,
    FREQUENCY_LABELS,
    MODALITY_LABELS,
    NOTE_STATUS_LABELS,
    RATING_SOURCE_LABELS,
    STEP_LABELS,
    CaseRead,
    CoupleStatus,
)
from core.measures import INSTRUMENTS
from core.queries import exports as export_queries
from core.queries import homework as homework_queries
from core.queries import sessions as session_queries
from core.services import audit, caseload_views, progress_views
from core.services.access import Actor, load_couple, require_active, require_view
from core.services.reference import ClinicReference

CASELOAD_COLUMNS = [
    "case_code",
    "partner_a",
    "partner_b",
    "counsellor",
    "case_status",
    "progress_status",
    "progress_reason",
    "safety_concerns",
    "needs_attention_because",
    "overdue_homework",
    "unsigned_notes",
    "intake_date",
    "weeks_in_care",
    "last_session",
    "sessions",
]
RATING_COLUMNS = [
    "case_code",
    "partner",
    "partner_name",
    "measure",
    "rated_on",
    "week_since_intake",
    "total",
    "source",
]
SESSION_COLUMNS = [
    "case_code",
    "session_date",
    "duration_minutes",
    "modality",
    "attendees",
    "counsellor",
    "note_status",
    "signed_at",
    "cosigned_by",
    "risk_raised",
    "ratings",
    "addenda",
]
NOTE_COLUMNS = ["note_data", "note_assessment", "note_plan", "risk_text", "addenda_text"]
HOMEWORK_COLUMNS = [
    "case_code",
    "exercise",
    "repair_step",
    "for_partner",
    "assigned_on",
    "due_on",
    "status",
    "overdue",
    "times_done",
    "frequency",
    "safety_override_reason",
    "counsellor_comment",
    "skip_reason",
]
WHAT = {"caseload", "ratings", "sessions", "homework", "chart_data"}


def caseload(
    db: Database, actor: Actor, *, today: date, reference: ClinicReference
) -> pd.DataFrame:
    """Every couple in the actor's caseload scope (all statuses), CASELOAD_COLUMNS."""
    summary = caseload_views.caseload_progress(
        db, actor, today=today, reference=reference, statuses=list(CoupleStatus)
    )
    _audit(db, actor, "caseload", None, len(summary))
    if summary.empty:
        return pd.DataFrame(columns=CASELOAD_COLUMNS)
    summary = summary.sort_values("case_code")
    names = summary["partners"].str.split(" & ", n=1, expand=True)
    frame = pd.DataFrame(
        {
            "case_code": summary["case_code"],
            "partner_a": names[0],
            "partner_b": names[1],
            "counsellor": summary["counsellor"],
            "case_status": summary["status"],
            "progress_status": summary["progress_status"],
            "progress_reason": summary["progress_reason"],
            "safety_concerns": summary["safety_concerns"],
            "needs_attention_because": summary["attention_reasons"],
            "overdue_homework": summary["overdue_homework"].astype(int),
            "unsigned_notes": summary["unsigned_notes"].astype(int),
            "intake_date": summary["intake_date"],
            "weeks_in_care": summary["weeks_in_care"].astype(int),
            "last_session": summary["last_session"],
            "sessions": summary["sessions"].astype(int),
        }
    )
    return frame.reset_index(drop=True)


def ratings(db: Database, actor: Actor, couple_id: int) -> pd.DataFrame:
    """Every rating of the couple with its week since intake and its source."""
    with db.read() as session:
        _open(session, actor, couple_id)
        raw = export_queries.couple_ratings(session, couple_id)
    _audit(db, actor, "ratings", couple_id, len(raw))
    weeks = (pd.to_datetime(raw["measured_on"]) - pd.to_datetime(raw["intake_date"])).dt.days / 7
    return pd.DataFrame(
        {
            "case_code": raw["case_code"],
            "partner": raw["partner_label"],
            "partner_name": raw["partner_name"],
            "measure": raw["instrument_key"].map(
                lambda key: INSTRUMENTS[key].name if key in INSTRUMENTS else key
            ),
            "rated_on": raw["measured_on"],
            "week_since_intake": weeks.round(1).astype(float),
            "total": raw["total"].astype(float),
            "source": raw["session_id"]
            .notna()
            .map({True: RATING_SOURCE_LABELS["session"], False: RATING_SOURCE_LABELS["entered"]}),
        },
        columns=RATING_COLUMNS,
    )


def sessions(
    db: Database, actor: Actor, couple_id: int, *, include_notes: bool = False
) -> pd.DataFrame:
    """One row per session, oldest first; the note's text only with `include_notes`."""
    with db.read() as session:
        couple = _open(session, actor, couple_id)
        views = session_queries.timeline(session, couple_id)
        case_code = couple.case_code
    _audit(db, actor, "sessions", couple_id, len(views), include_notes=include_notes)
    rows = [
        {
            "case_code": case_code,
            "session_date": view.session_date,
            "duration_minutes": view.duration_minutes,
            "modality": MODALITY_LABELS[view.modality],
            "attendees": ATTENDEE_LABELS[view.attendees],
            "counsellor": view.author,
            "note_status": NOTE_STATUS_LABELS[view.status],
            "signed_at": view.signed_at,
            "cosigned_by": view.cosigned_by or "",
            "risk_raised": "yes" if view.risk_raised else "no",
            "ratings": len(view.ratings),
            "addenda": len(view.addenda),
            "note_data": view.note_data,
            "note_assessment": view.note_assessment,
            "note_plan": view.note_plan,
            "risk_text": view.risk_text,
            "addenda_text": "\n\n".join(
                f"{a.created_at:%Y-%m-%d} {a.author}: {a.text}" for a in view.addenda
            ),
        }
        for view in sorted(views, key=lambda view: (view.session_date, view.id))
    ]
    columns = SESSION_COLUMNS + (NOTE_COLUMNS if include_notes else [])
    return pd.DataFrame(rows, columns=SESSION_COLUMNS + NOTE_COLUMNS)[columns]


def homework(db: Database, actor: Actor, couple_id: int, *, today: date) -> pd.DataFrame:
    """One row per assignment, by assignment date (reflection answers are not exported)."""
    with db.read() as session:
        couple = _open(session, actor, couple_id)
        given = homework_queries.couple_homework(session, couple_id, today)
        case_code = couple.case_code
    _audit(db, actor, "homework", couple_id, len(given))
    given = given.sort_values(["assigned_on", "id"])
    return pd.DataFrame(
        {
            "case_code": case_code,
            "exercise": given["exercise"],
            "repair_step": given["step"].map(lambda step: STEP_LABELS.get(step, step)),
            "for_partner": given["target"],
            "assigned_on": given["assigned_on"],
            "due_on": given["due_on"],
            "status": given["status"],
            "overdue": given["overdue"].map({True: "yes", False: "no"}),
            "times_done": given["completions"].astype(int),
            "frequency": given["frequency"].map(lambda key: FREQUENCY_LABELS.get(key, key)),
            "safety_override_reason": given["safety_override_reason"].fillna(""),
            "counsellor_comment": given["counsellor_comment"],
            "skip_reason": given["skip_reason"].fillna(""),
        },
        columns=HOMEWORK_COLUMNS,
    ).reset_index(drop=True)


def chart_data(
    db: Database, actor: Actor, couple_id: int, *, today: date, reference: ClinicReference
) -> bytes:
    """The Progress tab's "Download chart data (CSV)": every rating the charts draw, with
    its week since intake (progress_views.ratings_csv), made and audited on the click."""
    result = progress_views.couple_progress(db, actor, couple_id, today=today, reference=reference)
    _audit(db, actor, "chart_data", couple_id, len(result.ratings))
    return progress_views.ratings_csv(result)


def file_name(what: str, case_code: str | None, kind: str, today: date) -> str:
    """e.g. mend-C-0042-ratings-2026-11-26.csv"""
    subject = f"{case_code}-{what}" if case_code else what
    return f"mend-{subject}-{today:%Y-%m-%d}.{kind}"


def encode(frame: pd.DataFrame, kind: str, what: str) -> bytes:
    return exports.encode(frame, kind, sheet=what)


def _open(session, actor: Actor, couple_id: int):  # type: ignore[no-untyped-def]
    require_active(session, actor)
    couple = load_couple(session, couple_id)
    require_view(actor, couple)
    return couple


def _audit(
    db: Database,
    actor: Actor,
    what: str,
    couple_id: int | None,
    rows: int,
    **extra: object,
) -> None:
    with db.transaction() as session:
        require_active(session, actor)
        # Every event about a couple names its case code (the audit log filters by it).
        named = {"case_code": load_couple(session, couple_id).case_code} if couple_id else {}
        audit.record(
            session,
            actor,
            "export",
            "couple" if couple_id else "caseload",
            couple_id,
            {**named, "what": what, "rows": rows, **extra},
        )
    if couple_id:
        audit.record_read(db, actor, couple_id, CaseRead.EXPORT)  # "who looked at this case"
