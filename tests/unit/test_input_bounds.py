"""Input from people and addresses is bounded and clean before it reaches a database
(issue 11, item 5), on both engines: huge texts, control characters (NUL, which
PostgreSQL cannot store) and made-up numbers get a clear message, never a database error."""

from __future__ import annotations

import pytest

from core.db import Database
from core.errors import NotFound, ValidationError
from core.schemas import PROMPT_LIMIT, SEARCH_LIMIT, STEP_LIMIT
from core.services import couples, exercises, safety, sessions
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.unit.test_exercises import custom_form
from tests.unit.test_safety import concern_form

MILLION = "x" * 1_000_000


def test_a_million_character_resolution_note_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    screen = safety.record_screen(db, team.alice, kit_and_lou.id, concern_form())
    with pytest.raises(ValidationError, match=r"Note is too long \(at most 5000 characters\)"):
        safety.resolve_screen(db, team.alice, screen.id, MILLION)
    with pytest.raises(ValidationError, match="control character"):
        safety.resolve_screen(db, team.alice, screen.id, "Moved out\x00")
    with pytest.raises(ValidationError, match="needs a note on what changed"):
        safety.resolve_screen(db, team.alice, screen.id, "   ")
    assert safety.open_concerns(db, team.alice, kit_and_lou.id)  # still open


@pytest.mark.parametrize("field", ["instructions", "prompts"])
def test_a_million_character_exercise_line_is_refused(db: Database, team: Team, field: str) -> None:
    limit = STEP_LIMIT if field == "instructions" else PROMPT_LIMIT
    with pytest.raises(ValidationError, match=f"at most {limit} characters"):
        exercises.create_custom(db, team.alice, custom_form(**{field: f"Walk.\n{MILLION}"}))
    fitting = custom_form(**{field: "Walk.\n" + "y" * limit})
    assert exercises.create_custom(db, team.alice, fitting).title == "Evening walk and talk"


@pytest.mark.parametrize("query", ["affair " * 8000, MILLION])
def test_a_huge_search_is_refused_before_the_database(db: Database, team: Team, query: str) -> None:
    with pytest.raises(ValidationError, match=f"at most {SEARCH_LIMIT} characters"):
        sessions.search_notes(db, team.alice, query)


@pytest.mark.parametrize("query", ["aff\x00air", "\x1b[2J", "x\x7f"])
def test_a_control_character_in_a_search_is_explained(db: Database, team: Team, query: str) -> None:
    with pytest.raises(ValidationError, match="Search contains a control character"):
        sessions.search_notes(db, team.alice, query)


@pytest.mark.parametrize("link", [str(10**20), str(2**31), "0", "-3", "1e3", " 7", "٣", ""])
def test_a_made_up_session_number_is_not_found(db: Database, team: Team, link: str) -> None:
    with pytest.raises(NotFound, match="That session link is not valid"):
        sessions.session_from_link(db, team.alice, link)


def test_a_session_link_finds_its_note(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    from tests.sessions_support import session_form

    note = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    assert sessions.session_from_link(db, team.alice, str(note.id)).id == note.id


@pytest.mark.parametrize("case", ["C-0001\x00", "C-" + "1" * 10**5])
def test_a_made_up_case_code_is_not_found(
    db: Database, team: Team, kit_and_lou: CoupleView, case: str
) -> None:
    with pytest.raises(NotFound, match="There is no couple with case code"):
        couples.find_by_case_code(db, team.alice, case)
    assert couples.find_by_case_code(db, team.alice, " c-0001 ").id == kit_and_lou.id
