"""Who may call what (issue 11): every public service function (core/services/*.py and
core/services/homework/*.py, taking `(db, actor, ...)`) x six kinds of actor, against
the README's "Who sees what". On SQLite and PostgreSQL, one seeded world per engine,
each case on its own copy (SQLite) or in a rolled-back transaction (PostgreSQL)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

import core.services
from core.db import Database
from core.domain import CASE_VIEWED, CaseRead, CoupleStatus, Role
from core.errors import NotFound, PermissionDenied
from core.models import AuditEvent, Counsellor
from core.reports import images
from core.schemas import ReportIn
from core.services import (
    accounts,
    audit,
    backups,
    caseload_views,
    checkins,
    couples,
    exercises,
    exports,
    homework,
    importing,
    login_sessions,
    progress_views,
    reference,
    reports,
    safety,
    sessions,
)
from core.services.access import Actor
from tests.access_support import (
    CUSTOM,
    IMPORT_FILE,
    LINK,
    REPORT,
    TODAY,
    Target,
    World,
    note,
    seed,
)
from tests.conftest import TEST_PASSWORD, intake_form
from tests.unit.reports.report_support import white_pngs

KINDS = ("own", "other", "supervisor", "admin", "deactivated", "reassigned")
NEW_PASSWORD = "a-fresh-passphrase-41"

# The README's "Who sees what", one letter per kind in KINDS' order:
#   own         the couple's counsellor (Alice)
#   other       another counsellor (Bruno, with a caseload of his own)
#   supervisor, admin
#   deactivated the account that would be allowed (the couple's counsellor, else a
#               supervisor, else an admin), deactivated after it did its work
#   reassigned  the counsellor the couple was moved away from (Carol), who wrote notes
# Y = allowed: returns (and, for caseload-wide reads, includes the couple);
# H = returns, but without the couple (reads scoped to the actor's own caseload; a
#     supervisor's look at check-ins does not mark them seen for the counsellor; the
#     login gate's "is this remembered login in force?" answers no);
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
    # the audit log: read by admins; "who looked at this case" follows the couple; its
    # writers read nothing and refuse nobody (a read is recorded after its own check)
    "audit.case_views": "YNYYNN",
    "audit.known_actions": "NNNYNN",
    "audit.list_events": "NNNYNN",
    "audit.page_view": "YYYYYY",
    "audit.record_read": "YYYYYY",
    "backups.download_backup": "NNNYNN",  # admins only, audited
    # check-in links follow the couple: its counsellor makes, revokes and acknowledges;
    # supervisors and admins read (their look does not count the check-ins as seen)
    "checkins.acknowledge": "YNNNNN",
    "checkins.create_link": "YNNNNN",
    "checkins.links": "YNYYNN",
    "checkins.mark_seen": "YNHHNN",
    "checkins.needs_safe_channel": "YNYYNN",
    "checkins.recent": "YNYYNN",
    "checkins.revoke_link": "YNNNNN",
    # couples
    "couples.caseload": "YHYYNH",
    "couples.change_status": "YNNNNN",
    "couples.couple_choices": "YHYYNH",  # the library's picker: as the caseload
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
    # exports read like the couple (the caseload: like the caseload), each audited
    "exports.caseload": "YHYYNH",
    "exports.chart_data": "YNYYNN",
    "exports.homework": "YNYYNN",
    "exports.ratings": "YNYYNN",
    "exports.sessions": "YNYYNN",
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
    "homework.working.decide_safety": "YNNNNN",
    "homework.working.record_completion": "YNNNNN",
    "homework.working.review": "YNNNNN",
    "homework.working.set_status": "YNNNNN",
    # import: counsellors onto their own caseload, admins onto an active counsellor's
    "importing.check": "YYNYNY",
    "importing.import_couples": "YYNYNY",
    "login_sessions.in_force": "YYYYHY",  # the login gate's: a deactivation revoked it
    # progress
    "caseload_views.caseload_progress": "YHYYNH",
    "caseload_views.sorted_caseload_view": "YHYYNH",
    "progress_views.couple_progress": "YNYYNN",
    "progress_views.couple_status": "YNYYNN",  # the Homework tab's view of the same analysis
    "caseload_views.has_couples": "YYYYNY",
    "caseload_views.supervision": "NNYYNN",
    "reference.recompute_reference": "NNYYNN",
    "reference.reference_history": "NNYYNN",
    # reports read like the couple; the PDF is audited (refused before anything is drawn)
    "reports.build_report": "YNYYNN",
    "reports.progress_report": "YNYYNN",
    "reports.report_facts": "YNYYNN",
    # safety
    "safety.follow_ups": "YNYYNN",
    "safety.marks": "YNYYNN",
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
    "sessions.log_form": "YNYYNN",  # the log-session page's read: couple, draft, banner
    "sessions.timeline_page": "YNYYNN",
    "sessions.record_session": "YNNNNN",
    "sessions.search_notes": "YHYYNH",
    "sessions.session_from_link": "YNYYNN",
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


def test_every_service_function_is_in_the_table() -> None:
    """A new service function without a row here (and in the README) fails."""
    assert set(TABLE) == service_functions()
    assert all(len(row) == len(KINDS) and set(row) <= set("YHN") for row in TABLE.values())


# --- the seeded world (tests/access_support.py), one per engine ---


@pytest.fixture(scope="module")
def seeded(
    module_db: tuple[Database, Path | None], test_password_hash: str
) -> tuple[Database, World, Path | None]:
    db, path = module_db
    world = seed(db, test_password_hash)
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


def _page_run(db: Database, actor: Actor, target: Target) -> dict[str, Any]:
    """One page run that reads the couple's details: its memory of what it logged."""
    memory: dict[str, Any] = {}
    with audit.page_view(db, actor, page="couple", memory=memory):
        audit.record_read(db, actor, target.couple_id, CaseRead.DETAILS)
    return memory


