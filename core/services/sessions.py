"""Session notes (DAP), in-session ratings, signing, addenda, unsigned lists and search:
the use cases (access, rules, writes, audit). The SELECTs and view objects live in
core.queries.sessions.

A signed note is a clinical record: nothing here updates its text or ratings;
later additions are dated addenda. The ORM and the database refuse such
updates as well (core.models, migration 0002).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session as OrmSession

from core.db import Database
from core.domain import Attendees, CaseRead, CoupleStatus, NoteStatus, Role
from core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from core.measures import Instrument, instrument, session_instruments
from core.models import Addendum, Couple, Measurement, Partner, utcnow
from core.models import Session as SessionRow
from core.queries import homework as homework_queries
from core.queries import sessions as queries
from core.queries.homework import AssignmentView
from core.queries.sessions import EXCERPT_RADIUS as EXCERPT_RADIUS
from core.queries.sessions import NOTES_PER_PAGE as NOTES_PER_PAGE
from core.queries.sessions import PREVIEW_CHARS as PREVIEW_CHARS
from core.queries.sessions import UNSIGNED_AFTER_DAYS, SessionView
from core.queries.sessions import AddendumView as AddendumView
from core.queries.sessions import DraftSpot as DraftSpot
from core.queries.sessions import RatingView as RatingView
from core.queries.sessions import TimelinePage as TimelinePage
from core.queries.sessions import excerpt as excerpt
from core.queries.sessions import note_text as note_text
from core.schemas import (
    AddendumIn,
    HomeworkReviewIn,
    Ratings,
    RecordLinkIn,
    SearchIn,
    SessionIn,
    parse,
)
from core.services import audit, caseload_views, couples, homework, safety
from core.services.access import (
    Actor,
    caseload_scope,
    load_couple,
    require_active,
    require_edit,
    require_view,
)
from core.services.conflicts import stale_is_conflict
from core.services.couples import CoupleView
from core.services.safety import ScreenView


def attending_labels(attendees: Attendees) -> tuple[str, ...]:
    return {Attendees.JOINT: ("A", "B"), Attendees.A_ONLY: ("A",), Attendees.B_ONLY: ("B",)}[
        attendees
    ]


def may_record(actor: Actor, couple: Any) -> bool:
    """Whether the actor may log or edit a session of this couple (a CoupleView or row):
    its own counsellor, and not while the case is closed. The pages offer the form only
    then; `_editable_couple` enforces the same on every save."""
    return couple.counsellor_id == actor.id and couple.status is not CoupleStatus.CLOSED


def record_session(
    db: Database,
    actor: Actor,
    couple_id: int,
    data: SessionIn | Mapping[str, Any],
    *,
    homework_reviews: Sequence[HomeworkReviewIn | Mapping[str, Any]] = (),
    sign: bool = False,
    today: date | None = None,
) -> SessionView:
    """Save a new note with its ratings, review homework and (`sign`) sign it, all in
    one transaction: a refusal anywhere saves nothing.

    `today`: the counsellor's local date (a later session date is refused)."""
    given = parse(SessionIn, data, today=today)
    with db.transaction() as session:
        couple = _editable_couple(session, actor, couple_id)
        row = SessionRow(couple_id=couple.id, counsellor_id=actor.id, status=NoteStatus.DRAFT)
        session.add(row)
        _save_draft(session, actor, couple, row, given, homework_reviews, complete=sign)
        audit.record(
            session,
            actor,
            "session_recorded",
            "session",
            row.id,
            {
                "case_code": couple.case_code,
                "date": given.session_date,
                "risk_raised": given.risk_raised,
            },
        )
        if sign:
            _sign(session, actor, row, couple)
        session_id = row.id
    caseload_views.refresh_after_write(db, couple_id)
    return _note(db, actor, session_id)


