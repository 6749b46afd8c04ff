"""Edit races and simultaneous intakes, on SQLite and PostgreSQL (issue 11, item 8).

N threads save the same record with the same expected version. Each thread first
waits at a barrier placed just before its first write (`before_flush`), so every one
of them has read the record and passed the service's own version check: the races
are decided by the database (the `version` column in the UPDATE's WHERE clause or a
unique key), not by timing luck. Exactly one save wins; every other one gets the
service's plain `ConflictError` (never StaleDataError, IntegrityError or
OperationalError), and nothing of the losers is written.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from core.db import Database
from core.domain import BreachType
from core.errors import ConflictError
from core.models import Assignment, AuditEvent, Couple, Measurement
from core.models import Session as SessionRow
from core.services import couples, exercises, homework, sessions
from core.services.couples import CoupleView
from tests.conftest import Team, intake_form
from tests.homework_support import couple as couple
from tests.homework_support import give
from tests.sessions_support import session_form
from tests.unit.test_exercises import custom_form

RACERS = 6
INTAKES = 20

_racing = threading.local()


@contextmanager
def _all_read_before_anyone_writes(racers: int) -> Iterator[None]:
    """Hold every racing thread's first flush until all of them got there (or 2 s)."""
    gate = threading.Barrier(racers)
    held: set[int] = set()

    def hold(session: Session, _context: Any, _instances: Any) -> None:
        if getattr(_racing, "on", False) and id(session) not in held:
            held.add(id(session))
            with suppress(threading.BrokenBarrierError):
                gate.wait(timeout=2)

    event.listen(Session, "before_flush", hold)
    try:
        yield
    finally:
        event.remove(Session, "before_flush", hold)


def race(save: Callable[[int], object], racers: int = RACERS) -> list[object]:
    """Run save(0..racers-1) at once; each result is the return value or the exception."""
    start = threading.Barrier(racers)

    def run(n: int) -> object:
        _racing.on = True
        start.wait()
        try:
            return save(n)
        except Exception as error:
            return error
        finally:
            _racing.on = False

    with _all_read_before_anyone_writes(racers), ThreadPoolExecutor(racers) as pool:
        return list(pool.map(run, range(racers)))


def one_winner(outcomes: list[object], message: str) -> int:
    """Exactly one outcome is a saved record and every other one the conflict message;
    returns the winner's index."""
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    unexpected = [repr(e) for e in errors if not isinstance(e, ConflictError)]
    assert not unexpected, unexpected
    assert len(errors) == len(outcomes) - 1, outcomes
    assert all(re.search(message, str(e)) for e in errors), [str(e) for e in errors]
    return next(n for n, o in enumerate(outcomes) if not isinstance(o, BaseException))


def audit_count(db: Database, action: str) -> int:
    with db.read() as session:
        return session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


# --- couples ---


