"""Property tests (hypothesis) on search (issue 11): any text typed into the notes search
or the caseload search (the whole Unicode range, NUL and control characters, LIKE's
wildcards, a million characters) returns rows of the actor's own couples or a plain
ValidationError, never a database error. On SQLite and PostgreSQL, one seeded
database per engine for all examples."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.db import Database
from core.errors import ValidationError
from core.queries.caseload import CASELOAD_COLUMNS
from core.queries.sessions import SEARCH_COLUMNS
from core.services import couples, sessions
from tests.conftest import Team, intake_form, make_team
from tests.notes_support import note_form
from tests.unit.test_schemas_properties import assert_plain_refusal, control, unicode_text

TODAY = date(2026, 11, 1)
SEARCH = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ALICES_NOTE = "Émile spoke about the phone: 100% honest, a_b \\ boundary."


@pytest.fixture(scope="module")
def seeded(
    module_db: tuple[Database, Path | None], test_password_hash: str
) -> tuple[Database, Team]:
    """Alice's couple C-0001 and Bruno's C-0002, each with a note, shared by every example."""
    db, _path = module_db
    team = make_team(db, test_password_hash)
    mine = couples.create_couple(db, team.alice, intake_form())
    theirs = couples.create_couple(
        db, team.bruno, intake_form(partner_a={"name": "Mara", "role": "hurt"})
    )
    day = date(2026, 10, 1)
    sessions.record_session(db, team.alice, mine.id, note_form(day, note_data=ALICES_NOTE))
    sessions.record_session(db, team.bruno, theirs.id, note_form(day, note_data=ALICES_NOTE))
    return db, team


wildcards = st.text(alphabet="%_\\[]*?'\";-", max_size=12)
fragments = st.sampled_from(["phone", "ÉMILE", "100%", "a_b", "\\", "C-0002", "Mara", "Lou"])
huge = st.builds(
    lambda piece, n: piece * n,
    st.sampled_from(["a", "é", "%", "_", "\\", "😀", " "]),
    st.sampled_from([201, 10_000, 50_001, 60_000, 1_000_000]),
)
queries = st.one_of(
    st.text(),  # every Unicode category but lone surrogates
    unicode_text,
    st.builds(lambda a, c, b: a + c + b, unicode_text | fragments, control, unicode_text),
    wildcards,
    fragments,
    st.builds(lambda a, b: a + b, fragments, wildcards),
    huge,
)


def _rows_or_plain_refusal(search: Callable[[], pd.DataFrame], columns: list[str]) -> None:
    """Rows of Alice's couple only, in the expected shape, or a plain refusal."""
    try:
        found = search()
    except ValidationError as error:
        assert_plain_refusal(error)
        return
    assert list(found.columns) == columns
    assert set(found["case_code"]) <= {"C-0001"}  # never Bruno's couple or note
    assert all("\x00" not in str(value) for value in found.to_numpy().ravel())


SEARCHES: dict[str, tuple[Callable[[Database, Team, str], pd.DataFrame], list[str]]] = {
    "notes": (lambda db, team, q: sessions.search_notes(db, team.alice, q), SEARCH_COLUMNS),
    "caseload": (
        lambda db, team, q: couples.caseload(db, team.alice, today=TODAY, search=q),
        CASELOAD_COLUMNS,
    ),
}


@pytest.mark.parametrize("search", SEARCHES)
@SEARCH
@given(query=queries)
def test_any_search_returns_rows_or_a_plain_refusal(
    seeded: tuple[Database, Team], search: str, query: str
) -> None:
    db, team = seeded
    call, columns = SEARCHES[search]
    _rows_or_plain_refusal(lambda: call(db, team, query), columns)


def test_search_finds_text_with_wildcards_and_accents_literally(
    seeded: tuple[Database, Team],
) -> None:
    db, team = seeded
    for term in ("émile", "100%", "a_b", "\\ boundary"):
        assert list(sessions.search_notes(db, team.alice, term)["case_code"]) == ["C-0001"]
    assert sessions.search_notes(db, team.alice, "1000%").empty
    assert sessions.search_notes(db, team.alice, "a%b").empty


@pytest.mark.parametrize("query", ["phone\x00", "x" * 50_001, "é" * 1_000_000])
def test_nul_and_overlong_searches_are_refused_in_words(
    seeded: tuple[Database, Team], query: str
) -> None:
    db, team = seeded
    with pytest.raises(ValidationError) as refused:
        sessions.search_notes(db, team.alice, query)
    assert_plain_refusal(refused.value)
    with pytest.raises(ValidationError):
        couples.caseload(db, team.alice, today=TODAY, search=query)