def update_draft(
    db: Database,
    actor: Actor,
    session_id: int,
    data: SessionIn | Mapping[str, Any],
    *,
    expected_version: int,
    homework_reviews: Sequence[HomeworkReviewIn | Mapping[str, Any]] = (),
    sign: bool = False,
    today: date | None = None,
) -> SessionView:
    """Save the author's draft, review homework and (`sign`) sign it, in one transaction."""
    given = parse(SessionIn, data, today=today)
    with stale_is_conflict(_saved_elsewhere), db.transaction() as session:
        row, couple = _own_draft(session, actor, session_id, expected_version, "edit")
        row.updated_at = utcnow()
        _save_draft(session, actor, couple, row, given, homework_reviews, complete=sign)
        audit.record(
            session,
            actor,
            "session_draft_updated",
            "session",
            row.id,
            {"case_code": couple.case_code},
        )
        if sign:
            _sign(session, actor, row, couple)
        couple_id = couple.id
    caseload_views.refresh_after_write(db, couple_id)
    return _note(db, actor, session_id)


def sign(db: Database, actor: Actor, session_id: int, *, expected_version: int) -> SessionView:
    """Lock the note: from now on only addenda."""
    with stale_is_conflict(_saved_elsewhere), db.transaction() as session:
        row, couple = _own_draft(session, actor, session_id, expected_version, "sign")
        _sign(session, actor, row, couple)
    return _note(db, actor, session_id)


def cosign(db: Database, actor: Actor, session_id: int) -> SessionView:
    if actor.role is not Role.SUPERVISOR:
        raise PermissionDenied("Only a supervisor may co-sign a note.")
    with stale_is_conflict(_saved_elsewhere), db.transaction() as session:
        require_active(session, actor)
        row = _load(session, session_id)
        couple = session.get(Couple, row.couple_id)
        assert couple is not None
        require_view(actor, couple)
        if row.status is not NoteStatus.SIGNED:
            raise ValidationError("Only a signed note can be co-signed.")
        if row.cosigned_by_id is not None:
            raise ValidationError("This note is already co-signed.")
        row.cosigned_by_id = actor.id
        row.cosigned_at = utcnow()
        audit.record(
            session, actor, "session_cosigned", "session", row.id, {"case_code": couple.case_code}
        )
    return _note(db, actor, session_id)


def add_addendum(db: Database, actor: Actor, session_id: int, text: str) -> SessionView:
    """A dated addition to a signed note by the couple's (current) counsellor or a supervisor."""
    text = parse(AddendumIn, {"text": text}).text
    with db.transaction() as session:
        require_active(session, actor)
        row = _load(session, session_id)
        couple = session.get(Couple, row.couple_id)
        assert couple is not None
        if actor.id == row.counsellor_id:
            _require_caseload(actor, couple)  # the author, if the couple moved on
        require_view(actor, couple)
        if actor.id != couple.counsellor_id and actor.role is not Role.SUPERVISOR:
            raise PermissionDenied(
                "Only the couple's counsellor or a supervisor may add an addendum."
            )
        if row.status is not NoteStatus.SIGNED:
            raise ValidationError("Addenda are for signed notes; edit the draft instead.")
        addendum = Addendum(session_id=row.id, author_id=actor.id, text=text)
        session.add(addendum)
        session.flush()
        audit.record(
            session,
            actor,
            "addendum_added",
            "session",
            row.id,
            {"case_code": couple.case_code, "addendum": addendum.id},
        )
    return _note(db, actor, session_id)


def get_session(db: Database, actor: Actor, session_id: int) -> SessionView:
    """Open one note (the draft editor, a link): audited as a read of the couple's notes."""
    view = _note(db, actor, session_id)
    audit.record_read(db, actor, view.couple_id, CaseRead.NOTES)
    return view


