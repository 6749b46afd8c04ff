"""Accounts and login: argon2 hashes, lock-out after repeated failures, admin tools."""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Row, func, or_, select, update
from sqlalchemy.orm import Session

from core.config import load_settings
from core.db import Database
from core.domain import Role
from core.errors import AuthenticationError, NotFound, ValidationError
from core.models import Counsellor, utcnow
from core.passwords import password_problem
from core.schemas import CONTROL_CHARACTERS, AccountIn, PasswordIn, parse
from core.services import audit, login_sessions
from core.services.access import Actor, require_active, require_role

_hasher = PasswordHasher()
# Each argon2 hash or check holds the hash's memory cost while it runs (64 MiB: argon2-cffi's
# defaults, and a stored hash keeps the parameters it was made with), so ten logins at once
# held 640 MiB in the server process (10 checks in threads: 654 MB resident). One runs at
# a time and the others wait their turn: a check takes ~0.15 s of CPU, so the tenth of ten
# logins at once waits about 1.5 s. The hashes are as strong as before.
PASSWORD_CHECKS_AT_ONCE = 1
_password_work = threading.BoundedSemaphore(PASSWORD_CHECKS_AT_ONCE)

# The demo logins: (username, display name, role, password). core.demo creates them,
# the login page lists them in demo mode, and the README documents them.
DEMO_ACCOUNTS: tuple[tuple[str, str, Role, str], ...] = (
    ("admin", "Avery Admin (demo)", Role.ADMIN, "oversee-demo-pass"),
    ("supervisor", "Sky Supervisor (demo)", Role.SUPERVISOR, "supervise-demo"),
    ("counsellor1", "Robin Ashdown (demo)", Role.COUNSELLOR, "counsel-demo-1"),
    ("counsellor2", "Jules Marlow (demo)", Role.COUNSELLOR, "counsel-demo-2"),
)
# Passwords shipped in the demo data: refused for real accounts so a deployment never
# runs on a published password. (Common passwords: core.passwords.)
DEMO_PASSWORDS = frozenset(password for *_, password in DEMO_ACCOUNTS)

# A refused login says the same whatever the reason (unknown username, wrong password,
# deactivated, locked), so the form reveals neither which usernames exist nor their state;
# the audit log keeps the true reason.
LOGIN_REFUSED = (
    "Wrong username or password, or the account is locked or deactivated. "
    "{failures} wrong passwords in a row lock an account for {minutes} minutes; "
    "an administrator can unlock it."
)

log = logging.getLogger(__name__)

# What the command line acts as when it creates the first admin.
SYSTEM = Actor(id=0, username="system", display_name="System", role=Role.ADMIN)


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None


def hash_password(password: str) -> str:
    with _password_work:
        return _hasher.hash(password)


def _verify(stored_hash: str, password: str) -> bool:
    """argon2's check (raises on a mismatch), one of PASSWORD_CHECKS_AT_ONCE."""
    with _password_work:
        return _hasher.verify(stored_hash, password)


def _password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """A hash no password matches in practice, made with the same parameters as real ones."""
    return hash_password(secrets.token_urlsafe(32))


def _spend_a_verification(password: str) -> None:
    """The work of one password check, for a login refused before any check (unknown
    username, deactivated or locked account): every refusal costs the same time. It checks
    against a dummy hash, so it never counts as one of the account's attempts."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        _verify(_dummy_hash(), password)


def login_refused_message() -> str:
    settings = load_settings()
    return LOGIN_REFUSED.format(
        failures=_number_word(settings.max_failed_logins), minutes=settings.lockout_minutes
    )


def _number_word(number: int) -> str:
    words = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")
    return words[number] if 0 <= number < len(words) else str(number)


def _check_password_policy(password: str, username: str) -> None:
    parse(PasswordIn, {"password": password})
    if problem := password_problem(password, username):
        raise ValidationError(problem, field_errors={"password": problem})
    lowered = password.lower()
    if lowered in DEMO_PASSWORDS and not load_settings().demo_mode:
        raise ValidationError(
            "That is a published demo password; real accounts need their own password."
        )


def authenticate(
    db: Database, username: str, password: str, *, now: datetime | None = None
) -> Actor:
    """Return the actor, or raise AuthenticationError with a message for the login form.

    Every attempt is counted before its password is checked, in one atomic UPDATE
    (`_reserve_attempt`) committed on its own, so guesses sent in parallel cannot get
    past the lock-out: at most `max_failed_logins` passwords are checked in a row.
    Refusals are committed (count, audit) before they are raised."""
    now = now or utcnow()
    settings = load_settings()
    if not db.writable:
        return _authenticate_read_only(db, username, password, now)
    with db.transaction() as session:
        outcome = _begin_attempt(session, username, now, settings.max_failed_logins)
    if isinstance(outcome, AuthenticationError):
        _spend_a_verification(password)  # as long as a wrong password takes
        raise outcome
    user, attempt = outcome
    matches = _password_matches(user.password_hash, password)  # slow, outside any lock
    with db.transaction() as session:
        result = _finish_attempt(
            session, user.id, matches, attempt, now, settings.max_failed_logins,
            timedelta(minutes=settings.lockout_minutes),
        )  # fmt: skip
    if isinstance(result, AuthenticationError):
        raise result
    return result


def log_in(
    db: Database, username: str, password: str, *, now: datetime | None = None
) -> tuple[Actor, str | None]:
    """The login form: `authenticate`, then a remembered login whose token goes into the
    browser's cookie (core.services.login_sessions), so a reload stays logged in."""
    now = now or utcnow()
    actor = authenticate(db, username, password, now=now)
    if not db.writable:  # read-only mode stores nothing: this tab's login only
        return actor, None
    with db.transaction() as session:
        return actor, login_sessions.open_session(session, actor, now)