def _importing_onto(actor: Actor, world: World) -> int:
    """Counsellors import onto their own caseload; others choose Alice's."""
    return actor.id if actor.role is Role.COUNSELLOR else world.actors["own"].id


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
    "audit.case_views": lambda db, a, t, w: audit.case_views(db, a, t.couple_id),
    "audit.known_actions": lambda db, a, t, w: audit.known_actions(db, a),
    "audit.list_events": lambda db, a, t, w: audit.list_events(db, a),
    "audit.page_view": lambda db, a, t, w: _page_run(db, a, t),
    "audit.record_read": lambda db, a, t, w: audit.record_read(
        db, a, t.couple_id, CaseRead.DETAILS
    ),
    "backups.download_backup": lambda db, a, t, w: backups.download_backup(db, a),
    "checkins.acknowledge": lambda db, a, t, w: checkins.acknowledge(db, a, t.check_in_id),
    "checkins.create_link": lambda db, a, t, w: checkins.create_link(db, a, t.couple_id, LINK),
    "checkins.links": lambda db, a, t, w: checkins.links(db, a, t.couple_id),
    "checkins.mark_seen": lambda db, a, t, w: checkins.mark_seen(db, a, t.couple_id),
    "checkins.needs_safe_channel": lambda db, a, t, w: checkins.needs_safe_channel(
        db, a, t.couple_id
    ),
    "checkins.recent": lambda db, a, t, w: checkins.recent(db, a, t.couple_id),
    "checkins.revoke_link": lambda db, a, t, w: checkins.revoke_link(db, a, t.link_id),
    "couples.caseload": lambda db, a, t, w: couples.caseload(db, a, today=TODAY),
    "couples.couple_choices": lambda db, a, t, w: couples.couple_choices(
        db, a, statuses=list(CoupleStatus)
    ),
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
    "exports.caseload": lambda db, a, t, w: exports.caseload(
        db, a, today=TODAY, reference=w.reference
    ),
    "exports.chart_data": lambda db, a, t, w: exports.chart_data(
        db, a, t.couple_id, today=TODAY, reference=w.reference
    ),
    "exports.homework": lambda db, a, t, w: exports.homework(db, a, t.couple_id, today=TODAY),
    "exports.ratings": lambda db, a, t, w: exports.ratings(db, a, t.couple_id),
    "exports.sessions": lambda db, a, t, w: exports.sessions(
        db, a, t.couple_id, include_notes=True
    ),
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
    "homework.working.decide_safety": lambda db, a, t, w: homework.decide_safety(
        db, a, t.gated_id, "pause", expected_version=t.gated_version
    ),
    "homework.working.record_completion": lambda db, a, t, w: homework.record_completion(
        db, a, t.assignment_id, "A", date(2026, 9, 10), {}, today=TODAY
    ),
    "homework.working.review": lambda db, a, t, w: homework.review(
        db, a, t.assignment_id, "Well done.", expected_version=t.assignment_version
    ),
    "homework.working.set_status": lambda db, a, t, w: homework.set_status(
        db, a, t.assignment_id, "in_progress", expected_version=t.assignment_version
    ),
    "importing.check": lambda db, a, t, w: importing.check(
        db, a, IMPORT_FILE, counsellor_id=_importing_onto(a, w), today=TODAY
    ),
    "importing.import_couples": lambda db, a, t, w: importing.import_couples(
        db, a, IMPORT_FILE, counsellor_id=_importing_onto(a, w), today=TODAY
    ),
    "login_sessions.in_force": lambda db, a, t, w: login_sessions.in_force(db, a, w.tokens[a.id]),
    "caseload_views.caseload_progress": lambda db, a, t, w: caseload_views.caseload_progress(
        db, a, today=TODAY, reference=w.reference
    ),
    "caseload_views.sorted_caseload_view": lambda db, a, t, w: caseload_views.sorted_caseload_view(
        db, a, today=TODAY, reference=w.reference, sort="attention"
    ),
    "progress_views.couple_progress": lambda db, a, t, w: progress_views.couple_progress(
        db, a, t.couple_id, today=TODAY, reference=w.reference
    ),
    "progress_views.couple_status": lambda db, a, t, w: progress_views.couple_status(
        db, a, t.couple_id, today=TODAY, reference=w.reference
    ),
    "caseload_views.has_couples": lambda db, a, t, w: caseload_views.has_couples(db, a),
    "caseload_views.supervision": lambda db, a, t, w: caseload_views.supervision(
        db, a, today=TODAY, reference=w.reference
    ),
    "reference.recompute_reference": lambda db, a, t, w: reference.recompute_reference(db, a),
    "reference.reference_history": lambda db, a, t, w: reference.reference_history(db, a),
    "reports.build_report": lambda db, a, t, w: reports.build_report(
        db, a, t.couple_id, REPORT, today=TODAY, reference=w.reference
    ),
    "reports.progress_report": lambda db, a, t, w: reports.progress_report(
        db, a, t.couple_id, REPORT, today=TODAY, reference=w.reference
    ),
    "reports.report_facts": lambda db, a, t, w: reports.report_facts(
        db, a, t.couple_id, ReportIn(**REPORT), today=TODAY, reference=w.reference
    ),
    "safety.follow_ups": lambda db, a, t, w: safety.follow_ups(db, a, t.couple_id),
    "safety.marks": lambda db, a, t, w: safety.marks(db, a, t.couple_id),
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
    "sessions.log_form": lambda db, a, t, w: sessions.log_form(
        db, a, t.case_code, str(t.draft_id), TODAY
    ),
    "sessions.timeline_page": lambda db, a, t, w: sessions.timeline_page(db, a, t.couple_id, 1),
    "sessions.record_session": lambda db, a, t, w: sessions.record_session(
        db, a, t.couple_id, note(date(2026, 10, 20)), today=TODAY
    ),
    "sessions.search_notes": lambda db, a, t, w: sessions.search_notes(db, a, "zephyr"),
    "sessions.session_from_link": lambda db, a, t, w: sessions.session_from_link(
        db, a, str(t.signed_id)
    ),
    "sessions.sign": lambda db, a, t, w: sessions.sign(
        db, a, t.draft_id, expected_version=t.draft_version
    ),
    "sessions.unsigned_notes": lambda db, a, t, w: sessions.unsigned_notes(db, a, today=TODAY),
    "sessions.update_draft": lambda db, a, t, w: sessions.update_draft(
        db,
        a,
        t.draft_id,
        note(date(2026, 9, 12)),
        expected_version=t.draft_version,
        today=TODAY,
    ),
}