def _note(db: Database, actor: Actor, session_id: int) -> SessionView:
    """The note as it is now (writes return it: not a read). Notes follow the caseload:
    a counsellor the couple was reassigned away from no longer reads even their own."""
    with db.read() as session:
        require_active(session, actor)
        row = _load(session, session_id)
        couple = session.get(Couple, row.couple_id)
        assert couple is not None
        require_view(actor, couple)
        view = queries.note(session, session_id)
        assert view is not None
        return view


BAD_LINK = "That session link is not valid."


def session_from_link(db: Database, actor: Actor, link: str) -> SessionView:
    """The note an address names (`?session=12`); a malformed or out-of-range number
    (10**20, a word) is NotFound, not a database error."""
    return get_session(db, actor, _linked_id(link))


def _linked_id(link: str) -> int:
    try:
        return parse(RecordLinkIn, {"id": link}).id
    except ValidationError:
        raise NotFound(BAD_LINK) from None


@dataclass(frozen=True)
class LogForm:
    """What the log-session page shows around its form (log_form)."""

    couple: CoupleView
    draft: SessionView | None  # the draft the address names, if it names one
    concerns: list[ScreenView]  # open safety concerns: the banner above the form
    due: list[AssignmentView]  # open homework due for review by the session's day


def log_form(
    db: Database, actor: Actor, case_code: str, draft_link: str | None, today: date
) -> LogForm:
    """The couple of `case_code` (refused as couples.find_by_case_code refuses), the
    draft `draft_link` names (as session_from_link; it must be this couple's), the open
    concerns and the homework due for review by `today`: one read and one account check,
    where the page made four; the parts audited as those calls audit them."""
    draft_id = _linked_id(draft_link) if draft_link else None
    with db.read() as session:
        require_active(session, actor)
        couple = couples.by_case_code(session, actor, case_code)
        draft = None if draft_id is None else queries.note(session, draft_id)
        if draft_id is not None and (draft is None or draft.couple_id != couple.id):
            raise NotFound(BAD_LINK)  # another couple's note is not edited from this page
        concerns = safety.open_screens(session, couple.id)
        due = homework_queries.due_for_review(session, couple.id, today)
    read = [CaseRead.DETAILS, CaseRead.SAFETY] + [CaseRead.NOTES] * (draft is not None)
    for part in read:
        audit.record_read(db, actor, couple.id, part)
    return LogForm(couple, draft, concerns, due)


def list_sessions(db: Database, actor: Actor, couple_id: int) -> list[SessionView]:
    """Newest first, with ratings and addenda (a fixed number of statements)."""
    with db.read() as session:
        require_active(session, actor)
        couple = load_couple(session, couple_id)
        require_view(actor, couple)
        timeline = queries.timeline(session, couple_id)
    audit.record_read(db, actor, couple_id, CaseRead.NOTES)
    return timeline


def timeline_page(
    db: Database, actor: Actor, couple_id: int, number: int, *, size: int | None = None
) -> TimelinePage:
    """Page `number` of the couple's notes, newest first (NOTES_PER_PAGE a page, read at
    the call so a test may lower it), with where each unsigned draft is: only that page's
    notes are read (a fixed number of statements)."""
    with db.read() as session:
        require_active(session, actor)
        couple = load_couple(session, couple_id)
        require_view(actor, couple)
        page = queries.timeline_page(session, couple_id, number, size or queries.NOTES_PER_PAGE)
    audit.record_read(db, actor, couple_id, CaseRead.NOTES)
    return page


def unsigned_notes(
    db: Database, actor: Actor, *, today: date, older_than_days: int = UNSIGNED_AFTER_DAYS
) -> list[queries.UnsignedNote]:
    """The actor's own unsigned notes (queries.sessions.unsigned), oldest first."""
    with db.read() as session:
        require_active(session, actor)
        return queries.unsigned_by_author(session, actor.id, today, older_than_days)


