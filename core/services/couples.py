"""Couple records: intake, details, status, reassignment and the caseload."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from core.db import Database, dialect_insert
from core.domain import (
    STATUS_TRANSITIONS,
    BreachPattern,
    BreachType,
    CaseRead,
    CoupleStatus,
    PartnerRole,
    Role,
    weeks_in_care,
)
from core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from core.models import Counsellor, Counter, Couple, CoupleBreach, Partner, utcnow
from core.models import Session as SessionRow
from core.queries.caseload import CASELOAD_COLUMNS as CASELOAD_COLUMNS
from core.queries.caseload import caseload_frame
from core.queries.caseload import couple_choices as caseload_choices
from core.schemas import (
    CONTROL_CHARACTERS,
    CoupleIn,
    PartnerIn,
    SearchIn,
    StatusChangeIn,
    parse,
    shown,
)
from core.services import audit
from core.services.access import (
    Actor,
    caseload_scope,
    load_couple,
    require_active,
    require_edit,
    require_role,
    require_view,
)
from core.services.conflicts import stale_is_conflict

CASE_CODE_COUNTER = "case_code"
CASE_CODE_LIMIT = 20  # longer than any case code (C-0042 ... C-99999999)


@dataclass(frozen=True)
class PartnerView:
    id: int
    label: str
    name: str
    pronouns: str
    role: PartnerRole
    contact: str


@dataclass(frozen=True)
class CoupleView:
    id: int
    case_code: str
    counsellor_id: int
    counsellor_name: str
    intake_date: date
    status: CoupleStatus
    pattern: BreachPattern
    breach_types: tuple[BreachType, ...]
    goals: str
    closing_reason: str | None
    partners: tuple[PartnerView, ...]
    version: int
    updated_at: datetime

    @property
    def partner_names(self) -> str:
        return " & ".join(partner.name for partner in self.partners)

    def weeks_in_care(self, today: date) -> int:
        return weeks_in_care(self.intake_date, today)

    def as_form(self) -> dict[str, Any]:
        """The record in CoupleIn's shape, to prefill the edit form."""
        a, b = self.partners
        return {
            "partner_a": _partner_form(a),
            "partner_b": _partner_form(b),
            "breach_types": list(self.breach_types),
            "pattern": self.pattern,
            "intake_date": self.intake_date,
            "goals": self.goals,
        }


def create_couple(
    db: Database,
    actor: Actor,
    data: CoupleIn | Mapping[str, Any],
    *,
    today: date | None = None,
) -> CoupleView:
    """Intake: the acting counsellor becomes the couple's counsellor. `today`: the
    counsellor's local date (a later intake date is refused)."""
    require_role(actor, Role.COUNSELLOR, doing="take on new couples")
    intake = parse(CoupleIn, data, today=today)
    with db.transaction() as session:
        require_active(session, actor)
        couple = Couple(
            case_code=_next_case_code(session),
            counsellor_id=actor.id,
            status=CoupleStatus.INTAKE,
        )
        _apply_details(couple, intake)
        session.add(couple)
        session.flush()
        audit.record(
            session,
            actor,
            "couple_created",
            "couple",
            couple.id,
            {"case_code": couple.case_code},
        )
        couple_id = couple.id
    return _visible(db, actor, couple_id)


def get_couple(db: Database, actor: Actor, couple_id: int) -> CoupleView:
    """Open a couple's record (its details): audited as read."""
    view = _visible(db, actor, couple_id)
    audit.record_read(db, actor, couple_id, CaseRead.DETAILS)
    return view


def _visible(db: Database, actor: Actor, couple_id: int) -> CoupleView:
    """The couple as it is now, for one who may see it (writes return it: not a read)."""
    with db.read() as session:
        require_active(session, actor)
        couple = _load(session, couple_id)
        require_view(actor, couple)
        return _view(couple)


def find_by_case_code(db: Database, actor: Actor, case_code: str) -> CoupleView:
    """The couple with this case code (as typed or from an address) if the actor may open
    it. Unknown, unreadable and another counsellor's codes get one and the same refusal,
    so a refusal never tells whether a case code exists."""
    with db.read() as session:  # one read: every couple page opens with this call
        require_active(session, actor)
        view = by_case_code(session, actor, case_code)
    audit.record_read(db, actor, view.id, CaseRead.DETAILS)
    return view


def by_case_code(session: Session, actor: Actor, case_code: str) -> CoupleView:
    """find_by_case_code inside a read of the caller's (the account already checked), not
    audited: for read models of a page that opens with the couple (sessions.log_form)."""
    code = case_code.strip().upper() if isinstance(case_code, str) else ""
    couple = None
    if code and len(code) <= CASE_CODE_LIMIT and not CONTROL_CHARACTERS.search(code):
        couple = session.scalar(
            select(Couple).where(Couple.case_code == code).options(*_VIEW_LOADS)
        )
    if couple is None:
        raise NotFound(no_such_case(case_code))
    try:
        require_view(actor, couple)  # audits the refused attempt
    except PermissionDenied:
        raise NotFound(no_such_case(case_code)) from None
    return _view(couple)