def test_racing_couple_edits_one_wins_the_others_get_the_conflict_message(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    def save(n: int) -> object:
        form = intake_form(goals=f"Goals from tab {n}.", breach_types=["infidelity_emotional"])
        return couples.update_couple(
            db, team.alice, kit_and_lou.id, form, expected_version=kit_and_lou.version
        )

    outcomes = race(save)
    winner = one_winner(outcomes, r"C-0001 was changed by someone else at .* after you opened")
    saved = couples.get_couple(db, team.alice, kit_and_lou.id)
    assert saved == outcomes[winner]
    assert saved.goals == f"Goals from tab {winner}."
    assert saved.breach_types == (BreachType.INFIDELITY_EMOTIONAL,)
    assert audit_count(db, "couple_updated") == 1


def test_racing_status_changes_one_wins(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    def save(n: int) -> object:
        target = {"target": "active"} if n % 2 else {"target": "closed", "reason": f"Tab {n}"}
        return couples.change_status(
            db, team.alice, kit_and_lou.id, target, expected_version=kit_and_lou.version
        )

    one_winner(race(save), "changed by someone else")
    assert couples.get_couple(db, team.alice, kit_and_lou.id).version == kit_and_lou.version + 1
    assert audit_count(db, "couple_status_changed") == 1


def test_racing_reassignments_one_wins(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    def save(n: int) -> object:
        by = team.supervisor if n % 2 else team.admin
        return couples.reassign(
            db, by, kit_and_lou.id, team.bruno.id, expected_version=kit_and_lou.version
        )

    one_winner(race(save), "changed by someone else")
    assert audit_count(db, "couple_reassigned") == 1


# --- session notes ---


@pytest.fixture
def draft(db: Database, team: Team, kit_and_lou: CoupleView) -> sessions.SessionView:
    return sessions.record_session(db, team.alice, kit_and_lou.id, session_form())


def test_racing_draft_saves_one_wins_and_keeps_its_own_ratings(
    db: Database, team: Team, draft: sessions.SessionView
) -> None:
    def save(n: int) -> object:
        form = session_form(note_data=f"Saved from tab {n}.")
        form["ratings"]["A"]["distress"] = {"distress": n}
        return sessions.update_draft(db, team.alice, draft.id, form, expected_version=draft.version)

    winner = one_winner(race(save), "This note was saved elsewhere after you opened it")
    with db.read() as session:
        row = session.get(SessionRow, draft.id)
        assert row is not None and row.note_data == f"Saved from tab {winner}."
        assert row.version == draft.version + 1
        distress = session.scalars(
            select(Measurement.total).where(
                Measurement.session_id == draft.id, Measurement.instrument == "distress"
            )
        ).all()
    assert sorted(distress) == sorted([3.0, float(winner)])
    assert audit_count(db, "session_draft_updated") == 1


def test_racing_signatures_sign_once(db: Database, team: Team, draft: sessions.SessionView) -> None:
    def save(n: int) -> object:
        if n % 2:
            return sessions.sign(db, team.alice, draft.id, expected_version=draft.version)
        form = session_form(note_plan=f"Plan from tab {n}.")
        return sessions.update_draft(
            db, team.alice, draft.id, form, expected_version=draft.version, sign=True
        )

    one_winner(race(save), "This note was saved elsewhere after you opened it")
    assert audit_count(db, "session_signed") == 1


def test_racing_co_signatures_co_sign_once(
    db: Database, team: Team, draft: sessions.SessionView
) -> None:
    signed = sessions.sign(db, team.alice, draft.id, expected_version=draft.version)
    outcomes = race(lambda _n: sessions.cosign(db, team.supervisor, signed.id))
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refused) == RACERS - 1
    # PostgreSQL's losers read before the winner's commit (the conflict message); SQLite
    # writers queue (BEGIN IMMEDIATE), so its losers find the note co-signed: both clear.
    assert all(
        isinstance(e, ConflictError) or str(e) == "This note is already co-signed." for e in refused
    ), refused
    assert audit_count(db, "session_cosigned") == 1


# --- homework ---


def test_racing_homework_updates_one_wins(
    db: Database,
    team: Team,
    couple: CoupleView,
) -> None:
    given = give(db, team, couple, "state-of-the-union")

    def save(n: int) -> object:
        if n % 2:
            return homework.review(
                db, team.alice, given.id, f"Comment {n}", expected_version=given.version
            )
        return homework.set_status(db, team.alice, given.id, "done", expected_version=given.version)

    winner = one_winner(race(save), r"was updated by someone else after you opened it \(it is now")
    with db.read() as session:
        row = session.get(Assignment, given.id)
        assert row is not None and row.version == given.version + 1
        assert row.counsellor_comment == (f"Comment {winner}" if winner % 2 else "")


def test_racing_homework_reviews_in_session_forms_one_wins(
    db: Database,
    team: Team,
    couple: CoupleView,
) -> None:
    given = give(db, team, couple, "state-of-the-union")

    def save(n: int) -> object:
        review = {"assignment_id": given.id, "expected_version": given.version}
        return sessions.record_session(
            db,
            team.alice,
            couple.id,
            session_form(session_date=given.assigned_on, note_data=f"Tab {n}"),
            homework_reviews=[review | {"status": "done", "comment": f"Review {n}"}],
        )

    one_winner(race(save), "was updated by someone else after you opened it")
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(SessionRow)) == 1


# --- exercises ---


def test_racing_exercise_edits_one_wins(db: Database, team: Team) -> None:
    exercises.sync_catalogue(db)
    created = exercises.create_custom(db, team.alice, custom_form())

    def save(n: int) -> object:
        return exercises.edit_exercise(
            db, team.alice, created.id, custom_form(minutes=10 + n), expected_version=1
        )

    winner = one_winner(race(save), r"edited by someone else after you opened it \(it is now")
    current = exercises.get_exercise(db, team.alice, created.id)
    assert current.version == 2 and current.minutes == 10 + winner
    assert audit_count(db, "exercise_edited") == 1


# --- intakes ---


def test_simultaneous_intakes_get_distinct_case_codes(db: Database, team: Team) -> None:
    counsellors = [team.alice, team.bruno]
    start = threading.Barrier(INTAKES)

    def intake(n: int) -> object:
        start.wait()
        try:
            return couples.create_couple(
                db, counsellors[n % 2], intake_form(goals=f"Intake {n}")
            ).case_code
        except Exception as error:
            return error

    with ThreadPoolExecutor(INTAKES) as pool:
        codes = list(pool.map(intake, range(INTAKES)))

    assert all(isinstance(code, str) for code in codes), codes
    assert sorted(codes) == [f"C-{n:04d}" for n in range(1, INTAKES + 1)]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Couple)) == INTAKES
        details = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "couple_created")
        ).all()
    assert sorted(json.loads(d)["case_code"] for d in details) == sorted(codes)


def test_case_codes_continue_after_the_highest_existing_code(db: Database, team: Team) -> None:
    first = couples.create_couple(db, team.alice, intake_form())
    with db.transaction() as session:
        row = session.get(Couple, first.id)
        assert row is not None
        row.case_code = "C-0041"  # e.g. a restored or imported record
    assert couples.create_couple(db, team.bruno, intake_form()).case_code == "C-0042"
