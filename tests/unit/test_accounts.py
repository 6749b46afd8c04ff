"""Login, lock-out and account administration (core.services.accounts)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.domain import Role
from core.errors import AuthenticationError, NotFound, PermissionDenied, ValidationError
from core.models import AuditEvent, Counsellor
from core.services import accounts, couples
from core.services.access import Actor
from tests.conftest import TEST_PASSWORD, Team, intake_form

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "a-fresh-unusual-pass"
# The one message of every refused login (issue 11, item 9): it names no reason.
REFUSED = (
    "Wrong username or password, or the account is locked or deactivated. "
    "Five wrong passwords in a row lock an account for 15 minutes; "
    "an administrator can unlock it."
)


def _user(db: Database, username: str) -> Counsellor:
    with db.read() as session:
        user = session.scalar(select(Counsellor).where(Counsellor.username == username))
        assert user is not None
        return user


def _events(db: Database, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    with db.read() as session:
        return list(session.scalars(query))


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _fail(db: Database, username: str, times: int, *, now: datetime = T0) -> list[str]:
    messages = []
    for _ in range(times):
        with pytest.raises(AuthenticationError) as caught:
            accounts.authenticate(db, username, "not-the-password", now=now)
        messages.append(str(caught.value))
    return messages


def _new_account(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": "dana",
        "display_name": "Dana Reyes",
        "role": "counsellor",
        "password": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


# --- authenticate ------------------------------------------------------------------------


def test_correct_password_returns_the_actor(db: Database, team: Team) -> None:
    actor = accounts.authenticate(db, "alice", TEST_PASSWORD, now=T0)
    assert actor == team.alice
    assert actor.role is Role.COUNSELLOR


def test_successful_login_is_audited_and_remembered(db: Database, team: Team) -> None:
    accounts.authenticate(db, "alice", TEST_PASSWORD, now=T0)

    (event,) = _events(db)
    assert event.action == "login"
    assert event.actor_id == team.alice.id
    assert event.actor_username == "alice"
    assert event.entity == "account"
    assert event.entity_id == str(team.alice.id)
    assert _user(db, "alice").last_login_at == T0


def test_username_is_matched_ignoring_case_and_spaces(db: Database, team: Team) -> None:
    assert accounts.authenticate(db, "  ALICE ", TEST_PASSWORD, now=T0) == team.alice


def test_wrong_password_is_refused_counted_and_audited(db: Database, team: Team) -> None:
    with pytest.raises(AuthenticationError) as caught:
        accounts.authenticate(db, "alice", "wrong-password!", now=T0)
    assert str(caught.value) == REFUSED

    assert _user(db, "alice").failed_logins == 1
    (event,) = _events(db)
    assert event.action == "login_failed"
    assert event.actor_id == team.alice.id
    assert json.loads(event.detail) == {"reason": "wrong password", "failures": 1}


def test_each_wrong_password_increments_the_failure_count(db: Database, team: Team) -> None:
    _fail(db, "alice", 3)
    assert _user(db, "alice").failed_logins == 3
    assert len(_events(db, "login_failed")) == 3


def test_unknown_username_gets_the_same_message_and_is_audited(db: Database, team: Team) -> None:
    with pytest.raises(AuthenticationError) as caught:
        accounts.authenticate(db, " Nobody-Here ", TEST_PASSWORD, now=T0)

    # Same words as a wrong password: the form must not reveal which usernames exist.
    assert str(caught.value) == REFUSED
    (event,) = _events(db)
    assert event.action == "login_failed"
    assert event.actor_id is None
    assert event.actor_username == "(unknown)"
    assert json.loads(event.detail) == {"reason": "unknown username"}


@pytest.mark.parametrize("typed", [TEST_PASSWORD, "x" * 100, "Nobody-Here", "ali\x00ce"])
def test_an_unknown_username_is_never_stored_in_the_audit(
    db: Database, team: Team, typed: str
) -> None:
    """A password typed into the username box must not end up in the audit log."""
    with pytest.raises(AuthenticationError):
        accounts.authenticate(db, typed, "whatever-was-typed", now=T0)
    (event,) = _events(db)
    assert event.actor_username == "(unknown)"
    stored = f"{event.actor_username} {event.detail} {event.entity_id}".lower()
    assert typed.lower().replace("\x00", "") not in stored
    assert "whatever-was-typed" not in stored


def test_a_known_username_typed_otherwise_is_audited_as_the_account(
    db: Database, team: Team
) -> None:
    with pytest.raises(AuthenticationError):
        accounts.authenticate(db, " ALICE ", "not-the-password", now=T0)
    (event,) = _events(db)
    assert (event.actor_id, event.actor_username) == (team.alice.id, "alice")


def test_fifth_wrong_password_locks_the_account(db: Database, team: Team) -> None:
    messages = _fail(db, "alice", 5)

    # The locking failure says nothing more than the others.
    assert messages == [REFUSED] * 5
    user = _user(db, "alice")
    assert user.locked_until == T0 + timedelta(minutes=15)
    (locked,) = _events(db, "account_locked")
    assert locked.actor_id == team.alice.id
    assert json.loads(locked.detail)["failures"] == 5


def test_correct_password_is_refused_while_locked(db: Database, team: Team) -> None:
    _fail(db, "alice", 5)

    for minutes in (0, 1, 14):
        with pytest.raises(AuthenticationError) as caught:
            accounts.authenticate(
                db, "alice", TEST_PASSWORD, now=T0 + timedelta(minutes=minutes, seconds=30)
            )
        assert str(caught.value) == REFUSED
    reasons = [json.loads(e.detail)["reason"] for e in _events(db, "login_failed")]
    assert reasons[-3:] == ["locked"] * 3
    assert _events(db, "login") == []


def test_a_refusal_while_locked_audits_when_the_lock_ends(db: Database, team: Team) -> None:
    """The form no longer says how long a lock lasts; the audit log does."""
    _fail(db, "alice", 5)
    with pytest.raises(AuthenticationError):
        accounts.authenticate(db, "alice", TEST_PASSWORD, now=T0 + timedelta(minutes=5))
    detail = json.loads(_events(db, "login_failed")[-1].detail)
    assert detail == {
        "reason": "locked",
        "locked_until": (T0 + timedelta(minutes=15)).isoformat(),
    }


def test_wrong_password_while_locked_does_not_extend_the_lock(db: Database, team: Team) -> None:
    _fail(db, "alice", 5)
    _fail(db, "alice", 3, now=T0 + timedelta(minutes=10))
    assert _user(db, "alice").locked_until == T0 + timedelta(minutes=15)


def test_lock_expires_after_fifteen_minutes_and_the_counter_restarts(
    db: Database, team: Team
) -> None:
    _fail(db, "alice", 5)
    later = T0 + timedelta(minutes=15, seconds=1)

    assert accounts.authenticate(db, "alice", TEST_PASSWORD, now=later) == team.alice

    user = _user(db, "alice")
    assert user.failed_logins == 0
    assert user.locked_until is None
    # A fresh run of four mistakes does not lock again.
    _fail(db, "alice", 4, now=later)
    assert accounts.authenticate(db, "alice", TEST_PASSWORD, now=later) == team.alice


def test_successful_login_resets_the_failure_count(db: Database, team: Team) -> None:
    _fail(db, "alice", 4)
    accounts.authenticate(db, "alice", TEST_PASSWORD, now=T0)
    assert _user(db, "alice").failed_logins == 0

    _fail(db, "alice", 4)
    assert _user(db, "alice").locked_until is None


def test_lock_out_of_one_account_leaves_others_alone(db: Database, team: Team) -> None:
    _fail(db, "alice", 5)
    assert accounts.authenticate(db, "bruno", TEST_PASSWORD, now=T0) == team.bruno


def test_deactivated_account_cannot_log_in(db: Database, team: Team) -> None:
    accounts.set_active(db, team.admin, team.alice.id, False)

    with pytest.raises(AuthenticationError) as caught:
        accounts.authenticate(db, "alice", TEST_PASSWORD, now=T0)
    assert str(caught.value) == REFUSED
    (event,) = _events(db, "login_failed")
    assert json.loads(event.detail) == {"reason": "inactive"}


def test_reactivated_account_can_log_in_again(db: Database, team: Team) -> None:
    accounts.set_active(db, team.admin, team.alice.id, False)
    account = accounts.set_active(db, team.admin, team.alice.id, True)

    assert account.active is True
    assert accounts.authenticate(db, "alice", TEST_PASSWORD, now=T0) == team.alice
    actions = [e.action for e in _events(db)]
    assert actions == ["account_deactivated", "account_activated", "login"]


# --- create_account ----------------------------------------------------------------------


def test_admin_creates_an_account_that_can_log_in(db: Database, team: Team) -> None:
    account = accounts.create_account(
        db, team.admin, _new_account(username="Dana", role="supervisor")
    )

    assert account.username == "dana"
    assert account.display_name == "Dana Reyes"
    assert account.role is Role.SUPERVISOR
    assert account.active is True
    actor = accounts.authenticate(db, "dana", NEW_PASSWORD, now=T0)
    assert actor.id == account.id
    assert actor.role is Role.SUPERVISOR


def test_new_account_must_change_the_password_given_by_the_admin(db: Database, team: Team) -> None:
    account = accounts.create_account(db, team.admin, _new_account())
    actor = Actor(account.id, account.username, account.display_name, account.role)
    assert accounts.must_change_password(db, actor) is True


def test_account_creation_is_audited_without_the_password(db: Database, team: Team) -> None:
    account = accounts.create_account(db, team.admin, _new_account())

    (event,) = _events(db, "account_created")
    assert event.actor_id == team.admin.id
    assert event.actor_username == "admin1"
    assert event.entity_id == str(account.id)
    assert json.loads(event.detail) == {"username": "dana", "role": "counsellor"}
    assert NEW_PASSWORD not in event.detail


def test_password_with_surrounding_spaces_logs_in_as_typed(db: Database, team: Team) -> None:
    typed = "  spaced-out-pass  "
    accounts.create_account(db, team.admin, _new_account(password=typed))
    assert accounts.authenticate(db, "dana", typed, now=T0).username == "dana"


def test_reset_and_change_keep_passwords_exactly_as_typed(db: Database, team: Team) -> None:
    accounts.reset_password(db, team.admin, team.alice.id, " temporary-pass-1 ")
    assert accounts.authenticate(db, "alice", " temporary-pass-1 ", now=T0) == team.alice
    accounts.change_own_password(db, team.alice, " temporary-pass-1 ", " my-own-pass-22 ")
    assert accounts.authenticate(db, "alice", " my-own-pass-22 ", now=T0) == team.alice


def test_password_is_stored_hashed(db: Database, team: Team) -> None:
    accounts.create_account(db, team.admin, _new_account())
    stored = _user(db, "dana").password_hash
    assert NEW_PASSWORD not in stored
    assert stored.startswith("$argon2")


@pytest.mark.parametrize("username", ["alice", "ALICE", " Alice "])
def test_duplicate_username_is_refused_and_nothing_is_written(
    db: Database, team: Team, username: str
) -> None:
    accounts_before, events_before = _count(db, Counsellor), _count(db, AuditEvent)

    with pytest.raises(ValidationError) as caught:
        accounts.create_account(db, team.admin, _new_account(username=username))

    assert str(caught.value) == "Username 'alice' is already taken; choose another."
    assert caught.value.field_errors == {"username": "already taken"}
    assert _count(db, Counsellor) == accounts_before
    assert _count(db, AuditEvent) == events_before
    assert _user(db, "alice").display_name == "Alice"


@pytest.mark.parametrize(
    "password", [*sorted(accounts.DEMO_PASSWORDS), "COUNSEL-DEMO-1"], ids=str.lower
)
def test_demo_password_is_refused_outside_demo_mode(
    db: Database, team: Team, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    monkeypatch.delenv("MEND_DEMO", raising=False)
    accounts_before = _count(db, Counsellor)

    with pytest.raises(ValidationError, match="published demo password"):
        accounts.create_account(db, team.admin, _new_account(password=password))

    assert _count(db, Counsellor) == accounts_before
    assert _events(db, "account_created") == []


def test_demo_password_is_accepted_in_demo_mode(
    db: Database, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEND_DEMO", "1")
    account = accounts.create_account(db, team.admin, _new_account(password="counsel-demo-1"))
    assert account.username == "dana"
    assert accounts.authenticate(db, "dana", "counsel-demo-1", now=T0).id == account.id


@pytest.mark.parametrize(
    "password",
    ["password1234", "PassWord123456", "123456789012", "qwertyuiop12", "Summer2024!!!"],
)
def test_common_passwords_are_refused(db: Database, team: Team, password: str) -> None:
    with pytest.raises(ValidationError, match="too common") as caught:
        accounts.create_account(db, team.admin, _new_account(password=password))
    assert caught.value.field_errors == {"password": str(caught.value)}
    assert _count(db, Counsellor) == 4


@pytest.mark.parametrize("password", ["short1", " " * 10, "a" * 11, "eleven-char"])
def test_short_password_is_refused_with_a_readable_message(
    db: Database, team: Team, password: str
) -> None:
    with pytest.raises(ValidationError, match=r"Password is too short \(at least 12 characters\)"):
        accounts.create_account(db, team.admin, _new_account(password=password))
    assert _count(db, Counsellor) == 4


@pytest.mark.parametrize("password", ["dana-is-my-name", "my-DANA-pass-1", "xDanax-quite-long"])
def test_a_password_containing_the_username_is_refused(
    db: Database, team: Team, password: str
) -> None:
    with pytest.raises(ValidationError, match="must not contain the username"):
        accounts.create_account(db, team.admin, _new_account(password=password))
    assert _count(db, Counsellor) == 4


@pytest.mark.parametrize("password", [" " * 12, "a" * 12, "abababababab", "abcdabcdabcdabcd"])
def test_a_password_with_too_little_variety_is_refused(
    db: Database, team: Team, password: str
) -> None:
    with pytest.raises(ValidationError, match="Mend's rule: at least 5 different characters"):
        accounts.create_account(db, team.admin, _new_account(password=password))
    assert _count(db, Counsellor) == 4


def test_reset_checks_the_username_of_the_account_being_reset(db: Database, team: Team) -> None:
    with pytest.raises(ValidationError, match="must not contain the username"):
        accounts.reset_password(db, team.admin, team.alice.id, "alice-temporary-1")
    # The same password is fine for someone else.
    accounts.reset_password(db, team.admin, team.bruno.id, "alice-temporary-1")


def test_change_own_password_checks_ones_own_username(db: Database, team: Team) -> None:
    with pytest.raises(ValidationError, match="must not contain the username"):
        accounts.change_own_password(db, team.alice, TEST_PASSWORD, "i-am-Alice-really")


def test_invalid_account_input_is_refused(db: Database, team: Team) -> None:
    with pytest.raises(ValidationError) as caught:
        accounts.create_account(db, team.admin, _new_account(username="no spaces allowed"))
    assert "username" in caught.value.field_errors
    assert _count(db, Counsellor) == 4


@pytest.mark.parametrize("who", ["supervisor", "alice"])
def test_only_admins_create_accounts(db: Database, team: Team, who: str) -> None:
    with pytest.raises(PermissionDenied, match="Only a admin may create accounts"):
        accounts.create_account(db, getattr(team, who), _new_account())
    assert _count(db, Counsellor) == 4


@pytest.mark.parametrize("who", ["supervisor", "alice"])
def test_only_admins_list_accounts(db: Database, team: Team, who: str) -> None:
    with pytest.raises(PermissionDenied):
        accounts.list_accounts(db, getattr(team, who))


@pytest.mark.parametrize("who", ["supervisor", "alice"])
def test_only_admins_reset_passwords(db: Database, team: Team, who: str) -> None:
    with pytest.raises(PermissionDenied):
        accounts.reset_password(db, getattr(team, who), team.bruno.id, NEW_PASSWORD)
    assert accounts.authenticate(db, "bruno", TEST_PASSWORD, now=T0) == team.bruno


@pytest.mark.parametrize("who", ["supervisor", "alice"])
def test_only_admins_deactivate_or_unlock(db: Database, team: Team, who: str) -> None:
    actor = getattr(team, who)
    with pytest.raises(PermissionDenied):
        accounts.set_active(db, actor, team.bruno.id, False)
    with pytest.raises(PermissionDenied):
        accounts.unlock(db, actor, team.bruno.id)
    assert _user(db, "bruno").active is True


def test_admin_lists_every_account_by_username(db: Database, team: Team) -> None:
    listed = accounts.list_accounts(db, team.admin)
    assert [a.username for a in listed] == ["admin1", "alice", "bruno", "super1"]
    assert {a.username: a.role for a in listed}["super1"] is Role.SUPERVISOR


def test_listed_accounts_equal_the_accounts_read_one_by_one(db: Database, team: Team) -> None:
    """The list is read as plain rows; what it says of a locked account and of one that
    logged in (the dates with their time zone) is what the account's own record says."""
    _fail(db, "alice", 5)
    accounts.authenticate(db, "bruno", TEST_PASSWORD, now=T0)
    listed = {a.username: a for a in accounts.list_accounts(db, team.admin)}
    for username in ("alice", "bruno", "super1"):
        assert listed[username] == accounts._account(_user(db, username))
    assert listed["alice"].locked_until is not None
    assert listed["bruno"].last_login_at == T0


