"""Check-in links: a partner answers the weekly check-in and their homework reflections on
their own phone, through a private link the counsellor gives them (no account).

Counsellor side, here (`(db, actor, ...)`): `create_link`, `revoke_link`, `links`,
`recent`, `mark_seen`, `acknowledge`. Partner side, in core.services.partner_checkins
(`(db, token, ...)`, no actor): `partner_view`, `submit_check_in`, `submit_reflection`;
each re-checks the token, so a revoked or expired link stops working at the next rerun of
an open tab.

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
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import load_settings
from core.db import Database
from core.domain import (
    ABUSE_CONCERNS,
    SAFE_CHANNEL_NEEDED,
    CaseRead,
)
from core.errors import NotFound, ValidationError
from core.models import (
    CheckIn,
    CheckInLink,
    Partner,
    utcnow,
)
from core.queries.safety import open_concern_types
from core.schemas import CheckInLinkIn, parse
from core.services import audit
from core.services.access import Actor
from core.services.homework._couple import to_change, to_read


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
