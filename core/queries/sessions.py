"""Read side of session notes: the view objects and the SELECTs that build them.

A couple's timeline (or one page of it) is read in a fixed number of statements whatever
its length: the notes (with author, co-signer and case code joined in), then every rating
of those notes, then every addendum. Access checks stay in core.services.sessions.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from core.db import like_pattern
from core.domain import Attendees, Modality, NoteStatus
from core.models import Addendum, Counsellor, Couple, Measurement, Partner
from core.models import Session as SessionRow
from core.paging import page_count

PREVIEW_CHARS = 140
# Mend's own choice: a couple's Sessions tab shows its notes ten at a time, newest first.
# About ten weeks of weekly sessions, what a counsellor rereads before a session, and a
# page that draws quickly whatever the length of the couple's history (issue 10).
NOTES_PER_PAGE = 10
EXCERPT_RADIUS = 60
UNSIGNED_AFTER_DAYS = 3
SEARCH_COLUMNS = ["session_id", "case_code", "session_date", "status", "excerpt"]


@dataclass(frozen=True)
class UnsignedNote:
    """A draft older than the signing window, on its author's to-do list."""

    session_id: int
    case_code: str
    session_date: date
    days_unsigned: int


@dataclass(frozen=True)
class RatingView:
    partner_label: str
    instrument: str
    items: dict[str, float]
    total: float


@dataclass(frozen=True)
class AddendumView:
    author: str
    created_at: datetime
    text: str


@dataclass(frozen=True)
class SessionView:
    id: int
    couple_id: int
    case_code: str
    author_id: int
    author: str
    session_date: date
    duration_minutes: int
    modality: Modality
    attendees: Attendees
    note_data: str
    note_assessment: str
    note_plan: str
    risk_raised: bool
    risk_text: str
    status: NoteStatus
    signed_at: datetime | None
    cosigned_by: str | None
    cosigned_at: datetime | None
    version: int
    ratings: tuple[RatingView, ...]
    addenda: tuple[AddendumView, ...]

    @property
    def is_signed(self) -> bool:
        return self.status is NoteStatus.SIGNED

    @property
    def preview(self) -> str:
        return preview(self.note_data or self.note_assessment or self.note_plan)

    def as_form(self) -> dict[str, Any]:
        ratings: dict[str, dict[str, dict[str, float]]] = {}
        for rating in self.ratings:
            ratings.setdefault(rating.partner_label, {})[rating.instrument] = rating.items
        return {
            "session_date": self.session_date,
            "duration_minutes": self.duration_minutes,
            "modality": self.modality,
            "attendees": self.attendees,
            "note_data": self.note_data,
            "note_assessment": self.note_assessment,
            "note_plan": self.note_plan,
            "risk_raised": self.risk_raised,
            "risk_text": self.risk_text,
            "ratings": ratings,
        }


# --- one note and a couple's timeline ---------------------------------------------------------


def timeline(session: Session, couple_id: int) -> list[SessionView]:
    """Every note of the couple, newest first, with ratings and addenda: three
    statements whatever the number of notes (none past the first if there are none)."""
    return _views(session, SessionRow.couple_id == couple_id)


@dataclass(frozen=True)
class DraftSpot:
    """An unsigned draft of the couple and the page of its timeline it is on."""

    id: int
    session_date: date
    page: int


@dataclass(frozen=True)
class TimelinePage:
    """One page of a couple's notes, newest first, and where its drafts are."""

    notes: list[SessionView]
    number: int  # 1-based, clamped to the pages there are
    pages: int
    total: int
    size: int
    drafts: tuple[DraftSpot, ...]  # every draft of the couple, newest first

    @property
    def first(self) -> int:
        return min((self.number - 1) * self.size + 1, self.total)

    @property
    def last(self) -> int:
        return self.first + len(self.notes) - 1 if self.total else 0