def test_listed_accounts_carry_no_password_hash(db: Database, team: Team) -> None:
    (first, *_) = accounts.list_accounts(db, team.admin)
    assert not any("hash" in name for name in vars(first))


# --- reset, unlock, change password --------------------------------------------------------


def test_reset_password_unlocks_and_forces_a_change(db: Database, team: Team) -> None:
    _fail(db, "alice", 5)

    accounts.reset_password(db, team.admin, team.alice.id, NEW_PASSWORD)

    user = _user(db, "alice")
    assert user.must_change_password is True
    assert user.locked_until is None
    assert user.failed_logins == 0
    # Works at once, inside what would have been the lock-out window.
    assert accounts.authenticate(db, "alice", NEW_PASSWORD, now=T0) == team.alice
    with pytest.raises(AuthenticationError):
        accounts.authenticate(db, "alice", TEST_PASSWORD, now=T0)
    (event,) = _events(db, "password_reset")
    assert event.actor_id == team.admin.id
    assert event.entity_id == str(team.alice.id)


def test_reset_password_applies_the_password_policy(db: Database, team: Team) -> None:
    with pytest.raises(ValidationError, match="too common"):
        accounts.reset_password(db, team.admin, team.alice.id, "password1234")
    assert accounts.authenticate(db, "alice", TEST_PASSWORD, now=T0) == team.alice


