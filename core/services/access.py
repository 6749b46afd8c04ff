"""Who may do what. Every service calls these; the UI only hides what they refuse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session, object_session

from core.domain import Role
from core.errors import NotFound, PermissionDenied
from core.models import Counsellor, Couple


@dataclass(frozen=True)
class Actor:
    """The logged-in user as services see it."""

    id: int
    username: str
    display_name: str
    role: Role

    @classmethod
    def of(cls, user: Counsellor) -> Actor:
        return cls(user.id, user.username, user.display_name, Role(user.role))

    @property
    def is_counsellor(self) -> bool:
        return self.role is Role.COUNSELLOR

    @property
    def sees_every_caseload(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)


def caseload_scope(actor: Actor) -> ColumnElement[bool]:
    """The couples an actor may see, as a WHERE clause on `Couple`: the one caseload
    filter. Counsellors see their own caseload; supervisors and admins every one.
    Read queries (core.queries) take it as their `scope` argument."""
    return scope_of_caseload(caseload_owner(actor))


def caseload_owner(actor: Actor) -> int | None:
    """Whose caseload the actor sees: their own (their id), or every one (None)."""
    return None if actor.sees_every_caseload else actor.id


def scope_of_caseload(owner: int | None) -> ColumnElement[bool]:
    """caseload_scope's clause for a caseload_owner: that counsellor's couples, or all."""
    return true() if owner is None else Couple.counsellor_id == owner


def require_role(actor: Actor, *roles: Role, doing: str) -> None:
    if actor.role not in roles:
        allowed = " or ".join(role.value for role in roles)
        raise PermissionDenied(f"Only a {allowed} may {doing}.")


def require_active(session: Session, actor: Actor) -> Counsellor:
    """Refuse a user whose account was deactivated, or whose role changed, after they
    logged in: read from the database, never from the session's copy. Every service
    call, reads included, starts here."""
    user = session.get(Counsellor, actor.id)
    if user is None or not user.active:
        raise PermissionDenied("Your account is no longer active. Ask an administrator.")
    if Role(user.role) is not actor.role:
        raise PermissionDenied("Your role has changed: log in again to continue.")
    return user


def load_couple(session: Session, couple_id: int, *options: Any) -> Couple:
    """The couple or a NotFound every service words the same way."""
    query = select(Couple).where(Couple.id == couple_id)
    couple = session.scalar(query.options(*options) if options else query)
    if couple is None:
        raise NotFound("That couple does not exist.")
    return couple


def can_view_couple(actor: Actor, couple: Couple) -> bool:
    return actor.sees_every_caseload or couple.counsellor_id == actor.id


def require_view(actor: Actor, couple: Couple) -> None:
    if not can_view_couple(actor, couple):
        _audit_refusal(actor, couple, "open")
        raise PermissionDenied(
            f"{couple.case_code} is on another counsellor's caseload; you cannot open it."
        )


def require_edit(actor: Actor, couple: Couple) -> None:
    """Only the couple's own counsellor edits it; supervisors and admins read."""
    require_view(actor, couple)
    if couple.counsellor_id != actor.id:
        _audit_refusal(actor, couple, "change")
        raise PermissionDenied(
            f"{couple.case_code} is read-only for you: only its counsellor can change it."
        )


def _audit_refusal(actor: Actor, couple: Couple, doing: str) -> None:
    """Every refused attempt on a couple is audited, in a transaction of its own (the
    refused call's rolls back), with the page view when there is one."""
    from core.services import audit  # audit imports this module

    session = object_session(couple)
    if session is None:  # a couple built in memory (pure access checks): nothing to audit in
        return
    audit.record_refusal(session.get_bind(), actor, couple.id, couple.case_code, doing)
