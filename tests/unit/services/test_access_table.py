"""Who may call what (issue 11): every public service function (core/services/*.py and
core/services/homework/*.py, taking `(db, actor, ...)`) x six kinds of actor, against
the README's "Who sees what". On SQLite and PostgreSQL, one seeded world per engine,
each case on its own copy (SQLite) or in a rolled-back transaction (PostgreSQL)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

import core.services
from core.db import Database
from core.domain import Role
from core.errors import NotFound, PermissionDenied
from core.models import Counsellor, Exercise
from core.services import (
    accounts,
    audit,
    couples,
    exercises,
    homework,
    progress_views,
    reference,
    safety,
    sessions,
)
from core.services.access import Actor
from core.services.reference import ClinicReference
from tests.conftest import TEST_PASSWORD, add_account, intake_form
from tests.notes_support import note_form

KINDS = ("own", "other", "supervisor", "admin", "deactivated", "reassigned")
TODAY = date(2026, 11, 1)
NEW_PASSWORD = "a-fresh-passphrase-41"

# The README's "Who sees what", one letter per kind in KINDS' order:
#   own         the couple's counsellor (Alice)
#   other       another counsellor (Bruno, with a caseload of his own)
#   supervisor, admin
#   deactivated the account that would be allowed (the couple's counsellor, else a
#               supervisor, else an admin), deactivated after it did its work
#   reassigned  the counsellor the couple was moved away from (Carol), who wrote notes
# Y = allowed: returns (and, for caseload-wide reads, includes the couple);
# H = returns, but without the couple (reads scoped to the actor's own caseload);
# N = refused (PermissionDenied, or NotFound that does not tell whether it exists).
# Keep this in step with README.md, section "Who sees what".
TABLE: dict[str, str] = {
    # accounts: each person's own account; administration by admins
    "accounts.change_own_password": "YYYYNY",
    "accounts.create_account": "NNNYNN",
    "accounts.list_accounts": "NNNYNN",
    "accounts.log_out": "YYYYYY",  # ends a session, a deactivated one included
    "accounts.must_change_password": "YYYYYY",  # the login gate's own question
    "accounts.reset_password": "NNNYNN",
    "accounts.session_problem": "YYYYYY",  # tells a deactivated tab to leave
    "accounts.set_active": "NNNYNN",
    "accounts.unlock": "NNNYNN",
    "audit.known_actions": "NNNYNN",
    "audit.list_events": "NNNYNN",
    # couples
    "couples.caseload": "YHYYNH",
    "couples.change_status": "YNNNNN",
    "couples.create_couple": "YYNNNY",
    "couples.find_by_case_code": "YNYYNN",
    "couples.get_couple": "YNYYNN",
    "couples.reassign": "NNYYNN",  # supervisors and admins, audited
    "couples.update_couple": "YNNNNN",
    # the exercise library (clinic-wide; custom exercises: their author or an admin)
    "exercises.create_custom": "YYNYNY",
    "exercises.edit_exercise": "YNNYNN",
    "exercises.get_exercise": "YYYYNY",
    "exercises.get_version": "YYYYNY",
    "exercises.list_exercises": "YYYYNY",
    "exercises.set_retired": "YNNYNN",
    # homework
    "homework.giving.assign": "YNNNNN",
    "homework.giving.couple_profile": "YNYYNN",
    "homework.giving.default_due_date": "YNYYNN",
    "homework.giving.suggestions": "YNYYNN",
    "homework.reading.adherence_by_week": "YNYYNN",
    "homework.reading.assignment": "YNYYNN",
    "homework.reading.assignment_detail": "YNYYNN",
    "homework.reading.couple_adherence": "YNYYNN",
    "homework.reading.couple_assignments": "YNYYNN",
    "homework.reading.couple_homework": "YNYYNN",
    "homework.reading.due_for_review": "YNYYNN",
    "homework.reading.homework_due": "YHYYNH",
    "homework.reading.homework_tab": "YNYYNN",
    "homework.reading.overdue_counts": "YHYYNH",
    "homework.working.record_completion": "YNNNNN",
    "homework.working.review": "YNNNNN",
    "homework.working.set_status": "YNNNNN",
    # progress
    "progress_views.caseload_progress": "YHYYNH",
    "progress_views.couple_progress": "YNYYNN",
    "progress_views.has_couples": "YYYYNY",
    "progress_views.supervision": "NNYYNN",
    "reference.recompute_reference": "NNYYNN",
    "reference.reference_history": "NNYYNN",
    # safety
    "safety.follow_ups": "YNYYNN",
    "safety.open_concerns": "YNYYNN",
    "safety.ptsd_totals": "YNYYNN",
    "safety.record_follow_up": "YNNNNN",
    "safety.record_screen": "YNNNNN",
    "safety.resolve_screen": "YNNNNN",
    "safety.screens": "YNYYNN",
    # session notes: they follow the caseload
    "sessions.add_addendum": "YNYNNN",  # a supervisor's supervision addendum, audited
    "sessions.cosign": "NNYNNN",
    "sessions.get_session": "YNYYNN",
    "sessions.list_sessions": "YNYYNN",
    "sessions.record_session": "YNNNNN",
    "sessions.search_notes": "YHYYNH",
    "sessions.sign": "YNNNNN",
    "sessions.unsigned_notes": "YHHHNH",  # each person's own drafts on their caseload
    "sessions.update_draft": "YNNNNN",
}


def service_functions() -> set[str]:
    """Every public `(db, actor, ...)` function defined in core/services (and homework/)."""
    found = set()
    for info in pkgutil.walk_packages(core.services.__path__, "core.services."):
        module = importlib.import_module(info.name)
        short = info.name.removeprefix("core.services.")
        if any(part.startswith("_") for part in short.split(".")):
            continue
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != info.name:
                continue
            if list(inspect.signature(function).parameters)[:2] == ["db", "actor"]:
                found.add(f"{short}.{name}")
    return found


# Services that landed after this table was written (the same day, from parallel work).
# Each has access tests of its own (tests/unit/services/test_read_audit.py, test_checkins,
# test_exports, test_importing, test_reports, test_homework_safety_decision,
# test_login_sessions; tests/unit/test_backup.py, test_input_bounds.py); their rows here
# are still to write. Any further service without a row fails below.
AWAITING_ROWS = frozenset(
    {
        "audit.case_views",
        "audit.page_view",
        "audit.record_read",
        "backups.download_backup",
        "checkins.acknowledge",
        "checkins.create_link",
        "checkins.links",
        "checkins.mark_seen",
        "checkins.needs_safe_channel",
        "checkins.recent",
        "checkins.revoke_link",
        "exports.caseload",
        "exports.homework",
        "exports.ratings",
        "exports.sessions",
        "homework.working.decide_safety",
        "importing.check",
        "importing.import_couples",
        "login_sessions.in_force",
        "reports.build_report",
        "reports.progress_report",
        "reports.report_facts",
        "sessions.session_from_link",
    }
)


def test_every_service_function_is_in_the_table() -> None:
    """A new service function without a row here (and in the README) fails."""
    assert set(TABLE) | AWAITING_ROWS == service_functions()
    assert not set(TABLE) & AWAITING_ROWS
    assert all(len(row) == len(KINDS) and set(row) <= set("YHN") for row in TABLE.values())


# --- the seeded world ---


@dataclass(frozen=True)
class Target:
    """What a case acts on: a couple and its records, as one actor knows them."""

    couple_id: int
    case_code: str
    couple_version: int
    draft_id: int
    draft_version: int
    signed_id: int
    assignment_id: int
    assignment_version: int
    screen_id: int
    follow_up_id: int
    exercise_id: int  # a custom exercise
    exercise_version_id: int


@dataclass(frozen=True)
class World:
    actors: dict[str, Actor]
    targets: dict[str, Target]  # by author: alice (her couple), carol (the same couple,
    # her notes from before it moved), dora (deactivated, her own couple)
    bruno: Actor
    exercise_id: int  # a built-in individual exercise for the hurt partner
    reference: ClinicReference


CUSTOM = {
    "title": "Evening walk",
    "repair_step": "3",
    "intended_role": "both",
    "frequency": "weekly",
    "minutes": 30,
    "purpose": "Talk without screens.",
    "instructions": "Walk\nTalk",
    "prompts": ["What did you notice?"],
    "review_guidance": "Ask how it went.",
}
SCREEN = {
    "partner_label": "A",
    "screened_on": date(2026, 9, 4),
    "violence": True,
    "plan": "Time-out agreement.",
    "ptsd_answers": {
        "exposure": 1,
        "nightmares": 1,
        "avoidance": 1,
        "on_guard": 1,
        "numb": 0,
        "guilt": 0,
    },
}


def _note(day: date) -> dict[str, Any]:
    return note_form(day, note_data=f"Zephyr: talked on {day}.")


def _notes(db: Database, author: Actor, couple_id: int, first: date) -> tuple[int, int, int]:
    signed = sessions.record_session(db, author, couple_id, _note(first), sign=True)
    draft = sessions.record_session(db, author, couple_id, _note(first.replace(day=first.day + 2)))
    return signed.id, draft.id, draft.version


def _records(
    db: Database, author: Actor, couple_id: int, exercise_id: int
) -> tuple[int, int, int, int, int, int]:
    """Homework, an open safety concern with a positive trauma screen, a custom exercise."""
    given = homework.assign(
        db,
        author,
        couple_id,
        {
            "exercise_id": exercise_id,
            "target": "A",
            "assigned_on": date(2026, 9, 3),
            "due_on": date(2026, 9, 20),
        },
        today=TODAY,
    )
    screen = safety.record_screen(db, author, couple_id, SCREEN, today=TODAY)
    [follow_up] = safety.follow_ups(db, author, couple_id)
    custom = exercises.create_custom(db, author, CUSTOM)
    return given.id, given.version, screen.id, follow_up.id, custom.id, custom.version_id


def _seed(db: Database, password_hash: str) -> World:
    names = {
        "admin": ("admin1", Role.ADMIN),
        "supervisor": ("super1", Role.SUPERVISOR),
        "own": ("alice", Role.COUNSELLOR),
        "other": ("bruno", Role.COUNSELLOR),
        "reassigned": ("carol", Role.COUNSELLOR),
        "dora": ("dora", Role.COUNSELLOR),
        "sid": ("sid", Role.SUPERVISOR),
        "ada": ("ada", Role.ADMIN),
    }
    actors = {
        kind: add_account(db, name, role, password_hash) for kind, (name, role) in names.items()
    }
    exercises.sync_catalogue(db)
    with db.read() as session:
        exercise_id = session.scalar(
            select(Exercise.id).where(Exercise.slug == "self-care-support-plan")
        )
    assert exercise_id is not None
    alice, carol, dora = actors["own"], actors["reassigned"], actors["dora"]

    shared = couples.create_couple(db, carol, intake_form(), today=TODAY)  # C-0001
    carol_notes = _notes(db, carol, shared.id, date(2026, 9, 2))
    own = couples.create_couple(db, dora, intake_form(), today=TODAY)  # C-0002
    dora_notes = _notes(db, dora, own.id, date(2026, 9, 2))
    dora_records = _records(db, dora, own.id, exercise_id)
    couples.create_couple(db, actors["other"], intake_form(), today=TODAY)  # C-0003
    couples.reassign(db, actors["supervisor"], shared.id, alice.id, expected_version=1)
    alice_notes = _notes(db, alice, shared.id, date(2026, 9, 10))
    alice_records = _records(db, alice, shared.id, exercise_id)
    snapshot = reference.clinic_reference(db)
    for kind in ("dora", "sid", "ada"):
        accounts.set_active(db, actors["admin"], actors[kind].id, False)

    def target(couple_id: int, notes: tuple[int, int, int], records: tuple[int, ...]) -> Target:
        couple = couples.get_couple(db, actors["admin"], couple_id)
        return Target(
            couple.id, couple.case_code, couple.version, notes[1], notes[2], notes[0], *records
        )

    return World(
        actors=actors,
        targets={
            "alice": target(shared.id, alice_notes, alice_records),
            "carol": target(shared.id, carol_notes, alice_records),
            "dora": target(own.id, dora_notes, dora_records),
        },
        bruno=actors["other"],
        exercise_id=exercise_id,
        reference=snapshot,
    )


@pytest.fixture(scope="module")
def seeded(
    module_db: tuple[Database, Path | None], test_password_hash: str
) -> tuple[Database, World, Path | None]:
    db, path = module_db
    world = _seed(db, test_password_hash)
    if path is not None:  # the file each case copies: complete, without its WAL
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return db, world, path


@pytest.fixture
def case_db(
    seeded: tuple[Database, World, Path | None], tmp_path: Path
) -> Iterator[tuple[Database, World]]:
    """The seeded world for one case: a copy of the file (SQLite), or one outer
    transaction that every service transaction nests in as a savepoint and that is
    rolled back afterwards (PostgreSQL)."""
    seeded_db, world, path = seeded
    if path is not None:
        copy = tmp_path / "case.db"
        shutil.copyfile(path, copy)
        db = Database.from_url(f"sqlite:///{copy}")
        yield db, world
        db.dispose()
        return
    connection = seeded_db.engine.connect()
    outer = connection.begin()
    db = Database(seeded_db.engine)
    db._sessions = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    try:
        yield db, world
    finally:
        outer.rollback()
        connection.close()


# --- one call per function, with realistic arguments ---

Call = Callable[[Database, Actor, Target, World], Any]
Sees = Callable[[Any, Target], bool]


def _codes(frame: pd.DataFrame, target: Target) -> bool:
    return target.case_code in set(frame["case_code"])


def _couple_ids(frame: pd.DataFrame, target: Target) -> bool:
    return target.couple_id in set(frame["couple_id"])


CALLS: dict[str, Call] = {
    "accounts.change_own_password": lambda db, a, t, w: accounts.change_own_password(
        db, a, TEST_PASSWORD, NEW_PASSWORD
    ),
    "accounts.create_account": lambda db, a, t, w: accounts.create_account(
        db,
        a,
        {
            "username": "newcomer",
            "display_name": "New",
            "role": "counsellor",
            "password": NEW_PASSWORD,
        },
    ),
    "accounts.list_accounts": lambda db, a, t, w: accounts.list_accounts(db, a),
    "accounts.log_out": lambda db, a, t, w: accounts.log_out(db, a),
    "accounts.must_change_password": lambda db, a, t, w: accounts.must_change_password(db, a),
    "accounts.reset_password": lambda db, a, t, w: accounts.reset_password(
        db, a, w.bruno.id, NEW_PASSWORD
    ),
    "accounts.session_problem": lambda db, a, t, w: accounts.session_problem(db, a),
    "accounts.set_active": lambda db, a, t, w: accounts.set_active(db, a, w.bruno.id, False),
    "accounts.unlock": lambda db, a, t, w: accounts.unlock(db, a, w.bruno.id),
    "audit.known_actions": lambda db, a, t, w: audit.known_actions(db, a),
    "audit.list_events": lambda db, a, t, w: audit.list_events(db, a),
    "couples.caseload": lambda db, a, t, w: couples.caseload(db, a, today=TODAY),
    "couples.change_status": lambda db, a, t, w: couples.change_status(
        db, a, t.couple_id, {"target": "active"}, expected_version=t.couple_version
    ),
    "couples.create_couple": lambda db, a, t, w: couples.create_couple(
        db, a, intake_form(), today=TODAY
    ),
    "couples.find_by_case_code": lambda db, a, t, w: couples.find_by_case_code(db, a, t.case_code),
    "couples.get_couple": lambda db, a, t, w: couples.get_couple(db, a, t.couple_id),
    "couples.reassign": lambda db, a, t, w: couples.reassign(
        db, a, t.couple_id, w.bruno.id, expected_version=t.couple_version
    ),
    "couples.update_couple": lambda db, a, t, w: couples.update_couple(
        db, a, t.couple_id, intake_form(goals="New goals."), expected_version=t.couple_version
    ),
    "exercises.create_custom": lambda db, a, t, w: exercises.create_custom(db, a, CUSTOM),
    "exercises.edit_exercise": lambda db, a, t, w: exercises.edit_exercise(
        db, a, t.exercise_id, {**CUSTOM, "title": "Morning walk"}, expected_version=1
    ),
    "exercises.get_exercise": lambda db, a, t, w: exercises.get_exercise(db, a, t.exercise_id),
    "exercises.get_version": lambda db, a, t, w: exercises.get_version(
        db, a, t.exercise_version_id
    ),
    "exercises.list_exercises": lambda db, a, t, w: exercises.list_exercises(db, a),
    "exercises.set_retired": lambda db, a, t, w: exercises.set_retired(db, a, t.exercise_id, True),
    "homework.giving.assign": lambda db, a, t, w: homework.assign(
        db,
        a,
        t.couple_id,
        {
            "exercise_id": w.exercise_id,
            "target": "A",
            "assigned_on": date(2026, 10, 20),
            "due_on": date(2026, 10, 27),
        },
        today=TODAY,
    ),
    "homework.giving.couple_profile": lambda db, a, t, w: homework.couple_profile(
        db, a, t.couple_id, TODAY
    ),
    "homework.giving.default_due_date": lambda db, a, t, w: homework.default_due_date(
        db, a, t.couple_id, TODAY
    ),
    "homework.giving.suggestions": lambda db, a, t, w: homework.suggestions(
        db, a, t.couple_id, TODAY
    ),
    "homework.reading.adherence_by_week": lambda db, a, t, w: homework.adherence_by_week(
        db, a, t.couple_id, TODAY
    ),
    "homework.reading.assignment": lambda db, a, t, w: homework.assignment(db, a, t.assignment_id),
    "homework.reading.assignment_detail": lambda db, a, t, w: homework.assignment_detail(
        db, a, t.assignment_id
    ),
    "homework.reading.couple_adherence": lambda db, a, t, w: homework.couple_adherence(
        db, a, t.couple_id, TODAY
    ),
    "homework.reading.couple_assignments": lambda db, a, t, w: homework.couple_assignments(
        db, a, t.couple_id
    ),
    "homework.reading.couple_homework": lambda db, a, t, w: homework.couple_homework(
        db, a, t.couple_id, TODAY
    ),
    "homework.reading.due_for_review": lambda db, a, t, w: homework.due_for_review(
        db, a, t.couple_id, TODAY
    ),
    "homework.reading.homework_due": lambda db, a, t, w: homework.homework_due(db, a, TODAY),
    "homework.reading.homework_tab": lambda db, a, t, w: homework.homework_tab(
        db, a, t.couple_id, TODAY
    ),
    "homework.reading.overdue_counts": lambda db, a, t, w: homework.overdue_counts(db, a, TODAY),
    "homework.working.record_completion": lambda db, a, t, w: homework.record_completion(
        db, a, t.assignment_id, "A", date(2026, 9, 10), {}, today=TODAY
    ),
    "homework.working.review": lambda db, a, t, w: homework.review(
        db, a, t.assignment_id, "Well done.", expected_version=t.assignment_version
    ),
    "homework.working.set_status": lambda db, a, t, w: homework.set_status(
        db, a, t.assignment_id, "in_progress", expected_version=t.assignment_version
    ),
    "progress_views.caseload_progress": lambda db, a, t, w: progress_views.caseload_progress(
        db, a, today=TODAY, reference=w.reference
    ),
    "progress_views.couple_progress": lambda db, a, t, w: progress_views.couple_progress(
        db, a, t.couple_id, today=TODAY, reference=w.reference
    ),
    "progress_views.has_couples": lambda db, a, t, w: progress_views.has_couples(db, a),
    "progress_views.supervision": lambda db, a, t, w: progress_views.supervision(
        db, a, today=TODAY, reference=w.reference
    ),
    "reference.recompute_reference": lambda db, a, t, w: reference.recompute_reference(db, a),
    "reference.reference_history": lambda db, a, t, w: reference.reference_history(db, a),
    "safety.follow_ups": lambda db, a, t, w: safety.follow_ups(db, a, t.couple_id),
    "safety.open_concerns": lambda db, a, t, w: safety.open_concerns(db, a, t.couple_id),
    "safety.ptsd_totals": lambda db, a, t, w: safety.ptsd_totals(db, a, t.couple_id),
    "safety.record_follow_up": lambda db, a, t, w: safety.record_follow_up(
        db,
        a,
        t.follow_up_id,
        {"outcome": "referral", "followed_up_on": date(2026, 10, 1), "note": "Referred."},
        today=TODAY,
    ),
    "safety.record_screen": lambda db, a, t, w: safety.record_screen(
        db, a, t.couple_id, {"partner_label": "B", "screened_on": date(2026, 10, 1)}, today=TODAY
    ),
    "safety.resolve_screen": lambda db, a, t, w: safety.resolve_screen(
        db, a, t.screen_id, "Safe now."
    ),
    "safety.screens": lambda db, a, t, w: safety.screens(db, a, t.couple_id),
    "sessions.add_addendum": lambda db, a, t, w: sessions.add_addendum(
        db, a, t.signed_id, "Later."
    ),
    "sessions.cosign": lambda db, a, t, w: sessions.cosign(db, a, t.signed_id),
    "sessions.get_session": lambda db, a, t, w: sessions.get_session(db, a, t.signed_id),
    "sessions.list_sessions": lambda db, a, t, w: sessions.list_sessions(db, a, t.couple_id),
    "sessions.record_session": lambda db, a, t, w: sessions.record_session(
        db, a, t.couple_id, _note(date(2026, 10, 20)), today=TODAY
    ),
    "sessions.search_notes": lambda db, a, t, w: sessions.search_notes(db, a, "zephyr"),
    "sessions.sign": lambda db, a, t, w: sessions.sign(
        db, a, t.draft_id, expected_version=t.draft_version
    ),
    "sessions.unsigned_notes": lambda db, a, t, w: sessions.unsigned_notes(db, a, today=TODAY),
    "sessions.update_draft": lambda db, a, t, w: sessions.update_draft(
        db,
        a,
        t.draft_id,
        _note(date(2026, 9, 12)),
        expected_version=t.draft_version,
        today=TODAY,
    ),
}

# Caseload-wide reads: whether the result includes the target couple.
SEES: dict[str, Sees] = {
    "couples.caseload": _codes,
    "homework.reading.homework_due": _codes,
    "homework.reading.overdue_counts": lambda counts, t: t.couple_id in counts,
    "progress_views.caseload_progress": _codes,
    "sessions.search_notes": _codes,
    "sessions.unsigned_notes": _codes,
}


def test_every_function_has_a_call() -> None:
    assert set(CALLS) == set(TABLE)
    assert {name for name, row in TABLE.items() if "H" in row} <= set(SEES)


def _acting(world: World, function: str, kind: str) -> tuple[Actor, Target]:
    """The actor of `kind` for `function`, and what they act on."""
    if kind == "deactivated":
        row = TABLE[function]
        if row[KINDS.index("own")] in "YH":
            return world.actors["dora"], world.targets["dora"]
        clone = "sid" if row[KINDS.index("supervisor")] in "YH" else "ada"
        return world.actors[clone], world.targets["alice"]
    author = "carol" if kind == "reassigned" else "alice"
    return world.actors[kind], world.targets[author]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("function", sorted(TABLE))
def test_access_follows_the_readme(
    case_db: tuple[Database, World], function: str, kind: str
) -> None:
    db, world = case_db
    actor, target = _acting(world, function, kind)
    expected = TABLE[function][KINDS.index(kind)]
    call = CALLS[function]
    if expected == "N":
        with pytest.raises((PermissionDenied, NotFound)):
            call(db, actor, target, world)
        return
    result = call(db, actor, target, world)
    if function in SEES:
        assert SEES[function](result, target) is (expected == "Y"), (function, kind)


@pytest.mark.parametrize(
    "read",
    ["couples.get_couple", "sessions.list_sessions", "safety.screens", "exercises.list_exercises"],
)
def test_a_role_changed_since_login_is_refused(case_db: tuple[Database, World], read: str) -> None:
    """The session's copy says counsellor, the database now says supervisor: the
    database wins, and the session must log in again (reads included)."""
    db, world = case_db
    alice = world.actors["own"]
    with db.transaction() as session:
        user = session.get(Counsellor, alice.id)
        assert user is not None
        user.role = Role.SUPERVISOR
    with pytest.raises(PermissionDenied, match="Your role has changed"):
        CALLS[read](db, alice, world.targets["alice"], world)