def test_reset_password_of_unknown_account_is_not_found(db: Database, team: Team) -> None:
    with pytest.raises(NotFound):
        accounts.reset_password(db, team.admin, 9999, NEW_PASSWORD)


def test_admin_unlocks_a_locked_account(db: Database, team: Team) -> None:
    _fail(db, "alice", 5)

    accounts.unlock(db, team.admin, team.alice.id)

    assert accounts.authenticate(db, "alice", TEST_PASSWORD, now=T0) == team.alice
    assert len(_events(db, "account_unlocked")) == 1


def test_change_own_password_needs_the_current_password(db: Database, team: Team) -> None:
    with pytest.raises(ValidationError, match="current password is wrong"):
        accounts.change_own_password(db, team.alice, "not-my-password", NEW_PASSWORD)

    assert accounts.authenticate(db, "alice", TEST_PASSWORD, now=T0) == team.alice
    assert _events(db, "password_changed") == []


def test_change_own_password_replaces_the_old_one(db: Database, team: Team) -> None:
    accounts.reset_password(db, team.admin, team.alice.id, "temporary-pass-1")
    assert accounts.must_change_password(db, team.alice) is True

    accounts.change_own_password(db, team.alice, "temporary-pass-1", NEW_PASSWORD)

    assert accounts.must_change_password(db, team.alice) is False
    assert accounts.authenticate(db, "alice", NEW_PASSWORD, now=T0) == team.alice
    with pytest.raises(AuthenticationError):
        accounts.authenticate(db, "alice", "temporary-pass-1", now=T0)
    (event,) = _events(db, "password_changed")
    assert event.actor_id == team.alice.id