def _begin_attempt(
    session: Session, username: str, now: datetime, max_failures: int
) -> tuple[Counsellor, int] | AuthenticationError:
    """The account and this attempt's number, or the refusal (unknown, inactive, locked)."""
    user = _account_named(session, username)
    if user is None:
        # What was typed is not stored: it may be a password typed into the wrong box.
        audit.record(session, None, "login_failed", "account", None, {"reason": "unknown username"})
        return AuthenticationError(login_refused_message())
    actor = Actor.of(user)
    if not user.active:
        audit.record(session, actor, "login_failed", "account", user.id, {"reason": "inactive"})
        return AuthenticationError(login_refused_message())
    attempt = _reserve_attempt(session, user.id, now, max_failures)
    if attempt is None:
        detail = {"reason": "locked", "locked_until": _lock_end(user.locked_until, now)}
        audit.record(session, actor, "login_failed", "account", user.id, detail)
        return AuthenticationError(login_refused_message())
    return user, attempt


def _account_named(session: Session, username: str) -> Counsellor | None:
    """The account a typed username names (ignoring case and spaces), if any."""
    typed = username.strip().lower()
    if CONTROL_CHARACTERS.search(typed):  # never in a username, and PostgreSQL refuses NUL
        return None
    return session.scalar(select(Counsellor).where(Counsellor.username == typed))


def _finish_attempt(
    session: Session,
    user_id: int,
    matches: bool,
    attempt: int,
    now: datetime,
    max_failures: int,
    lockout: timedelta,
) -> Actor | AuthenticationError:
    """A success clears the count; the last allowed failure locks the account."""
    user = session.get(Counsellor, user_id)
    assert user is not None
    actor = Actor.of(user)
    if matches:
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        audit.record(session, actor, "login", "account", user.id)
        return actor
    detail: dict[str, object] = {"reason": "wrong password", "failures": attempt}
    if attempt < max_failures:
        audit.record(session, actor, "login_failed", "account", user.id, detail)
        return AuthenticationError(login_refused_message())
    user.locked_until = now + lockout
    user.failed_logins = 0
    detail["locked_until"] = user.locked_until.isoformat()
    audit.record(session, actor, "account_locked", "account", user.id, detail)
    return AuthenticationError(login_refused_message())


