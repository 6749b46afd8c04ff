"""The partner's side of check-in links (core.services.checkins has the counsellor's): a
partner opens their private link, answers the weekly check-in and their homework
reflections. Each call (`(db, token, ...)`, no actor) re-checks the token, so a revoked or
expired link stops working at the next rerun of an open tab; the door's rules are in
core.services.checkins' docstring."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.config import CHECKIN_WINDOW_MINUTES, load_settings
from core.db import Database
from core.domain import (
    CHECK_IN_ALERT_DISTRESS,
    CHECK_IN_ALERT_UNSAFE,
    CHECK_IN_ALREADY_TODAY,
    CHECK_IN_REFUSED,
    SOURCE_CHECK_IN,
    AssignmentStatus,
    AssignmentTarget,
)
from core.errors import MendError, ValidationError
from core.homework_rules import TARGET_PARTNERS, is_gated
from core.measures import DISTRESS, INSTRUMENTS
from core.models import (
    Assignment,
    CheckIn,
    CheckInAttempt,
    CheckInLink,
    Couple,
    ExerciseVersion,
    Measurement,
    Partner,
    utcnow,
)
from core.schemas import CheckInReflectionIn, parse
from core.services import audit
from core.services.checkins import abuse_concern_open, hash_token
from core.services.homework.working import LinkUse, record_from_link

OPEN = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)


class CheckInRefused(MendError):
    """The one answer to a wrong, expired or revoked token, or too many attempts."""

    def __init__(self) -> None:
        super().__init__(CHECK_IN_REFUSED)


@dataclass(frozen=True)
class LinkHomework:
    assignment_id: int
    title: str
    purpose: str
    instructions: tuple[str, ...]
    prompts: tuple[str, ...]
    due_on: date


@dataclass(frozen=True)
class PartnerView:
    """Everything the link page shows: this partner's own things, nothing else."""

    first_name: str
    instruments: tuple[str, ...]
    checked_in_today: bool
    homework: tuple[LinkHomework, ...]
    progress: pd.DataFrame | None  # measured_on, instrument, total; None: not shown


@dataclass(frozen=True)
class CheckInResult:
    alert: bool
    reasons: tuple[str, ...]


# --- the partner's side ------------------------------------------------------------------------


@dataclass
class _Door:
    link: CheckInLink
    partner: Partner
    couple: Couple

    @property
    def use(self) -> LinkUse:
        return LinkUse(self.link.id, self.link.created_by_id)


def client_address(ip: str | None, forwarded: str | None) -> str | None:
    """The address the limit counts: the connection's own, unless it is a local proxy's
    (then the first address the proxy forwarded). A client cannot dodge the limit by
    sending its own X-Forwarded-For straight to Mend."""
    local = ip is None or ip.startswith("127.") or ip in ("::1", "localhost")
    if local and forwarded and forwarded.split(",")[0].strip():
        return forwarded.split(",")[0].strip()
    return ip


def _address_hash(address: str | None) -> str:
    return hashlib.sha256((address or "unknown").encode()).hexdigest()


def _refuse(
    session: Session, address_hash: str, now: datetime, why: str, link_id: int | None
) -> None:
    session.add(CheckInAttempt(address_hash=address_hash, at=now))
    audit.record(
        session,
        None,
        "check_in_refused",
        "check_in_link",
        link_id,
        {"why": why, "address": address_hash[:12]},
        username="check-in link",
    )


def _open(session: Session, token: str, address: str | None, now: datetime) -> _Door | str:
    """The link behind `token`, or why it is refused (the caller records the refusal
    in a transaction of its own, so it stays recorded while the use rolls back)."""
    address_hash = _address_hash(address)
    since = now - timedelta(minutes=CHECKIN_WINDOW_MINUTES)
    refused = session.scalar(
        select(func.count(CheckInAttempt.id)).where(
            CheckInAttempt.address_hash == address_hash, CheckInAttempt.at >= since
        )
    )
    if (refused or 0) >= load_settings().checkin_attempts:
        return "too many attempts"
    digest = hash_token(token or "")
    link = session.scalar(select(CheckInLink).where(CheckInLink.token_hash == digest))
    if link is None or not hmac.compare_digest(link.token_hash, digest):
        return "unknown token"
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    partner = session.get(Partner, link.partner_id)
    couple = session.get(Couple, link.couple_id)
    assert partner is not None and couple is not None
    return _Door(link, partner, couple)


def _through(db: Database, token: str, address: str | None, now: datetime | None) -> datetime:
    """A transaction with the link opened, or CheckInRefused (the refusal recorded)."""
    now = now or utcnow()
    with db.transaction() as session:
        door = _open(session, token, address, now)
        if isinstance(door, str):
            link_id = session.scalar(
                select(CheckInLink.id).where(CheckInLink.token_hash == hash_token(token or ""))
            )
            _refuse(session, _address_hash(address), now, door, link_id)
    if isinstance(door, str):
        raise CheckInRefused()
    return now