def test_new_password_must_differ_from_the_current_one(db: Database, team: Team) -> None:
    with pytest.raises(ValidationError, match="must differ"):
        accounts.change_own_password(db, team.alice, TEST_PASSWORD, TEST_PASSWORD)


def test_changed_password_follows_the_policy(db: Database, team: Team) -> None:
    with pytest.raises(ValidationError, match="too short"):
        accounts.change_own_password(db, team.alice, TEST_PASSWORD, "short")
    with pytest.raises(ValidationError, match="too common"):
        accounts.change_own_password(db, team.alice, TEST_PASSWORD, "qwertyuiop123")
    with pytest.raises(ValidationError, match="too little variety"):
        accounts.change_own_password(db, team.alice, TEST_PASSWORD, "zzzzyyyyxxxx")
    with pytest.raises(ValidationError, match="must not contain the username"):
        accounts.change_own_password(db, team.alice, TEST_PASSWORD, "new-alice-pass")


# --- deactivation --------------------------------------------------------------------------


def test_admin_cannot_deactivate_themself(db: Database, team: Team) -> None:
    with pytest.raises(ValidationError, match="cannot deactivate your own account"):
        accounts.set_active(db, team.admin, team.admin.id, False)
    assert _user(db, "admin1").active is True
    assert _events(db) == []


