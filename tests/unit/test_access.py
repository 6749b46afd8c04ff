"""Who may do what (core.services.access): pure rules, no database."""

from __future__ import annotations

import pytest

from core.domain import Role
from core.errors import PermissionDenied
from core.models import Counsellor, Couple
from core.services.access import (
    Actor,
    can_view_couple,
    require_edit,
    require_role,
    require_view,
)

ALICE = Actor(3, "alice", "Alice", Role.COUNSELLOR)
BRUNO = Actor(4, "bruno", "Bruno", Role.COUNSELLOR)
SUPERVISOR = Actor(2, "super1", "Super1", Role.SUPERVISOR)
ADMIN = Actor(1, "admin1", "Admin1", Role.ADMIN)


def _couple_of(actor: Actor) -> Couple:
    return Couple(id=10, case_code="C-0010", counsellor_id=actor.id)


def test_actor_is_built_from_an_account_row() -> None:
    user = Counsellor(id=7, username="dana", display_name="Dana", role="supervisor")
    actor = Actor.of(user)
    assert actor == Actor(7, "dana", "Dana", Role.SUPERVISOR)
    assert actor.role is Role.SUPERVISOR


@pytest.mark.parametrize(
    ("actor", "counsellor", "sees_all"),
    [(ALICE, True, False), (SUPERVISOR, False, True), (ADMIN, False, True)],
    ids=["counsellor", "supervisor", "admin"],
)
def test_role_properties(actor: Actor, counsellor: bool, sees_all: bool) -> None:
    assert actor.is_counsellor is counsellor
    assert actor.sees_every_caseload is sees_all


def test_require_role_lets_allowed_roles_through() -> None:
    require_role(ADMIN, Role.ADMIN, doing="manage accounts")
    require_role(SUPERVISOR, Role.SUPERVISOR, Role.ADMIN, doing="reassign couples")


def test_require_role_names_who_may_do_it() -> None:
    with pytest.raises(PermissionDenied) as caught:
        require_role(ALICE, Role.SUPERVISOR, Role.ADMIN, doing="reassign couples")
    assert str(caught.value) == "Only a supervisor or admin may reassign couples."


def test_counsellor_views_only_their_own_couples() -> None:
    couple = _couple_of(ALICE)
    assert can_view_couple(ALICE, couple)
    assert not can_view_couple(BRUNO, couple)
    require_view(ALICE, couple)
    with pytest.raises(PermissionDenied, match="C-0010 is on another counsellor's caseload"):
        require_view(BRUNO, couple)


@pytest.mark.parametrize("reader", [SUPERVISOR, ADMIN], ids=["supervisor", "admin"])
def test_supervisors_and_admins_view_but_do_not_edit(reader: Actor) -> None:
    couple = _couple_of(ALICE)
    assert can_view_couple(reader, couple)
    require_view(reader, couple)
    with pytest.raises(PermissionDenied, match="C-0010 is read-only for you"):
        require_edit(reader, couple)


def test_only_the_couples_counsellor_edits() -> None:
    couple = _couple_of(ALICE)
    require_edit(ALICE, couple)
    with pytest.raises(PermissionDenied, match="another counsellor's caseload"):
        require_edit(BRUNO, couple)
