"""A counsellor's pages find their rows through indexes: no statement they run scans a
table that grows with the clinic (SQLite's EXPLAIN QUERY PLAN of every statement of a
page's run). A scan costs nothing on a test database and everything at 20,000 couples:
the couple page once counted each assignment's completions by grouping every completion
in the clinic, and the caseload's safety column read every open screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from core.db import Database
from core.services import couples, homework
from tests.conftest import Team, intake_form
from tests.homework_support import TODAY, homework_form, open_concern
from tests.notes_support import ada_and_ben, add_notes
from tests.pages.conftest import OpenApp

# Tables of the catalogue, the accounts and the clinic's reference: they grow with the
# library and the staff, not with the couples, and some pages list them whole.
NOT_GROWING = {
    "exercises",
    "exercise_versions",
    "counsellors",
    "counsellor_stamps",
    "reference_snapshots",
}
SCANNED = re.compile(r"^SCAN (?!CONSTANT ROW)(\w+)")

COUPLE_TABS = ["Progress", "Sessions", "Homework", "Safety", "Check-ins", "Edit details", "Status"]
COUNSELLOR_PAGES = [
    "pages/caseload.py",
    "pages/homework_due.py",
    "pages/library.py",
    "pages/log_session.py",
]


@contextmanager
def selects(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements `engine` executes inside the block, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def growing_scans(engine: Engine, statements: list[tuple[str, Any]]) -> list[str]:
    """'table: statement' for each scan of a growing table in the statements' plans."""
    found = []
    with engine.connect() as connection:
        for statement, parameters in statements:
            plan = [
                detail
                for *_ids, detail in connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, parameters
                )
            ]
            if _reads_in_order_to_a_limit(statement, plan):
                continue
            for detail in plan:
                if (match := SCANNED.match(detail)) is None:
                    continue
                table = re.sub(r"_\d+$", "", match.group(1))  # partners_1: an alias
                if table not in NOT_GROWING and not table.startswith("anon"):
                    found.append(f"{detail}: {statement[:200]}")
    return found


def _reads_in_order_to_a_limit(statement: str, plan: list[str]) -> bool:
    """The newest rows by a key, read in its order and stopped at the LIMIT (the audit
    chain's last hash): a scan in the plan, a few rows read."""
    return (
        bool(re.search(r"\bLIMIT\b", statement))
        and not any("TEMP B-TREE" in detail for detail in plan)
        and "WHERE" not in statement.upper()
    )


@pytest.fixture
def busy_couple(page_db: Database, page_team: Team) -> Any:
    """A couple with notes, ratings, homework done and an open concern, beside another."""
    other = ada_and_ben(page_db, page_team.alice)
    couple = couples.create_couple(page_db, page_team.alice, intake_form())
    for each in (couple, other):
        add_notes(page_db, page_team.alice, each, 6)
        given = homework.assign(
            page_db,
            page_team.alice,
            each.id,
            homework_form(page_db, "i-statement-check-in", assigned_on=TODAY - timedelta(days=3)),
        )
        homework.record_completion(page_db, page_team.alice, given.id, "A", TODAY, {})
    open_concern(page_db, page_team.alice, couple.id)
    return couple


def _scans_of_run(open_app: OpenApp, page_db: Database, *args: Any, **query: Any) -> list[str]:
    at = open_app(*args, **query)
    from pages import ui  # imported by the run above: the page's own engine

    engine = ui.database().engine
    assert engine.url == page_db.engine.url
    with selects(engine) as seen:
        at.run()
    assert not at.exception, at.exception
    assert seen, "the page read nothing"
    return growing_scans(engine, seen)


@pytest.mark.parametrize("tab", COUPLE_TABS)
def test_couple_page_scans_no_growing_table(
    open_app: OpenApp, page_db: Database, page_team: Team, busy_couple: Any, tab: str
) -> None:
    scans = _scans_of_run(
        open_app, page_db, page_team.alice, "pages/couple.py", case=busy_couple.case_code, tab=tab
    )
    assert scans == [], "\n".join(scans)


@pytest.mark.parametrize("page", COUNSELLOR_PAGES)
def test_counsellor_pages_scan_no_growing_table(
    open_app: OpenApp, page_db: Database, page_team: Team, busy_couple: Any, page: str
) -> None:
    scans = _scans_of_run(open_app, page_db, page_team.alice, page, case=busy_couple.case_code)
    assert scans == [], "\n".join(scans)


def test_a_scan_is_seen(page_db: Database) -> None:
    """The check itself: a count grouped over every completion is a scan."""
    statement = "SELECT assignment_id, count(*) FROM assignment_completions GROUP BY assignment_id"
    assert growing_scans(page_db.engine, [(statement, ())]) != []
    indexed = "SELECT count(*) FROM assignment_completions WHERE assignment_id = ?"
    assert growing_scans(page_db.engine, [(indexed, (1,))]) == []