def test_deactivating_unknown_account_is_not_found(db: Database, team: Team) -> None:
    with pytest.raises(NotFound):
        accounts.set_active(db, team.admin, 9999, False)


def test_deactivated_counsellor_is_refused_by_services(db: Database, team: Team) -> None:
    accounts.set_active(db, team.admin, team.alice.id, False)

    # The Actor in a stale browser session keeps working only until the next call.
    with pytest.raises(PermissionDenied, match="no longer active"):
        couples.caseload(db, team.alice, today=date(2026, 11, 24))
    with pytest.raises(PermissionDenied, match="no longer active"):
        couples.create_couple(db, team.alice, intake_form())
    with pytest.raises(PermissionDenied, match="no longer active"):
        accounts.change_own_password(db, team.alice, TEST_PASSWORD, NEW_PASSWORD)


def test_deactivated_admin_cannot_administer(db: Database, team: Team) -> None:
    second = accounts.create_account(db, team.admin, _new_account(username="admin2", role="admin"))
    second_admin = Actor(second.id, second.username, second.display_name, second.role)
    accounts.set_active(db, team.admin, second.id, False)

    with pytest.raises(PermissionDenied, match="no longer active"):
        accounts.create_account(db, second_admin, _new_account(username="eve"))
    with pytest.raises(PermissionDenied, match="no longer active"):
        accounts.reset_password(db, second_admin, team.alice.id, NEW_PASSWORD)
    assert _count(db, Counsellor) == 5


def test_counsellor_names_list_active_counsellors_only(db: Database, team: Team) -> None:
    assert accounts.counsellor_names(db) == {team.alice.id: "Alice", team.bruno.id: "Bruno"}
    accounts.set_active(db, team.admin, team.bruno.id, False)
    assert accounts.counsellor_names(db) == {team.alice.id: "Alice"}


def test_has_accounts(db: Database) -> None:
    assert accounts.has_accounts(db) is False
    accounts.create_account(db, accounts.SYSTEM, _new_account(role="admin"))
    assert accounts.has_accounts(db) is True


def test_first_admin_created_by_the_system_keeps_its_password(db: Database) -> None:
    account = accounts.create_account(db, accounts.SYSTEM, _new_account(role="admin"))

    actor = accounts.authenticate(db, "dana", NEW_PASSWORD, now=T0)
    assert actor.role is Role.ADMIN
    assert accounts.must_change_password(db, actor) is False
    (event,) = _events(db, "account_created")
    assert event.actor_id is None
    assert event.actor_username == "system"
    assert event.entity_id == str(account.id)
