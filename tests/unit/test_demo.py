"""The synthetic demo caseload (core.demo)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from core import demo
from core.db import Database
from core.domain import CoupleStatus, NoteStatus, Role
from core.measures import INSTRUMENTS
from core.models import AuditEvent, Counsellor, Couple, Measurement, Partner, SafetyScreen
from core.models import Session as SessionRow
from core.queries.safety import open_concern_couples
from core.services import accounts, couples
from tests.conftest import _fresh_sqlite, intake_form

TODAY = date(2026, 11, 24)
COUPLES = 12
SEED = 3
INSTRUMENT_RANGES = {"five_cs": (0, 50), "csi4": (0, 21), "distress": (0, 10), "pcptsd5": (0, 5)}


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash the demo passwords with cheap argon2 settings: every test here loads a demo,
    and five full-strength hashes per load would dominate the run. Logging in still
    goes through real argon2 verification of those hashes."""
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def demo_db(db: Database) -> Database:
    demo.load_demo(db, couples=COUPLES, seed=SEED, today=TODAY)
    return db


def _snapshot(db: Database) -> list[tuple[object, ...]]:
    """What a reader of the caseload sees: codes, names, statuses, dates, session counts."""
    partner_a = (
        select(Partner.name)
        .where(Partner.couple_id == Couple.id, Partner.label == "A")
        .scalar_subquery()
    )
    partner_b = (
        select(Partner.name)
        .where(Partner.couple_id == Couple.id, Partner.label == "B")
        .scalar_subquery()
    )
    visits = (
        select(func.count(SessionRow.id)).where(SessionRow.couple_id == Couple.id).scalar_subquery()
    )
    with db.read() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    Couple.case_code,
                    partner_a,
                    partner_b,
                    Couple.status,
                    Couple.intake_date,
                    visits,
                ).order_by(Couple.case_code)
            )
        ]


def _load_into_fresh_sqlite(
    template: Path, folder: Path, *, seed: int = SEED
) -> list[tuple[object, ...]]:
    folder.mkdir()
    db = _fresh_sqlite(template, folder)
    try:
        demo.load_demo(db, couples=COUPLES, seed=seed, today=TODAY)
        return _snapshot(db)
    finally:
        db.dispose()


# --- accounts -------------------------------------------------------------------------------


def test_demo_creates_the_four_documented_accounts(demo_db: Database) -> None:
    with demo_db.read() as session:
        rows = session.execute(select(Counsellor.username, Counsellor.role)).all()
    assert sorted(rows) == sorted((u, r) for u, _, r, _ in demo.DEMO_ACCOUNTS)
    assert {u for u, *_ in rows} == {"admin", "supervisor", "counsellor1", "counsellor2"}


@pytest.mark.parametrize(
    ("username", "role", "password"),
    [(u, r, p) for u, _, r, p in demo.DEMO_ACCOUNTS],
    ids=[u for u, *_ in demo.DEMO_ACCOUNTS],
)
def test_documented_demo_passwords_log_in(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch, username: str, role: Role, password: str
) -> None:
    monkeypatch.setenv("MEND_DEMO", "1")
    actor = accounts.authenticate(demo_db, username, password)
    assert actor.username == username
    assert actor.role is role
    assert accounts.must_change_password(demo_db, actor) is False


def test_demo_summary_matches_what_was_written(db: Database) -> None:
    summary = demo.load_demo(db, couples=COUPLES, seed=SEED, today=TODAY)

    with db.read() as session:

        def count(model: type) -> int:
            return session.scalar(select(func.count()).select_from(model)) or 0

        assert summary.couples == count(Couple) == COUPLES
        assert summary.sessions == count(SessionRow)
        assert summary.measurements == count(Measurement)
        assert summary.screens == count(SafetyScreen) == 2 * COUPLES
        assert summary.counsellors == 2  # the counsellor accounts that carry caseloads
    assert summary.sessions > COUPLES


def test_demo_loading_is_audited(demo_db: Database) -> None:
    with demo_db.read() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    # The built-in exercise library is synced first, then the caseload is loaded.
    assert [e.action for e in events][-1] == "demo_loaded"
    event = events[-1]
    assert event.actor_id is None
    assert event.actor_username == "system"


# --- determinism and refusal ------------------------------------------------------------------


