"""The couple a homework use case works on, loaded once with its partners and breaches."""

from __future__ import annotations

from sqlalchemy.orm import Session, selectinload

from core.domain import CoupleStatus
from core.errors import ValidationError
from core.models import Couple
from core.services.access import Actor, load_couple, require_active, require_edit, require_view


def _load(session: Session, couple_id: int) -> Couple:
    return load_couple(
        session, couple_id, selectinload(Couple.partners), selectinload(Couple.breaches)
    )


def to_read(session: Session, actor: Actor, couple_id: int) -> Couple:
    """The couple, if the actor may see it."""
    require_active(session, actor)
    couple = _load(session, couple_id)
    require_view(actor, couple)
    return couple


def may_read(session: Session, actor: Actor, couple_id: int) -> None:
    """Refuse unless the actor may see the couple: for reads that use nothing of the
    couple itself (no partners or breaches loaded: two queries fewer than `to_read`)."""
    require_active(session, actor)
    require_view(actor, load_couple(session, couple_id))


def to_change(session: Session, actor: Actor, couple_id: int) -> Couple:
    """The couple, if the actor is its counsellor and the case is not closed."""
    require_active(session, actor)
    couple = _load(session, couple_id)
    require_edit(actor, couple)
    if couple.status == CoupleStatus.CLOSED:
        raise ValidationError(
            f"{couple.case_code} is closed: homework cannot be assigned or updated. "
            "Reopen the case first."
        )
    return couple


def may_change(actor: Actor, couple: Couple) -> bool:
    """Whether `to_change` would let the actor change this couple's homework (the
    account's being active aside)."""
    return couple.counsellor_id == actor.id and couple.status != CoupleStatus.CLOSED
