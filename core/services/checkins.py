"""Check-in links: a partner answers the weekly check-in and their homework reflections on
their own phone, through a private link the counsellor gives them (no account).

Counsellor side (`(db, actor, ...)`): `create_link`, `revoke_link`, `links`, `recent`,
`mark_seen`, `acknowledge`. Partner side (`(db, token, ...)`, no actor): `partner_view`,
`submit_check_in`, `submit_reflection`; each re-checks the token, so a revoked or expired
link stops working at the next rerun of an open tab.

The door: the token (`secrets.token_urlsafe(32)`, 256 bits) is stored only as its SHA-256;
a link is looked up by that hash and the hashes compared in constant time. A wrong,
expired or revoked token gets one neutral refusal (`CheckInRefused`), and refusals are
counted per address (a hash of it): past MEND_CHECKIN_ATTEMPTS in CHECKIN_WINDOW_MINUTES
the address is refused whatever it sends. Every use is audited under the link.

Safety decides (DOMAIN.md): under an open violence, coercive-control or emotional-abuse
concern a link needs a recorded reason why the partner's channel is private and safe, and
gated (joint or vulnerable) homework never appears on a link. Distress at the top of its
scale, or "no" to "Do you feel safe at home this week?", raises a flag on the caseload at
once (until the counsellor acknowledges it) and the partner's page shows the crisis line.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
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
    ABUSE_CONCERNS,
    CHECK_IN_ALERT_DISTRESS,
    CHECK_IN_ALERT_UNSAFE,
    CHECK_IN_ALREADY_TODAY,
    CHECK_IN_REFUSED,
    SAFE_CHANNEL_NEEDED,
    SOURCE_CHECK_IN,
    AssignmentStatus,
    AssignmentTarget,
    CaseRead,
)
from core.errors import MendError, NotFound, ValidationError
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
from core.queries.safety import open_concern_types
from core.schemas import CheckInLinkIn, CheckInReflectionIn, parse
from core.services import audit
from core.services.access import Actor
from core.services.homework._couple import to_change, to_read
from core.services.homework.working import LinkUse, record_from_link

OPEN = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)


class CheckInRefused(MendError):
    """The one answer to a wrong, expired or revoked token, or too many attempts."""

    def __init__(self) -> None:
        super().__init__(CHECK_IN_REFUSED)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LinkView:
    id: int
    partner_label: str
    partner_name: str
    instruments: tuple[str, ...]
    show_progress: bool
    safe_channel_reason: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


@dataclass(frozen=True)
class NewLink:
    """A link just made: the token is shown this once and never stored."""

    token: str
    link: LinkView


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


# --- the counsellor's side ---------------------------------------------------------------------


def abuse_concern_open(session: Session, couple_id: int) -> bool:
    """Whether an open screen of the couple names violence, coercive control or abuse."""
    _any, ticked = open_concern_types(session, couple_id)
    return bool(ticked & ABUSE_CONCERNS)


def needs_safe_channel(db: Database, actor: Actor, couple_id: int) -> bool:
    """Whether a new link for this couple needs a safe-channel reason (the form asks)."""
    with db.read() as session:
        to_read(session, actor, couple_id)
        return abuse_concern_open(session, couple_id)


def link_url(base: str, token: str) -> str:
    """The address a partner opens: the app's root with the token (nothing else in it)."""
    return f"{base.rstrip('/')}/?t={token}"


def create_link(
    db: Database,
    actor: Actor,
    couple_id: int,
    data: CheckInLinkIn | Mapping[str, object],
    *,
    now: datetime | None = None,
) -> NewLink:
    """A new link for one partner (the couple's own counsellor, case not closed)."""
    given = parse(CheckInLinkIn, data)
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with db.transaction() as session:
        couple = to_change(session, actor, couple_id)
        partner = next(p for p in couple.partners if p.label == given.partner_label)
        reason = (given.safe_channel_reason or "").strip() or None
        under_concern = abuse_concern_open(session, couple.id)
        if under_concern and reason is None:
            raise ValidationError(SAFE_CHANNEL_NEEDED, field_errors={"safe_channel_reason": ""})
        link = CheckInLink(
            couple_id=couple.id,
            partner_id=partner.id,
            token_hash=hash_token(token),
            instruments=list(dict.fromkeys(given.instruments)),
            show_progress=given.show_progress,
            safe_channel_reason=reason if under_concern else None,
            created_by_id=actor.id,
            created_at=now,
            expires_at=now + timedelta(days=load_settings().checkin_days),
        )
        session.add(link)
        session.flush()
        audit.record(
            session,
            actor,
            "check_in_link_created",
            "check_in_link",
            link.id,
            {
                "case_code": couple.case_code,
                "partner": partner.label,
                "instruments": link.instruments,
                "show_progress": link.show_progress,
                "expires_at": link.expires_at,
                "safe_channel_reason": link.safe_channel_reason,
            },
        )
        return NewLink(token, _link_view(link, partner))


