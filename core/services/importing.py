"""Import couples (and their historical ratings) from CSV: access, the case codes Mend
already holds, and an all-or-nothing write in one transaction, audited.

Counsellors import onto their own caseload; an administrator chooses the counsellor.
Supervisors read and reassign, they do not import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import importing
from core.db import Database
from core.domain import Role
from core.errors import ConflictError, PermissionDenied, ValidationError
from core.models import Counsellor, Couple, CoupleBreach, Measurement, Partner
from core.services import audit
from core.services.access import Actor, require_active, require_role

IMPORTERS = (Role.COUNSELLOR, Role.ADMIN)


@dataclass(frozen=True)
class Imported:
    case_codes: tuple[str, ...]
    ratings: int


def check(
    db: Database,
    actor: Actor,
    couples_csv: bytes,
    ratings_csv: bytes | None = None,
    *,
    counsellor_id: int,
    today: date,
) -> importing.Checked:
    """Every problem in the files, including case codes Mend already holds."""
    with db.read() as session:
        _require_importer(session, actor, counsellor_id)
        return _check(session, couples_csv, ratings_csv, today)


def import_couples(
    db: Database,
    actor: Actor,
    couples_csv: bytes,
    ratings_csv: bytes | None = None,
    *,
    counsellor_id: int,
    today: date,
) -> Imported:
    """Write every couple and rating of valid files in one transaction, or nothing."""
    try:
        with db.transaction() as session:
            _require_importer(session, actor, counsellor_id)
            checked = _check(session, couples_csv, ratings_csv, today)
            if not checked.ok:
                count = len(checked.problems)
                raise ValidationError(
                    f"{count} problem(s) in the file(s): nothing was imported. "
                    "Correct them and check again."
                    if count
                    else "The couples file has no rows: nothing was imported."
                )
            ids = _write(session, actor, checked, counsellor_id)
            audit.record(
                session,
                actor,
                "couples_imported",
                "counsellor",
                counsellor_id,
                {
                    "couples": len(ids),
                    "ratings": len(checked.ratings),
                    "case_codes": [couple.case_code for _, couple in checked.couples],
                },
            )
    except IntegrityError:
        raise ConflictError(
            "Someone saved a couple with one of these case codes meanwhile: nothing was "
            "imported. Check the file again."
        ) from None
    return Imported(tuple(ids), len(checked.ratings))


def _require_importer(session: Session, actor: Actor, counsellor_id: int) -> None:
    require_role(actor, *IMPORTERS, doing="import couples")
    require_active(session, actor)
    if actor.role is Role.COUNSELLOR and counsellor_id != actor.id:
        raise PermissionDenied("Counsellors import couples onto their own caseload only.")
    target = session.get(Counsellor, counsellor_id)
    if target is None or not target.active or target.role is not Role.COUNSELLOR:
        raise PermissionDenied("Couples can only be imported onto an active counsellor's caseload.")


def _check(
    session: Session, couples_csv: bytes, ratings_csv: bytes | None, today: date
) -> importing.Checked:
    first = importing.check(couples_csv, ratings_csv, today=today)
    codes = [couple.case_code for _, couple in first.couples] or _codes_in(couples_csv)
    taken = set(session.scalars(select(Couple.case_code).where(Couple.case_code.in_(codes))))
    if not taken:
        return first
    return importing.check(couples_csv, ratings_csv, today=today, existing_codes=taken)


def _codes_in(couples_csv: bytes) -> list[str]:
    """The case codes of a file with problems (to report those Mend already holds too)."""
    try:
        return importing.case_codes(couples_csv)
    except UnicodeDecodeError:
        return []


def _write(
    session: Session, actor: Actor, checked: importing.Checked, counsellor_id: int
) -> list[str]:
    by_code: dict[str, Couple] = {}
    for _, row in checked.couples:
        couple = Couple(
            case_code=row.case_code,
            counsellor_id=counsellor_id,
            status=row.status,
            intake_date=row.intake_date,
            pattern=row.pattern,
            goals=row.goals,
            breaches=[CoupleBreach(breach_type=kind) for kind in row.breach_types],
            partners=[
                Partner(label=label, name=p.name, pronouns=p.pronouns, role=p.role, contact="")
                for label, p in (("A", row.partner_a), ("B", row.partner_b))
            ],
        )
        session.add(couple)
        by_code[row.case_code] = couple
    session.flush()
    for _, rating in checked.ratings:
        couple = by_code[rating.case_code]
        partner = next(p for p in couple.partners if p.label == rating.partner)
        tool = importing.INSTRUMENTS[rating.instrument]
        session.add(
            Measurement(
                couple_id=couple.id,
                partner_id=partner.id,
                session_id=None,
                instrument=rating.instrument,
                measured_on=rating.rated_on,
                items=dict(rating.items),
                total=tool.score(rating.items),
                recorded_by_id=actor.id,
            )
        )
    for code, couple in by_code.items():
        ratings = sum(1 for _, rating in checked.ratings if rating.case_code == code)
        audit.record(
            session,
            actor,
            "couple_imported",
            "couple",
            couple.id,
            {"case_code": code, "ratings": ratings},
        )
    session.flush()
    return list(by_code)
