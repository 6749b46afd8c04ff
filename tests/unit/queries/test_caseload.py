"""The caseload read (core.queries.caseload): one statement, scoped by access.caseload_scope.
Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import text, true

from core.db import Database
from core.domain import CoupleStatus
from core.models import Couple
from core.queries.caseload import (
    CASELOAD_COLUMNS,
    caseload_frame,
    caseload_keys,
    counsellor_stamps,
)
from core.services import safety, sessions
from core.services.access import caseload_scope
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.notes_support import note_form, statements

TODAY = date(2026, 11, 24)
couple_stamps_migration = importlib.import_module("migrations.versions.0015_couple_stamps")


def test_the_scope_decides_whose_couples_are_listed(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    with db.read() as session:
        alices = caseload_frame(session, caseload_scope(team.alice), today=TODAY)
        brunos = caseload_frame(session, caseload_scope(team.bruno), today=TODAY)
        everyone = caseload_frame(session, caseload_scope(team.supervisor), today=TODAY)
        by_id = caseload_frame(session, Couple.id == mara_and_nils.id, today=TODAY)
    assert alices["couple_id"].tolist() == [kit_and_lou.id]
    assert brunos["couple_id"].tolist() == [mara_and_nils.id]
    assert everyone["case_code"].tolist() == ["C-0001", "C-0002"]
    assert by_id["case_code"].tolist() == ["C-0002"]


def test_rows_count_sessions_and_flag_open_concerns_in_one_statement(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    for day in (date(2026, 10, 1), date(2026, 10, 15)):
        sessions.record_session(db, team.alice, kit_and_lou.id, note_form(day))
    safety.record_screen(
        db,
        team.bruno,
        mara_and_nils.id,
        {
            "partner_label": "A",
            "screened_on": date(2026, 10, 1),
            "coercive_control": True,
            "plan": "Individual sessions only.",
        },
    )
    with db.read() as session, statements(db.engine) as seen:
        frame = caseload_frame(session, true(), today=TODAY).set_index("case_code")
    assert len(seen) == 1
    kit, mara = frame.loc["C-0001"], frame.loc["C-0002"]
    assert (kit["sessions"], kit["last_session"]) == (2, date(2026, 10, 15))
    assert (mara["sessions"], mara["last_session"]) == (0, None)
    assert not kit["safety_concern"] and mara["safety_concern"]
    assert kit["partners"] == "Kit & Lou" and kit["counsellor"] == "Alice"
    assert kit["weeks_in_care"] == (TODAY - kit_and_lou.intake_date).days // 7
    assert kit["status"] == "Intake"


def test_filters_narrow_within_the_scope(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    with db.read() as session:
        scope = caseload_scope(team.alice)

        def codes(**filters: object) -> list[str]:
            frame = caseload_frame(session, scope, today=TODAY, **filters)  # type: ignore[arg-type]
            return frame["case_code"].tolist()

        assert codes(search="lou") == ["C-0001"]
        assert codes(search="nils") == []  # Bruno's couple stays out of Alice's scope
        assert codes(counsellor_ids=[team.bruno.id]) == []
        assert codes(statuses=[CoupleStatus.INTAKE]) == ["C-0001"]
        assert codes(statuses=[CoupleStatus.CLOSED]) == []


def test_an_empty_caseload_has_the_columns(db: Database, team: Team) -> None:
    with db.read() as session:
        frame = caseload_frame(session, caseload_scope(team.alice), today=TODAY)
    assert frame.empty
    assert list(frame.columns) == CASELOAD_COLUMNS


# --- the stamps that key the caseload cache (migrations 0014 and 0015) -----------------------


def keys_of(db: Database, scope: Any = None, **filters: Any) -> pd.DataFrame:
    with db.read() as session:
        return caseload_keys(session, true() if scope is None else scope, **filters)


def record_versions(db: Database) -> dict[int, int]:
    keys = keys_of(db)
    return dict(zip(keys["couple_id"], keys["record_version"], strict=True))


def test_every_table_a_caseload_row_shows_has_its_stamp_triggers() -> None:
    """The migration's list is the caseload row's sources: each has insert, update and
    delete triggers on both engines (the behaviour is checked below)."""
    assert set(couple_stamps_migration.COUPLE_OF) == {
        "couples", "partners", "sessions", "assignments", "check_ins", "safety_screens",
        "trauma_follow_ups",
    }  # fmt: skip


def test_record_stamps_move_with_every_change_to_that_couples_records_only(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    seen = [record_versions(db)]

    def changed(write: Any) -> None:
        write()
        now = record_versions(db)
        assert now[kit_and_lou.id] != seen[-1][kit_and_lou.id], write
        assert now[mara_and_nils.id] == seen[-1][mara_and_nils.id], write  # not the other
        seen.append(now)

    def bare(sql: str) -> Any:
        # Any writer is covered (triggers), even a bare SQL statement.
        def run() -> None:
            with db.transaction() as session:
                session.execute(text(sql), {"couple": kit_and_lou.id})

        return run

    note = sessions.record_session(
        db, team.alice, kit_and_lou.id, note_form(date(2026, 10, 1), ratings={})
    )
    assert record_versions(db)[kit_and_lou.id] != seen[0][kit_and_lou.id]
    seen.append(record_versions(db))
    changed(bare("UPDATE couples SET goals = 'Rebuild trust' WHERE id = :couple"))
    changed(bare("UPDATE partners SET pronouns = 'they' WHERE couple_id = :couple"))
    changed(bare("UPDATE sessions SET note_plan = 'Next: homework' WHERE couple_id = :couple"))
    changed(
        lambda: safety.record_screen(
            db,
            team.alice,
            kit_and_lou.id,
            {"partner_label": "A", "screened_on": date(2026, 10, 1), "plan": "Screened."},
        )
    )
    changed(
        bare(
            "UPDATE safety_screens SET plan = 'Rescreen' WHERE partner_id IN "
            "(SELECT id FROM partners WHERE couple_id = :couple)"
        )
    )
    changed(bare(f"DELETE FROM sessions WHERE id = {note.id}"))


def test_the_keys_list_what_the_caseload_lists_with_the_same_filters(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    cases: list[dict[str, Any]] = [
        {},
        {"statuses": [CoupleStatus.INTAKE]},
        {"statuses": [CoupleStatus.CLOSED]},
        {"counsellor_ids": [team.bruno.id]},
        {"search": "mara"},
        {"search": "C-0001"},
        {"search": "nobody"},
    ]
    for filters in cases:
        with db.read() as session:
            listed = caseload_frame(session, true(), today=TODAY, **filters)
            names = counsellor_stamps(session)["counsellor"]
        keys = keys_of(db, **filters)
        assert keys["couple_id"].tolist() == listed["couple_id"].tolist(), filters
        assert keys["case_code"].tolist() == listed["case_code"].tolist(), filters
        assert keys["counsellor_id"].map(names).tolist() == listed["counsellor"].tolist(), filters
    assert keys_of(db, caseload_scope(team.alice))["couple_id"].tolist() == [kit_and_lou.id]


def counsellor_versions(db: Database) -> dict[int, int]:
    with db.read() as session:
        return counsellor_stamps(session)["version"].to_dict()


def test_a_counsellors_stamp_moves_with_every_change_to_their_couples_only(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    """Migration 0016: chained on the couple stamps, so every writer is covered, a bare
    SQL statement included; the other counsellor's stamp stays."""
    alice, bruno = team.alice.id, team.bruno.id
    seen = counsellor_versions(db)

    def bare(sql: str) -> None:
        with db.transaction() as session:
            session.execute(text(sql), {"couple": kit_and_lou.id})
        now = counsellor_versions(db)
        assert now[alice] != seen[alice], sql
        assert now[bruno] == seen[bruno], sql
        seen.update(now)

    sessions.record_session(db, team.alice, kit_and_lou.id, note_form(date(2026, 10, 1)))
    assert counsellor_versions(db)[alice] != seen[alice]  # a note with ratings
    seen.update(counsellor_versions(db))
    bare("UPDATE couples SET goals = 'Rebuild trust' WHERE id = :couple")
    bare("UPDATE partners SET pronouns = 'they' WHERE couple_id = :couple")
    bare("UPDATE measurements SET total = total + 1 WHERE couple_id = :couple")  # ratings only
    bare("DELETE FROM measurements WHERE couple_id = :couple")


def test_a_reassigned_couple_moves_both_counsellors_stamps(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    before = counsellor_versions(db)
    with db.transaction() as session:
        session.execute(
            text("UPDATE couples SET counsellor_id = :to WHERE id = :couple"),
            {"to": team.bruno.id, "couple": kit_and_lou.id},
        )
    after = counsellor_versions(db)
    assert after[team.alice.id] != before[team.alice.id]  # the one it left
    assert after[team.bruno.id] != before[team.bruno.id]  # the one it joined
    assert after[team.supervisor.id] == before[team.supervisor.id]