def search_notes(db: Database, actor: Actor, query: str, *, limit: int = 50) -> pd.DataFrame:
    """Case-insensitive search over the notes of couples the actor may see."""
    term = parse(SearchIn, {"query": query}).query
    if len(term) < 2:
        raise ValidationError("Type at least two characters to search the notes.")
    with db.read() as session:
        require_active(session, actor)
        return queries.search(session, caseload_scope(actor), term, limit=limit)


def _editable_couple(session: OrmSession, actor: Actor, couple_id: int) -> Couple:
    require_active(session, actor)
    couple = load_couple(session, couple_id)
    require_edit(actor, couple)
    if couple.status is CoupleStatus.CLOSED:
        raise ValidationError(f"{couple.case_code} is closed; reopen it to record a session.")
    return couple


def _save_draft(
    session: OrmSession,
    actor: Actor,
    couple: Couple,
    row: SessionRow,
    given: SessionIn,
    reviews: Sequence[HomeworkReviewIn | Mapping[str, Any]],
    *,
    complete: bool,
) -> None:
    """Note, ratings and homework review of a draft, in the caller's transaction. A draft
    keeps what was rated (`complete`: every rating of every attending partner, to sign)."""
    _check_date(couple, given.session_date)
    _apply(row, given)
    session.flush()
    _replace_ratings(session, actor, couple, row, given, complete=complete)
    if reviews:
        homework.apply_reviews(session, actor, couple.id, reviews, given.session_date)


def _sign(session: OrmSession, actor: Actor, row: SessionRow, couple: Couple) -> None:
    """Sign the caller's draft (just saved or loaded) in the caller's transaction."""
    empty = [
        label
        for label, text in (
            ("Data", row.note_data),
            ("Assessment", row.note_assessment),
            ("Plan", row.note_plan),
        )
        if not text.strip()
    ]
    if empty:
        raise ValidationError(
            f"A note needs every DAP section before signing; empty: {', '.join(empty)}."
        )
    if unrated := _unrated(session, row, couple):
        raise ValidationError(
            "Signing needs every rating from every attending partner; not rated: "
            + "; ".join(unrated)
            + ". Save a draft to keep what is there."
        )
    row.status = NoteStatus.SIGNED
    row.signed_at = utcnow()
    row.signed_by_id = actor.id
    audit.record(
        session, actor, "session_signed", "session", row.id, {"case_code": couple.case_code}
    )


def _check_date(couple: Couple, day: date) -> None:
    if day < couple.intake_date:
        raise ValidationError(
            f"Session date cannot be before the intake date ({couple.intake_date:%d %b %Y})."
        )


def _own_draft(
    session: OrmSession, actor: Actor, session_id: int, expected_version: int, doing: str
) -> tuple[SessionRow, Couple]:
    require_active(session, actor)
    row = _load(session, session_id)
    couple = session.get(Couple, row.couple_id)
    assert couple is not None
    if row.counsellor_id != actor.id:
        require_view(actor, couple)
        raise PermissionDenied(f"Only the note's author may {doing} it.")
    _require_caseload(actor, couple)
    if couple.status is CoupleStatus.CLOSED:
        raise ValidationError(f"{couple.case_code} is closed; reopen it to {doing} this draft.")
    if row.version != expected_version:  # a stale tab first: whatever changed, reload it
        raise ConflictError(_saved_elsewhere())
    if row.status is NoteStatus.SIGNED:
        raise ValidationError("This note is signed and locked; add an addendum instead.")
    return row, couple


def _require_caseload(actor: Actor, couple: Couple) -> None:
    """Notes are written on the couple's current caseload: a counsellor the couple was
    reassigned away from no longer edits, signs or adds to its notes, their own included
    (README, "Who sees what")."""
    if actor.is_counsellor and couple.counsellor_id != actor.id:
        raise PermissionDenied(
            f"{couple.case_code} was reassigned to another counsellor; its notes are "
            "read-only for you now."
        )