# Caseload-wide reads: whether the result includes the target couple.
SEES: dict[str, Sees] = {
    "checkins.mark_seen": lambda seen, t: seen > 0,  # the flagged check-in counted as seen
    "couples.caseload": _codes,
    "couples.couple_choices": lambda choices, t: t.couple_id in choices,
    "exports.caseload": _codes,
    "login_sessions.in_force": lambda in_force, t: in_force,
    "homework.reading.homework_due": lambda page, t: _codes(page.rows, t),
    "homework.reading.overdue_counts": lambda counts, t: t.couple_id in counts,
    "caseload_views.caseload_progress": _codes,
    "caseload_views.sorted_caseload_view": lambda view, t: _codes(view.rows(0, len(view)), t),
    "reports.progress_report": lambda made, t: made.data.startswith(b"%PDF"),
    "sessions.search_notes": _codes,
    "sessions.unsigned_notes": lambda notes, t: t.case_code in {n.case_code for n in notes},
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


# What a call that is allowed leaves in the audit log, under its actor: exports and
# reports name the couple in "who looked at this case" too.
AUDITED: dict[str, tuple[str, ...]] = {
    "audit.page_view": (CASE_VIEWED,),
    "audit.record_read": (CASE_VIEWED,),
    "backups.download_backup": ("backup_created",),
    "checkins.acknowledge": ("check_in_flag_acknowledged",),
    "checkins.create_link": ("check_in_link_created",),
    "checkins.links": (CASE_VIEWED,),
    "checkins.mark_seen": ("check_ins_seen",),
    "checkins.recent": (CASE_VIEWED,),
    "checkins.revoke_link": ("check_in_link_revoked",),
    "exports.caseload": ("export",),
    "exports.chart_data": ("export", CASE_VIEWED),
    "exports.homework": ("export", CASE_VIEWED),
    "exports.ratings": ("export", CASE_VIEWED),
    "exports.sessions": ("export", CASE_VIEWED),
    "homework.working.decide_safety": ("homework_safety_decision",),
    "importing.import_couples": ("couples_imported",),
    "reports.progress_report": (reports.AUDIT_ACTION, CASE_VIEWED),
    "sessions.log_form": (CASE_VIEWED,),
    "sessions.session_from_link": (CASE_VIEWED,),
    "sessions.timeline_page": (CASE_VIEWED,),
    "safety.marks": (CASE_VIEWED,),
}


def _events(db: Database, actor: Actor) -> Counter[str]:
    with db.read() as session:
        rows = session.execute(
            select(AuditEvent.action, func.count())
            .where(AuditEvent.actor_id == actor.id)
            .group_by(AuditEvent.action)
        ).all()
    return Counter(dict(rows))


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Report charts as plain PNGs (no Chromium); how many figures were drawn."""
    figures: list[int] = []

    def plain(shown: Any, **options: Any) -> list[bytes]:
        figures.append(len(shown))
        return white_pngs(shown, **options)

    monkeypatch.setattr(images, "render_pngs", plain)
    return figures


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("function", sorted(TABLE))
def test_access_follows_the_readme(
    case_db: tuple[Database, World], drawn: list[int], function: str, kind: str
) -> None:
    db, world = case_db
    actor, target = _acting(world, function, kind)
    expected = TABLE[function][KINDS.index(kind)]
    call = CALLS[function]
    before = _events(db, actor)
    if expected == "N":
        with pytest.raises((PermissionDenied, NotFound)):
            call(db, actor, target, world)
        assert not drawn, "a refused report is refused before anything is drawn"
        return
    result = call(db, actor, target, world)
    if function in SEES:
        assert SEES[function](result, target) is (expected == "Y"), (function, kind)
    if function in AUDITED and expected == "Y":
        added = _events(db, actor) - before
        assert set(AUDITED[function]) <= set(added), (function, kind, added)


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