def revoke_link(db: Database, actor: Actor, link_id: int, *, now: datetime | None = None) -> None:
    with db.transaction() as session:
        link = session.get(CheckInLink, link_id)
        if link is None:
            raise NotFound("That check-in link does not exist.")
        couple = to_change(session, actor, link.couple_id)
        if link.revoked_at is not None:
            return
        link.revoked_at = now or utcnow()
        link.revoked_by_id = actor.id
        audit.record(
            session,
            actor,
            "check_in_link_revoked",
            "check_in_link",
            link.id,
            {"case_code": couple.case_code},
        )


def links(db: Database, actor: Actor, couple_id: int) -> list[LinkView]:
    """The couple's links, newest first."""
    with db.read() as session:
        to_read(session, actor, couple_id)
        rows = session.execute(
            select(CheckInLink, Partner)
            .join(Partner, Partner.id == CheckInLink.partner_id)
            .where(CheckInLink.couple_id == couple_id)
            .order_by(CheckInLink.created_at.desc(), CheckInLink.id.desc())
        ).all()
        found = [_link_view(link, partner) for link, partner in rows]
    audit.record_read(db, actor, couple_id, CaseRead.CHECK_INS)
    return found


CHECK_IN_COLUMNS = ["id", "partner", "checked_on", "safe_at_home", "alert", "new"]


def recent(db: Database, actor: Actor, couple_id: int, *, limit: int = 20) -> pd.DataFrame:
    """The couple's latest check-ins (CHECK_IN_COLUMNS), newest first."""
    with db.read() as session:
        to_read(session, actor, couple_id)
        rows = session.execute(
            select(
                CheckIn.id,
                Partner.name,
                CheckIn.checked_on,
                CheckIn.safe_at_home,
                (CheckIn.alert & CheckIn.acknowledged_at.is_(None)).label("alert"),
                CheckIn.alert_reason,
                CheckIn.seen_at.is_(None),
            )
            .join(Partner, Partner.id == CheckIn.partner_id)
            .where(CheckIn.couple_id == couple_id)
            .order_by(CheckIn.checked_on.desc(), CheckIn.id.desc())
            .limit(limit)
        ).all()
    audit.record_read(db, actor, couple_id, CaseRead.CHECK_INS)
    return pd.DataFrame(
        [
            (i, name, day, safe, reason if alert else "", bool(new))
            for i, name, day, safe, alert, reason, new in rows
        ],
        columns=CHECK_IN_COLUMNS,
    )


def mark_seen(db: Database, actor: Actor, couple_id: int, *, now: datetime | None = None) -> int:
    """Its counsellor has seen the couple's check-ins (no longer new): how many were new."""
    with db.transaction() as session:
        couple = to_read(session, actor, couple_id)
        if couple.counsellor_id != actor.id:
            return 0
        rows = session.scalars(
            select(CheckIn).where(CheckIn.couple_id == couple_id, CheckIn.seen_at.is_(None))
        ).all()
        for row in rows:
            row.seen_at = now or utcnow()
        if rows:
            audit.record(
                session,
                actor,
                "check_ins_seen",
                "couple",
                couple_id,
                {"case_code": couple.case_code, "check_ins": len(rows)},
            )
        return len(rows)


def acknowledge(db: Database, actor: Actor, check_in_id: int) -> None:
    """The counsellor has acted on a check-in's flag: it leaves the caseload."""
    with db.transaction() as session:
        row = session.get(CheckIn, check_in_id)
        if row is None:
            raise NotFound("That check-in does not exist.")
        couple = to_change(session, actor, row.couple_id)
        if row.acknowledged_at is None:
            row.acknowledged_at = utcnow()
            row.acknowledged_by_id = actor.id
            audit.record(
                session,
                actor,
                "check_in_flag_acknowledged",
                "check_in",
                row.id,
                {"case_code": couple.case_code, "reason": row.alert_reason},
            )


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


def _link_view(link: CheckInLink, partner: Partner) -> LinkView:
    return LinkView(
        id=link.id,
        partner_label=partner.label,
        partner_name=partner.name,
        instruments=tuple(link.instruments),
        show_progress=link.show_progress,
        safe_channel_reason=link.safe_channel_reason,
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        last_used_at=link.last_used_at,
    )