def test_same_seed_and_day_give_the_same_caseload(sqlite_template: Path, tmp_path: Path) -> None:
    first = _load_into_fresh_sqlite(sqlite_template, tmp_path / "first")
    second = _load_into_fresh_sqlite(sqlite_template, tmp_path / "second")

    assert len(first) == COUPLES
    assert first == second


def test_another_seed_gives_another_caseload(sqlite_template: Path, tmp_path: Path) -> None:
    first = _load_into_fresh_sqlite(sqlite_template, tmp_path / "first")
    other = _load_into_fresh_sqlite(sqlite_template, tmp_path / "other", seed=SEED + 1)
    assert first != other


def test_demo_is_the_same_on_every_engine(
    demo_db: Database, sqlite_template: Path, tmp_path: Path
) -> None:
    """The caseload does not depend on the database: each engine matches a SQLite load."""
    snapshot = _snapshot(demo_db)
    assert snapshot == _load_into_fresh_sqlite(sqlite_template, tmp_path / "reference")
    assert [row[0] for row in snapshot] == [f"C-{n:04d}" for n in range(1, COUPLES + 1)]
    assert all(row[5] > 0 for row in snapshot)


def test_second_load_into_a_non_empty_database_is_refused(demo_db: Database) -> None:
    before = _snapshot(demo_db)
    with pytest.raises(RuntimeError, match="already has accounts"):
        demo.load_demo(demo_db, couples=COUPLES, seed=SEED, today=TODAY)
    assert _snapshot(demo_db) == before


def test_load_into_a_database_with_only_accounts_is_refused(db: Database) -> None:
    accounts.create_account(
        db,
        accounts.SYSTEM,
        {"username": "boss", "display_name": "Boss", "role": "admin", "password": "a-real-pass-99"},
    )
    with pytest.raises(RuntimeError):
        demo.load_demo(db, couples=COUPLES, seed=SEED, today=TODAY)
    assert _snapshot(db) == []


def test_negative_couple_count_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="zero or more"):
        demo.load_demo(db, couples=-1, seed=SEED, today=TODAY)
    assert demo.is_empty(db)


def test_zero_couples_gives_accounts_only(db: Database) -> None:
    summary = demo.load_demo(db, couples=0, seed=SEED, today=TODAY)
    assert summary.couples == 0
    assert _snapshot(db) == []
    assert not demo.is_empty(db)


# --- the generated caseload ---------------------------------------------------------------------


def test_statuses_vary(demo_db: Database) -> None:
    statuses = {row[3] for row in _snapshot(demo_db)}
    assert len(statuses) >= 2
    assert statuses <= set(CoupleStatus)


def test_closed_demo_cases_have_a_closing_reason(demo_db: Database) -> None:
    with demo_db.read() as session:
        rows = session.execute(select(Couple.status, Couple.closing_reason)).all()
    for status, reason in rows:
        assert bool(reason) == (status is CoupleStatus.CLOSED)


def test_every_couple_has_partners_a_and_b(demo_db: Database) -> None:
    with demo_db.read() as session:
        rows = session.execute(
            select(Partner.couple_id, Partner.label).order_by(Partner.couple_id, Partner.label)
        ).all()
    by_couple: dict[int, list[str]] = {}
    for couple_id, label in rows:
        by_couple.setdefault(couple_id, []).append(label)
    assert len(by_couple) == COUPLES
    assert all(labels == ["A", "B"] for labels in by_couple.values())


def test_generated_names_are_invented_first_names(demo_db: Database) -> None:
    with demo_db.read() as session:
        names = session.scalars(select(Partner.name)).all()
    assert len(names) == 2 * COUPLES
    assert set(names) <= set(demo.FIRST_NAMES)
    for _, a, b, *_ in _snapshot(demo_db):
        assert a != b