def _saved_elsewhere() -> str:
    """The conflict message, for a stale version and for a save that lost a race (a
    note's `version` is in every UPDATE's WHERE clause)."""
    return (
        "This note was saved elsewhere after you opened it; nothing was "
        "overwritten. Reload the note and apply your changes again."
    )


def _apply(row: SessionRow, given: SessionIn) -> None:
    row.session_date = given.session_date
    row.duration_minutes = given.duration_minutes
    row.modality = given.modality
    row.attendees = given.attendees
    row.note_data = given.note_data
    row.note_assessment = given.note_assessment
    row.note_plan = given.note_plan
    row.risk_raised = given.risk_raised
    row.risk_text = given.risk_text if given.risk_raised else ""


def _replace_ratings(
    session: OrmSession,
    actor: Actor,
    couple: Couple,
    row: SessionRow,
    given: SessionIn,
    *,
    complete: bool,
) -> None:
    """Validate the attending partners' ratings, then store them (drafts only): every
    instrument when `complete`, else those with any answer."""
    partners = {
        p.label: p for p in session.scalars(select(Partner).where(Partner.couple_id == couple.id))
    }
    attending = attending_labels(given.attendees)
    scored = _score_ratings(given.ratings, attending, partners, complete=complete)
    session.execute(delete(Measurement).where(Measurement.session_id == row.id))
    session.add_all(
        Measurement(
            couple_id=couple.id,
            partner_id=partners[label].id,
            session_id=row.id,
            instrument=key,
            measured_on=given.session_date,
            items=items,
            total=total,
            recorded_by_id=actor.id,
        )
        for label, key, items, total in scored
    )


def _score_ratings(
    ratings: Ratings,
    attending: tuple[str, ...],
    partners: Mapping[str, Partner],
    *,
    complete: bool = True,
) -> list[tuple[str, str, dict[str, float], float]]:
    absent = sorted(set(ratings) - set(attending))
    if absent:
        names = ", ".join(partners[label].name for label in absent)
        raise ValidationError(f"{names} did not attend; ratings are only for attending partners.")
    problems: list[str] = []
    scored = []
    for label in attending:
        given = ratings.get(label, {})
        for tool in _instruments_for(given):
            answers = given.get(tool.key)
            if not complete and not _any_answer(answers):
                continue  # a draft keeps what is there; signing asks for the rest
            try:
                if answers is None:
                    raise ValidationError(f"{tool.short_name}: not rated")
                total = tool.score(answers)
            except ValidationError as error:
                problems.append(f"{partners[label].name}: {error}")
                continue
            scored.append(
                (label, tool.key, {k: float(v) for k, v in answers.items() if v is not None}, total)
            )
    if problems:
        raise ValidationError("Ratings are incomplete or out of range — " + "; ".join(problems))
    return scored


def _any_answer(answers: Mapping[str, Any] | None) -> bool:
    return any(value is not None for value in (answers or {}).values())


def _unrated(session: OrmSession, row: SessionRow, couple: Couple) -> list[str]:
    """ "Name: instrument" for every per-session rating an attending partner lacks."""
    partners = {
        p.label: p for p in session.scalars(select(Partner).where(Partner.couple_id == couple.id))
    }
    rated = set(
        session.execute(
            select(Measurement.partner_id, Measurement.instrument).where(
                Measurement.session_id == row.id
            )
        ).all()
    )
    return [
        f"{partners[label].name}: {tool.short_name}"
        for label in attending_labels(row.attendees)
        for tool in session_instruments()
        if (partners[label].id, tool.key) not in rated
    ]


def _instruments_for(given: Mapping[str, Any]) -> list[Instrument]:
    """Every per-session instrument, plus any other instrument the form included."""
    tools = session_instruments()
    extra = [instrument(key) for key in given if key not in {t.key for t in tools}]
    return tools + extra


def _load(session: OrmSession, session_id: int) -> SessionRow:
    row = session.get(SessionRow, session_id)
    if row is None:
        raise NotFound("That session does not exist.")
    return row