def timeline_page(session: Session, couple_id: int, number: int, size: int) -> TimelinePage:
    """Page `number` (clamped) of the couple's notes, `size` a page, newest first: only
    that page's notes, ratings and addenda are read, with the number of notes and the
    couple's drafts (five statements whatever the number of notes)."""
    total = session.scalar(
        select(func.count(SessionRow.id)).where(SessionRow.couple_id == couple_id)
    )
    pages = page_count(total or 0, size)
    number = min(max(int(number), 1), pages)
    newer = aliased(SessionRow)
    ahead = (  # the notes before a draft in the timeline's order
        select(func.count(newer.id))
        .where(
            newer.couple_id == SessionRow.couple_id,
            or_(
                newer.session_date > SessionRow.session_date,
                and_(newer.session_date == SessionRow.session_date, newer.id > SessionRow.id),
            ),
        )
        .scalar_subquery()
    )
    drafts = session.execute(
        select(SessionRow.id, SessionRow.session_date, ahead)
        .where(SessionRow.couple_id == couple_id, SessionRow.status == NoteStatus.DRAFT)
        .order_by(SessionRow.session_date.desc(), SessionRow.id.desc())
    ).all()
    notes = _views(
        session, SessionRow.couple_id == couple_id, limit=size, offset=(number - 1) * size
    )
    return TimelinePage(
        notes,
        number,
        pages,
        total or 0,
        size,
        tuple(DraftSpot(sid, day, before // size + 1) for sid, day, before in drafts),
    )


def note(session: Session, session_id: int) -> SessionView | None:
    views = _views(session, SessionRow.id == session_id)
    return views[0] if views else None


def _views(
    session: Session,
    *where: ColumnElement[bool],
    limit: int | None = None,
    offset: int = 0,
) -> list[SessionView]:
    author, cosigner = aliased(Counsellor), aliased(Counsellor)
    notes = session.execute(
        select(
            SessionRow.id,
            SessionRow.couple_id,
            Couple.case_code,
            SessionRow.counsellor_id,
            author.display_name,
            SessionRow.session_date,
            SessionRow.duration_minutes,
            SessionRow.modality,
            SessionRow.attendees,
            SessionRow.note_data,
            SessionRow.note_assessment,
            SessionRow.note_plan,
            SessionRow.risk_raised,
            SessionRow.risk_text,
            SessionRow.status,
            SessionRow.signed_at,
            SessionRow.cosigned_by_id,
            cosigner.display_name,
            SessionRow.cosigned_at,
            SessionRow.version,
        )
        .join(Couple, Couple.id == SessionRow.couple_id)
        .outerjoin(author, author.id == SessionRow.counsellor_id)
        .outerjoin(cosigner, cosigner.id == SessionRow.cosigned_by_id)
        .where(*where)
        .order_by(SessionRow.session_date.desc(), SessionRow.id.desc())
        .limit(limit)
        .offset(offset or None)
    ).all()
    if not notes:
        return []
    ids = [row[0] for row in notes]
    ratings = _ratings(session, ids)
    addenda = _addenda(session, ids)
    return [
        SessionView(
            id=sid,
            couple_id=couple_id,
            case_code=case_code,
            author_id=author_id,
            author=author_name or "?",
            session_date=session_date,
            duration_minutes=duration,
            modality=Modality(modality),
            attendees=Attendees(attendees),
            note_data=note_data,
            note_assessment=note_assessment,
            note_plan=note_plan,
            risk_raised=risk_raised,
            risk_text=risk_text,
            status=NoteStatus(status),
            signed_at=signed_at,
            cosigned_by=(cosigner_name or None) if cosigned_by_id else None,
            cosigned_at=cosigned_at,
            version=version,
            ratings=tuple(ratings.get(sid, ())),
            addenda=tuple(addenda.get(sid, ())),
        )
        for (
            sid,
            couple_id,
            case_code,
            author_id,
            author_name,
            session_date,
            duration,
            modality,
            attendees,
            note_data,
            note_assessment,
            note_plan,
            risk_raised,
            risk_text,
            status,
            signed_at,
            cosigned_by_id,
            cosigner_name,
            cosigned_at,
            version,
        ) in notes
    ]


def _ratings(session: Session, ids: Sequence[int]) -> dict[int, list[RatingView]]:
    """The ratings of these notes by note, each note's in partner then instrument order."""
    found: dict[int, list[RatingView]] = defaultdict(list)
    rows = session.execute(
        select(
            Measurement.session_id,
            Partner.label,
            Measurement.instrument,
            Measurement.items,
            Measurement.total,
        )
        .join(Partner, Partner.id == Measurement.partner_id)
        .where(Measurement.session_id.in_(ids))
        .order_by(Measurement.session_id, Measurement.partner_id, Measurement.instrument)
    )
    for sid, label, instrument, items, total in rows:
        found[sid].append(RatingView(label, instrument, dict(items), total))
    return found


def _addenda(session: Session, ids: Sequence[int]) -> dict[int, list[AddendumView]]:
    """The addenda of these notes by note, oldest first, with their authors' names."""
    found: dict[int, list[AddendumView]] = defaultdict(list)
    rows = session.execute(
        select(Addendum.session_id, Counsellor.display_name, Addendum.created_at, Addendum.text)
        .outerjoin(Counsellor, Counsellor.id == Addendum.author_id)
        .where(Addendum.session_id.in_(ids))
        .order_by(Addendum.session_id, Addendum.created_at, Addendum.id)
    )
    for sid, name, created_at, text in rows:
        found[sid].append(AddendumView(name or "?", created_at, text))
    return found


# --- unsigned notes: the one rule -------------------------------------------------------------


def unsigned(today: date, older_than_days: int = UNSIGNED_AFTER_DAYS) -> ColumnElement[bool]:
    """A note counts as unsigned when it is a draft whose session date lies more than
    `older_than_days` before `today` (a WHERE clause on session notes)."""
    cutoff = today - timedelta(days=older_than_days)
    return and_(SessionRow.status == NoteStatus.DRAFT, SessionRow.session_date < cutoff)


def unsigned_counts(
    session: Session,
    scope: ColumnElement[bool],
    today: date,
    older_than_days: int = UNSIGNED_AFTER_DAYS,
) -> dict[int, int]:
    """Unsigned notes per couple of the caseload (`scope`: access.caseload_scope), by
    any author; couples without one are absent."""
    rows = session.execute(
        select(SessionRow.couple_id, func.count(SessionRow.id))
        .join(Couple, Couple.id == SessionRow.couple_id)
        .where(scope, unsigned(today, older_than_days))
        .group_by(SessionRow.couple_id)
    )
    return {couple_id: count for couple_id, count in rows}


def unsigned_by_author(
    session: Session, author_id: int, today: date, older_than_days: int = UNSIGNED_AFTER_DAYS
) -> list[UnsignedNote]:
    """One author's unsigned notes on their current caseload, oldest first (a draft of a
    couple reassigned away can no longer be signed by its author). A short to-do list
    read on every caseload view: plain rows, no frame to build."""
    rows = session.execute(
        select(SessionRow.id, Couple.case_code, SessionRow.session_date)
        .join(Couple, Couple.id == SessionRow.couple_id)
        .where(
            SessionRow.counsellor_id == author_id,
            Couple.counsellor_id == author_id,
            unsigned(today, older_than_days),
        )
        .order_by(SessionRow.session_date)
    ).all()
    return [UnsignedNote(id_, code, day, (today - day).days) for id_, code, day in rows]


# --- search -----------------------------------------------------------------------------------


def search(session: Session, scope: ColumnElement[bool], term: str, *, limit: int) -> pd.DataFrame:
    """Notes of the couples in `scope` whose text contains `term` (any case), newest
    first, with an excerpt around the first match."""
    text = note_text()
    rows = session.execute(
        select(SessionRow.id, Couple.case_code, SessionRow.session_date, SessionRow.status, text)
        .join(Couple, Couple.id == SessionRow.couple_id)
        .where(scope, text.ilike(like_pattern(term), escape="\\"))
        .order_by(SessionRow.session_date.desc())
        .limit(limit)
    ).all()
    return pd.DataFrame(
        [
            (sid, code, day, NoteStatus(status).value, excerpt(body, term))
            for sid, code, day, status, body in rows
        ],
        columns=SEARCH_COLUMNS,
    )


def note_text() -> Any:
    """The searchable text of a note: the exact expression of the PostgreSQL trigram
    index (migration 0002), spaces inlined so the planner can use that index."""
    space = literal_column("' '")
    return SessionRow.note_data + space + SessionRow.note_assessment + space + SessionRow.note_plan


def excerpt(text: str, term: str, radius: int = EXCERPT_RADIUS) -> str:
    """The words around the first case-insensitive match, with ellipses where cut."""
    flat = " ".join(text.split())
    match = re.search(re.escape(term), flat, re.IGNORECASE)
    if match is None:
        return preview(flat)
    start, end = max(0, match.start() - radius), min(len(flat), match.end() + radius)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"