def test_couples_are_spread_over_the_demo_counsellors(demo_db: Database) -> None:
    with demo_db.read() as session:
        rows = session.execute(
            select(Counsellor.username, func.count(Couple.id))
            .join(Couple, Couple.counsellor_id == Counsellor.id)
            .group_by(Counsellor.username)
        ).all()
    assert dict(rows) == {"counsellor1": COUPLES // 2, "counsellor2": COUPLES // 2}


def test_no_session_is_after_the_reference_day(demo_db: Database) -> None:
    with demo_db.read() as session:
        latest = session.scalar(select(func.max(SessionRow.session_date)))
        earliest_gap = session.scalar(
            select(func.count())
            .select_from(SessionRow)
            .join(Couple, Couple.id == SessionRow.couple_id)
            .where(SessionRow.session_date < Couple.intake_date)
        )
    assert latest <= TODAY
    assert earliest_gap == 0


def test_measurements_cover_the_three_instruments_within_range(demo_db: Database) -> None:
    with demo_db.read() as session:
        rows = session.execute(
            select(
                Measurement.instrument,
                func.min(Measurement.total),
                func.max(Measurement.total),
                func.count(),
            ).group_by(Measurement.instrument)
        ).all()
    seen = {instrument: (low, high, n) for instrument, low, high, n in rows}
    assert set(seen) == set(INSTRUMENT_RANGES)
    for instrument, (low, high, n) in seen.items():
        floor, ceiling = INSTRUMENT_RANGES[instrument]
        assert floor <= low <= high <= ceiling, instrument
        assert n > 0


def test_measurement_totals_are_the_sum_of_their_items(demo_db: Database) -> None:
    with demo_db.read() as session:
        rows = session.execute(
            select(Measurement.instrument, Measurement.items, Measurement.total)
        ).all()
    for instrument, items, total in rows:
        # The instruments' own scoring accepts every generated answer set.
        assert INSTRUMENTS[instrument].score(items) == total


def test_some_session_notes_are_drafts_and_the_rest_signed(demo_db: Database) -> None:
    with demo_db.read() as session:
        rows = session.execute(
            select(SessionRow.status, SessionRow.signed_at, SessionRow.signed_by_id)
        ).all()
    drafts = [row for row in rows if row[0] is NoteStatus.DRAFT]
    signed = [row for row in rows if row[0] is NoteStatus.SIGNED]
    assert drafts
    assert signed
    assert all(at is None and by is None for _, at, by in drafts)
    assert all(at is not None and by is not None for _, at, by in signed)


def test_demo_caseload_is_readable_through_the_services(demo_db: Database) -> None:
    supervisor = accounts.authenticate(demo_db, "supervisor", "supervise-demo")
    frame = couples.caseload(demo_db, supervisor, today=TODAY)
    assert len(frame) == COUPLES
    assert frame["sessions"].sum() == _session_count(demo_db)


def test_new_intake_after_the_demo_takes_the_next_case_code(demo_db: Database) -> None:
    counsellor = accounts.authenticate(demo_db, "counsellor1", "counsel-demo-1")
    view = couples.create_couple(demo_db, counsellor, intake_form())
    assert view.case_code == f"C-{COUPLES + 1:04d}"


def _session_count(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(SessionRow)) or 0


# --- python -m core.demo ------------------------------------------------------------------------


def test_command_line_loads_once_then_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli-demo.db'}"

    assert demo.main(["--couples", "3", "--seed", "2", "--database-url", url]) == 0
    assert "Loaded 3 couples" in capsys.readouterr().out

    assert demo.main(["--couples", "3", "--database-url", url]) == 1
    assert "already has data" in capsys.readouterr().out

    assert demo.main(["--couples", "3", "--database-url", url, "--if-empty"]) == 0
    db = Database.from_url(url)
    try:
        assert len(_snapshot(db)) == 3
    finally:
        db.dispose()


def test_command_line_refuses_an_absurd_couple_count(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli-demo.db'}"
    with pytest.raises(SystemExit) as caught:
        demo.main(["--couples", "5001", "--database-url", url])
    assert caught.value.code == 2


def test_demo_gives_homework_with_completions_and_respects_the_safety_gate(
    demo_db: Database,
) -> None:
    from core.models import Assignment, AssignmentCompletion, ExerciseVersion

    with demo_db.read() as session:
        statuses = set(session.scalars(select(Assignment.status)))
        completions = session.scalar(select(func.count()).select_from(AssignmentCompletion))
        gated = set(session.scalars(open_concern_couples()))
        given_gated = session.execute(
            select(Assignment.couple_id, ExerciseVersion.joint, ExerciseVersion.asks_vulnerability)
            .join(ExerciseVersion, ExerciseVersion.id == Assignment.exercise_version_id)
            .where(Assignment.couple_id.in_(gated))
        ).all()
    assert {"done", "skipped"} <= {str(getattr(s, "value", s)) for s in statuses}
    assert completions > 0
    assert not [row for row in given_gated if row.joint or row.asks_vulnerability]