def no_such_case(case_code: object) -> str:
    """The one refusal for a case code the actor cannot open (unknown or not theirs)."""
    return f"There is no couple with case code {shown(str(case_code))!r} that you may open."


def update_couple(
    db: Database,
    actor: Actor,
    couple_id: int,
    data: CoupleIn | Mapping[str, Any],
    *,
    expected_version: int,
    today: date | None = None,
) -> CoupleView:
    """Save edited details unless someone saved a newer version meanwhile."""
    details = parse(CoupleIn, data, today=today)
    with _writing(db, actor, couple_id, expected_version) as (session, couple):
        before = _view(couple).as_form()
        _refuse_intake_after_sessions(session, couple, details.intake_date)
        _apply_details(couple, details)
        session.flush()
        changed = sorted(
            key for key, value in _view(couple).as_form().items() if value != before[key]
        )
        audit.record(
            session,
            actor,
            "couple_updated",
            "couple",
            couple.id,
            {"case_code": couple.case_code, "fields": changed},
        )
    return _visible(db, actor, couple_id)


def change_status(
    db: Database,
    actor: Actor,
    couple_id: int,
    data: StatusChangeIn | Mapping[str, Any],
    *,
    expected_version: int,
) -> CoupleView:
    change = parse(StatusChangeIn, data)
    with _writing(db, actor, couple_id, expected_version) as (session, couple):
        current = CoupleStatus(couple.status)
        if change.target not in STATUS_TRANSITIONS[current]:
            raise ValidationError(
                f"A case that is {current.value} cannot be changed to {change.target.value}."
            )
        couple.status = change.target
        if change.target is CoupleStatus.CLOSED:
            couple.closing_reason = change.reason
        elif current is CoupleStatus.CLOSED:
            couple.closing_reason = None
        audit.record(
            session,
            actor,
            "couple_status_changed",
            "couple",
            couple.id,
            {
                "case_code": couple.case_code,
                "from": current.value,
                "to": change.target.value,
                "reason": change.reason,
            },
        )
    return _visible(db, actor, couple_id)