def partner_view(
    db: Database,
    token: str,
    *,
    address: str | None,
    today: date,
    audit_use: bool = True,
    now: datetime | None = None,
) -> PartnerView:
    """What the link page shows (CheckInRefused for a wrong, expired or revoked token)."""
    now = _through(db, token, address, now)
    with db.transaction() as session:
        door = _open(session, token, address, now)
        assert not isinstance(door, str)
        link, partner = door.link, door.partner
        if audit_use:
            link.last_used_at = now
            _record(session, door, "check_in_link_opened", {})
        done_today = _checked_in(session, partner.id, today)
        progress = None
        if link.show_progress:
            rows = session.execute(
                select(Measurement.measured_on, Measurement.instrument, Measurement.total)
                .where(
                    Measurement.partner_id == partner.id,
                    Measurement.instrument.in_(list(link.instruments)),
                )
                .order_by(Measurement.measured_on, Measurement.id)
            ).all()
            progress = pd.DataFrame(rows, columns=["measured_on", "instrument", "total"])
        return PartnerView(
            first_name=(partner.name.split() or ["there"])[0],
            instruments=tuple(k for k in link.instruments if k in INSTRUMENTS),
            checked_in_today=done_today,
            homework=tuple(_homework(session, door)),
            progress=progress,
        )


def submit_check_in(
    db: Database,
    token: str,
    *,
    address: str | None,
    today: date,
    ratings: Mapping[str, Mapping[str, float | int | None]],
    safe_at_home: bool | None = None,
    now: datetime | None = None,
) -> CheckInResult:
    """This week's answers as ratings with the source "check-in" (never a session); one
    check-in a day per partner. Returns whether it raised a flag."""
    now = _through(db, token, address, now)
    try:
        with db.transaction() as session:
            door = _open(session, token, address, now)
            assert not isinstance(door, str)
            link, partner = door.link, door.partner
            if _checked_in(session, partner.id, today):
                raise ValidationError(CHECK_IN_ALREADY_TODAY)
            unknown = sorted(set(ratings) - set(link.instruments))
            if unknown:
                raise ValidationError("This check-in does not ask that question.")
            totals = {key: INSTRUMENTS[key].score(ratings.get(key, {})) for key in link.instruments}
            reasons = []
            if DISTRESS.key in totals and totals[DISTRESS.key] >= DISTRESS.total_range[1]:
                reasons.append(CHECK_IN_ALERT_DISTRESS)
            if safe_at_home is False:
                reasons.append(CHECK_IN_ALERT_UNSAFE)
            row = CheckIn(
                link_id=link.id,
                couple_id=door.couple.id,
                partner_id=partner.id,
                checked_on=today,
                submitted_at=now,
                safe_at_home=safe_at_home,
                alert=bool(reasons),
                alert_reason="; ".join(reasons),
            )
            session.add(row)
            for key, total in totals.items():
                session.add(
                    Measurement(
                        couple_id=door.couple.id,
                        partner_id=partner.id,
                        session_id=None,
                        instrument=key,
                        measured_on=today,
                        items={k: float(v) for k, v in ratings[key].items() if v is not None},
                        total=total,
                        recorded_by_id=link.created_by_id,
                        source=SOURCE_CHECK_IN,
                    )
                )
            session.flush()
            _record(
                session,
                door,
                "check_in_submitted",
                {"check_in": row.id, "instruments": list(totals), "flag": row.alert_reason},
            )
            return CheckInResult(bool(reasons), tuple(reasons))
    except IntegrityError:  # the same partner's check-in from a second tab won the race
        raise ValidationError(CHECK_IN_ALREADY_TODAY) from None


def submit_reflection(
    db: Database,
    token: str,
    data: CheckInReflectionIn | Mapping[str, object],
    *,
    address: str | None,
    today: date,
    now: datetime | None = None,
) -> None:
    """The partner's own homework: done (answers to its prompts) or skipped with a reason,
    marked "check-in" on the assignment."""
    given = parse(CheckInReflectionIn, data)
    now = _through(db, token, address, now)
    with db.transaction() as session:
        door = _open(session, token, address, now)
        assert not isinstance(door, str)
        if given.assignment_id not in {h.assignment_id for h in _homework(session, door)}:
            raise ValidationError("That homework is not on this check-in.")
        assignment = session.get(Assignment, given.assignment_id)
        assert assignment is not None
        record_from_link(
            session,
            door.use,
            assignment,
            door.couple,
            door.partner.label,
            today,
            done=given.done,
            answers=given.answers,
            skip_reason=given.skip_reason,
        )


def _record(session: Session, door: _Door, action: str, detail: dict[str, object]) -> None:
    audit.record(
        session,
        None,
        action,
        "check_in_link",
        door.link.id,
        {"case_code": door.couple.case_code, "partner": door.partner.label, **detail},
        username=door.use.username,
    )


def _checked_in(session: Session, partner_id: int, today: date) -> bool:
    found = session.scalar(
        select(CheckIn.id).where(CheckIn.partner_id == partner_id, CheckIn.checked_on == today)
    )
    return found is not None


def _homework(session: Session, door: _Door) -> list[LinkHomework]:
    """The partner's own open homework; nothing gated (joint or asking vulnerability)
    while an abuse concern is open."""
    targets = [t for t, labels in TARGET_PARTNERS.items() if door.partner.label in labels]
    rows = session.execute(
        select(Assignment, ExerciseVersion)
        .join(ExerciseVersion, ExerciseVersion.id == Assignment.exercise_version_id)
        .where(
            Assignment.couple_id == door.couple.id,
            Assignment.target.in_([AssignmentTarget(t) for t in targets]),
            Assignment.status.in_(OPEN),
        )
        .order_by(Assignment.due_on, Assignment.id)
    ).all()
    guarded = abuse_concern_open(session, door.couple.id)
    return [
        LinkHomework(
            assignment.id,
            text.title,
            text.purpose,
            tuple(text.instructions),
            tuple(text.prompts),
            assignment.due_on,
        )
        for assignment, text in rows
        if not (guarded and is_gated(text))
    ]