def _reserve_attempt(
    session: Session, user_id: int, now: datetime, max_failures: int
) -> int | None:
    """Count one login attempt atomically, unless the account is locked or its attempts
    are used up; the attempt's number (1..max_failures), or None when refused."""
    return session.execute(
        update(Counsellor)
        .where(
            Counsellor.id == user_id,
            Counsellor.failed_logins < max_failures,
            or_(Counsellor.locked_until.is_(None), Counsellor.locked_until <= now),
        )
        .values(failed_logins=Counsellor.failed_logins + 1)
        .returning(Counsellor.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


# Read-only mode (core.db: the database refuses writes): logins are checked but nothing is
# written. Wrong passwords are counted in this process instead, with the same limit and
# lock time, and the audit goes to the server log (account ids only, never what was typed).
_read_only_attempts: dict[int, tuple[int, datetime | None]] = {}
_read_only_guard = threading.Lock()


def _authenticate_read_only(db: Database, username: str, password: str, now: datetime) -> Actor:
    settings = load_settings()
    with db.read() as session:
        user = _account_named(session, username)
    refused = AuthenticationError(login_refused_message())
    attempt = _reserve_read_only_attempt(user, now, settings.max_failed_logins)
    if user is None or not user.active or attempt is None:
        _spend_a_verification(password)
        reason = "unknown username" if user is None else "inactive or locked"
        log.warning("Read-only mode: login refused (%s); not in the audit log", reason)
        raise refused
    if _password_matches(user.password_hash, password):
        with _read_only_guard:
            _read_only_attempts.pop(user.id, None)
        log.warning("Read-only mode: account %s logged in; not in the audit log", user.id)
        return Actor.of(user)
    if attempt >= settings.max_failed_logins:
        with _read_only_guard:
            lock = now + timedelta(minutes=settings.lockout_minutes)
            _read_only_attempts[user.id] = (0, lock)
    log.warning("Read-only mode: wrong password for account %s (%s)", user.id, attempt)
    raise refused


def _reserve_read_only_attempt(
    user: Counsellor | None, now: datetime, max_failures: int
) -> int | None:
    """As `_reserve_attempt`, in this process: the attempt's number or None when locked."""
    if user is None or (user.locked_until is not None and user.locked_until > now):
        return None
    with _read_only_guard:
        failures, until = _read_only_attempts.get(user.id, (user.failed_logins, None))
        if (until is not None and until > now) or failures >= max_failures:
            return None
        _read_only_attempts[user.id] = (failures + 1, None)
        return failures + 1


def _lock_end(locked_until: datetime | None, now: datetime) -> str:
    """When a lock ends, for the audit; an account whose last allowed attempt is still
    being checked (no lock time yet) counts as locked for the full time."""
    if locked_until is None or locked_until <= now:
        locked_until = now + timedelta(minutes=load_settings().lockout_minutes)
    return locked_until.isoformat()


def create_account(db: Database, actor: Actor, data: AccountIn | dict[str, object]) -> Account:
    require_role(actor, Role.ADMIN, doing="create accounts")
    account = parse(AccountIn, data)
    _check_password_policy(account.password, account.username)
    with db.transaction() as session:
        if actor is not SYSTEM:
            require_active(session, actor)
        taken = session.scalar(select(func.count()).where(Counsellor.username == account.username))
        if taken:
            raise ValidationError(
                f"Username '{account.username}' is already taken; choose another.",
                field_errors={"username": "already taken"},
            )
        user = Counsellor(
            username=account.username,
            display_name=account.display_name,
            role=account.role,
            password_hash=hash_password(account.password),
            active=True,
            failed_logins=0,
            must_change_password=actor is not SYSTEM,
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            _audit_actor(actor),
            "account_created",
            "account",
            user.id,
            {"username": user.username, "role": user.role.value},
            username=actor.username,
        )
        return _account(user)


# What an account shows, read as plain rows: loading whole ORM accounts (password hashes
# and all) cost the admin page 15 ms at 800 accounts, three times its bare read.
ACCOUNT_COLUMNS = (
    Counsellor.id,
    Counsellor.username,
    Counsellor.display_name,
    Counsellor.role,
    Counsellor.active,
    Counsellor.locked_until,
    Counsellor.last_login_at,
)


def list_accounts(db: Database, actor: Actor) -> list[Account]:
    require_role(actor, Role.ADMIN, doing="manage accounts")
    with db.read() as session:
        require_active(session, actor)
        rows = session.execute(select(*ACCOUNT_COLUMNS).order_by(Counsellor.username))
        return [_account(row) for row in rows]


def counsellor_names(db: Database) -> dict[int, str]:
    """Active counsellors' display names by id, in name order, for pickers (reassign,
    filters). One short row each, read through Core as plain tuples: the ORM's handling
    of each row cost a supervisor's caseload page 5.6 ms at 800 counsellors."""
    with db.read() as session:
        rows = session.connection().execute(
            select(Counsellor.id, Counsellor.display_name)
            .where(Counsellor.role == Role.COUNSELLOR, Counsellor.active.is_(True))
            .order_by(Counsellor.display_name)
        )
        return dict(rows.tuples().all())


def set_active(db: Database, actor: Actor, account_id: int, active: bool) -> Account:
    require_role(actor, Role.ADMIN, doing="deactivate or reactivate accounts")
    if account_id == actor.id and not active:
        raise ValidationError("You cannot deactivate your own account.")
    with db.transaction() as session:
        require_active(session, actor)
        user = _load(session, account_id)
        user.active = active
        if not active:
            login_sessions.revoke_account(session, user.id, "deactivated", utcnow())
        audit.record(
            session,
            actor,
            "account_activated" if active else "account_deactivated",
            "account",
            user.id,
            {"username": user.username},
        )
        return _account(user)


def reset_password(db: Database, actor: Actor, account_id: int, new_password: str) -> Account:
    """Admin sets a temporary password; the user must choose a new one at next login."""
    require_role(actor, Role.ADMIN, doing="reset passwords")
    parse(PasswordIn, {"password": new_password})
    with db.transaction() as session:
        require_active(session, actor)
        user = _load(session, account_id)
        _check_password_policy(new_password, user.username)
        user.password_hash = hash_password(new_password)
        user.must_change_password = True
        user.failed_logins = 0
        user.locked_until = None
        login_sessions.revoke_account(session, user.id, "password reset", utcnow())
        audit.record(
            session, actor, "password_reset", "account", user.id, {"username": user.username}
        )
        return _account(user)


def unlock(db: Database, actor: Actor, account_id: int) -> Account:
    require_role(actor, Role.ADMIN, doing="unlock accounts")
    with db.transaction() as session:
        require_active(session, actor)
        user = _load(session, account_id)
        user.failed_logins = 0
        user.locked_until = None
        audit.record(
            session, actor, "account_unlocked", "account", user.id, {"username": user.username}
        )
        return _account(user)


def change_own_password(db: Database, actor: Actor, current: str, new_password: str) -> Account:
    _check_password_policy(new_password, actor.username)
    if current == new_password:
        raise ValidationError("The new password must differ from the current one.")
    with db.transaction() as session:
        user = require_active(session, actor)
        if not _password_matches(user.password_hash, current):
            raise ValidationError("The current password is wrong; nothing was changed.")
        user.password_hash = hash_password(new_password)
        user.must_change_password = False
        audit.record(session, actor, "password_changed", "account", user.id)
        return _account(user)


def must_change_password(db: Database, actor: Actor) -> bool:
    with db.read() as session:
        user = session.get(Counsellor, actor.id)
        return bool(user and user.must_change_password)


def has_accounts(db: Database) -> bool:
    with db.read() as session:
        return bool(session.scalar(select(func.count()).select_from(Counsellor)))


def has_active_admin(db: Database) -> bool:
    """Whether anyone can administer this installation; until then the app only says how
    to create the first administrator."""
    with db.read() as session:
        admins = select(func.count()).where(
            Counsellor.role == Role.ADMIN, Counsellor.active.is_(True)
        )
        return bool(session.scalar(admins))


def _load(session: Session, account_id: int) -> Counsellor:
    user = session.get(Counsellor, account_id)
    if user is None:
        raise NotFound("No such account.")
    return user


def _audit_actor(actor: Actor) -> Actor | None:
    return None if actor is SYSTEM else actor


def _account(user: Counsellor | Row[Any]) -> Account:
    """An account as shown, from its record or from a row of ACCOUNT_COLUMNS (the same
    names)."""
    return Account(
        user.id,
        user.username,
        user.display_name,
        Role(user.role),
        user.active,
        user.locked_until,
        user.last_login_at,
    )


def log_out(
    db: Database, actor: Actor, *, reason: str | None = None, token: str | None = None
) -> None:
    """Audited; `reason` says why Mend ended the session itself (idle, deactivated).
    The tab's remembered login (`token`) is revoked at once, so its cookie is useless."""
    detail = {"reason": reason} if reason else ""
    if not db.writable:  # read-only mode: the session ends all the same
        log.warning("Read-only mode: account %s logged out; not in the audit log", actor.id)
        return
    with db.transaction() as session:
        if token:
            login_sessions.revoke_token(session, actor, token, reason or "logout", utcnow())
        audit.record(session, actor, "logout", "account", actor.id, detail)


def session_problem(db: Database, actor: Actor) -> str | None:
    """Why a logged-in user's open session may not go on, read from the database (not
    the session's copy): the account was deactivated or removed, or its role changed.
    None while all is well."""
    with db.read() as session:
        user = session.get(Counsellor, actor.id)
        if user is None or not user.active:
            return "Your account is no longer active. Ask an administrator."
        if Role(user.role) is not actor.role:
            return "Your role has changed: log in again to continue."
    return None