def reassign(
    db: Database, actor: Actor, couple_id: int, counsellor_id: int, *, expected_version: int
) -> CoupleView:
    """Supervisors (and admins) move a couple to another active counsellor."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN, doing="reassign couples")
    with _lost_race_is_conflict(db, couple_id), db.transaction() as session:
        require_active(session, actor)
        couple = _load(session, couple_id)
        _check_version(couple, expected_version)
        target = session.get(Counsellor, counsellor_id)
        if target is None or not target.active or target.role != Role.COUNSELLOR:
            raise ValidationError("Choose an active counsellor to take over this couple.")
        if target.id == couple.counsellor_id:
            raise ValidationError(f"{couple.case_code} is already with {target.display_name}.")
        previous = couple.counsellor_id
        couple.counsellor_id = target.id
        session.flush()
        audit.record(
            session,
            actor,
            "couple_reassigned",
            "couple",
            couple.id,
            {"case_code": couple.case_code, "from": previous, "to": target.id},
        )
    return _visible(db, actor, couple_id)


def caseload(
    db: Database,
    actor: Actor,
    *,
    today: date,
    statuses: list[CoupleStatus] | None = None,
    counsellor_ids: list[int] | None = None,
    search: str = "",
) -> pd.DataFrame:
    """One row per couple the actor may see, filtered in the database."""
    search = parse(SearchIn, {"query": search}).query
    with db.read() as session:
        require_active(session, actor)
        return caseload_frame(
            session,
            caseload_scope(actor),
            today=today,
            statuses=statuses,
            counsellor_ids=counsellor_ids,
            search=search,
        )


def couple_choices(db: Database, actor: Actor, *, statuses: list[CoupleStatus]) -> dict[int, str]:
    """ "Case code · partners" per couple the actor may see with one of `statuses`, by
    case code (a picker's options; no record is opened)."""
    with db.read() as session:
        require_active(session, actor)
        rows = caseload_choices(session, caseload_scope(actor), statuses)
    return {couple_id: f"{code} · {partners}" for couple_id, code, partners in rows}


@contextmanager
def _writing(
    db: Database, actor: Actor, couple_id: int, expected_version: int
) -> Iterator[tuple[Session, Couple]]:
    """One transaction editing a couple its counsellor opened at a known version."""
    with _lost_race_is_conflict(db, couple_id), db.transaction() as session:
        require_active(session, actor)
        couple = _load(session, couple_id)
        require_edit(actor, couple)
        _check_version(couple, expected_version)
        # Touch the row so child-only edits (partners, breaches) bump the version too.
        couple.updated_at = utcnow()
        yield session, couple
        session.flush()


def _check_version(couple: Couple, expected_version: int) -> None:
    if couple.version != expected_version:
        raise ConflictError(_changed_meanwhile(couple))


def _changed_meanwhile(couple: Couple) -> str:
    return (
        f"{couple.case_code} was changed by someone else at "
        f"{couple.updated_at:%H:%M} UTC after you opened it. Nothing was overwritten: "
        "your changes are still in the form; compare them with the saved version "
        "shown and save again to apply them."
    )


def _lost_race_is_conflict(db: Database, couple_id: int) -> AbstractContextManager[None]:
    """Another save of the same version committed first (the UPDATE matched no row):
    the version check's own message, with the winner's time."""

    def message() -> str:
        with db.read() as session:
            couple = session.get(Couple, couple_id)
            assert couple is not None  # couples are never deleted
            return _changed_meanwhile(couple)

    return stale_is_conflict(message)


def _refuse_intake_after_sessions(session: Session, couple: Couple, intake: date) -> None:
    first = session.scalar(
        select(func.min(SessionRow.session_date)).where(SessionRow.couple_id == couple.id)
    )
    if first is not None and intake > first:
        raise ValidationError(
            f"Intake date cannot be after the first session ({first:%d %b %Y}).",
            field_errors={"intake_date": "after the first session"},
        )


def _next_case_code(session: Session) -> str:
    """The next case code, taken in one atomic statement on the `counters` row: a
    simultaneous intake waits for this transaction (the row is locked until commit)
    and then takes the number after it, so two intakes never get the same code.

    The number never falls behind the highest stored code (a restored or imported
    record), and a missing counter row is created from it."""
    counters = Counter.__table__
    highest = select(
        func.coalesce(func.max(cast(func.substr(Couple.case_code, 3), Integer)), 0)
    ).scalar_subquery()
    insert = dialect_insert(session)(counters).values(name=CASE_CODE_COUNTER, value=highest + 1)
    upsert = insert.on_conflict_do_update(
        index_elements=[counters.c.name],
        set_={
            "value": case(
                (insert.excluded.value > counters.c.value, insert.excluded.value),
                else_=counters.c.value + 1,
            )
        },
    ).returning(counters.c.value)
    number = session.execute(upsert).scalar_one()
    return f"C-{number:04d}"


def _apply_details(couple: Couple, details: CoupleIn) -> None:
    couple.intake_date = details.intake_date
    couple.pattern = details.pattern
    couple.goals = details.goals
    current = {breach.breach_type: breach for breach in couple.breaches}
    couple.breaches = [
        current.get(kind) or CoupleBreach(breach_type=kind) for kind in details.breach_types
    ]
    partners = {partner.label: partner for partner in couple.partners}
    for label, given in (("A", details.partner_a), ("B", details.partner_b)):
        partner = partners.get(label) or Partner(label=label)
        _apply_partner(partner, given)
        if label not in partners:
            couple.partners.append(partner)


def _apply_partner(partner: Partner, given: PartnerIn) -> None:
    partner.name = given.name
    partner.pronouns = given.pronouns
    partner.role = given.role
    partner.contact = given.contact


# What _view reads of a couple, loaded with it.
_VIEW_LOADS = (
    selectinload(Couple.partners),
    selectinload(Couple.breaches),
    joinedload(Couple.counsellor),  # one row each: joined, not a query of its own
)


def _load(session: Session, couple_id: int) -> Couple:
    return load_couple(session, couple_id, *_VIEW_LOADS)


def _view(couple: Couple) -> CoupleView:
    return CoupleView(
        id=couple.id,
        case_code=couple.case_code,
        counsellor_id=couple.counsellor_id,
        counsellor_name=couple.counsellor.display_name,
        intake_date=couple.intake_date,
        status=CoupleStatus(couple.status),
        pattern=BreachPattern(couple.pattern),
        breach_types=tuple(
            sorted((BreachType(b.breach_type) for b in couple.breaches), key=list(BreachType).index)
        ),
        goals=couple.goals,
        closing_reason=couple.closing_reason,
        partners=tuple(
            PartnerView(p.id, p.label, p.name, p.pronouns, PartnerRole(p.role), p.contact)
            for p in sorted(couple.partners, key=lambda p: p.label)
        ),
        version=couple.version,
        updated_at=couple.updated_at,
    )


def _partner_form(partner: PartnerView) -> dict[str, Any]:
    return {
        "name": partner.name,
        "pronouns": partner.pronouns,
        "role": partner.role,
        "contact": partner.contact,
    }
