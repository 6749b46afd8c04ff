"""Reading session notes (core.services.sessions over core.queries.sessions): lists,
previews, unsigned notes, search and excerpts. Every database test runs on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.db import Database
from core.errors import (
    NotFound,
    PermissionDenied,
    ValidationError,
)
from core.queries.sessions import UnsignedNote
from core.services import sessions
from core.services.access import Actor
from core.services.couples import CoupleView
from core.services.sessions import (
    EXCERPT_RADIUS,
    PREVIEW_CHARS,
    excerpt,
)
from tests.conftest import Team
from tests.sessions_support import (
    TODAY,
    _reassign_to_bruno,
    _signed,
    session_form,
)

# --- reading ----------------------------------------------------------------------------------


def test_list_sessions_newest_first(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    days = [date(2026, 10, 1), date(2026, 11, 10), date(2026, 10, 20), date(2026, 11, 10)]
    ids = [
        sessions.record_session(
            db, team.alice, kit_and_lou.id, session_form(session_date=day, note_data=f"n{i}")
        ).id
        for i, day in enumerate(days)
    ]

    listed = sessions.list_sessions(db, team.alice, kit_and_lou.id)

    assert [v.session_date for v in listed] == sorted(days, reverse=True)
    assert [v.id for v in listed] == [ids[3], ids[1], ids[2], ids[0]]
    assert all(len(v.ratings) == 6 for v in listed)
    assert [v.id for v in sessions.list_sessions(db, team.supervisor, kit_and_lou.id)] == [
        v.id for v in listed
    ]


def test_list_sessions_respects_access(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    with pytest.raises(PermissionDenied):
        sessions.list_sessions(db, team.bruno, kit_and_lou.id)
    with pytest.raises(PermissionDenied):
        sessions.get_session(db, team.bruno, draft.id)
    with pytest.raises(NotFound):
        sessions.list_sessions(db, team.alice, 9999)
    with pytest.raises(NotFound):
        sessions.get_session(db, team.alice, 9999)


def test_preview_is_short_and_single_line(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    long_note = "Line one.\n\nLine two. " + "word " * 100
    view = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data=long_note)
    )
    assert view.preview.startswith("Line one. Line two.")
    assert len(view.preview) == PREVIEW_CHARS
    assert view.preview.endswith("…")


def test_unsigned_notes_lists_own_drafts_older_than_three_days(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    def draft(actor: Actor, couple: CoupleView, day: date) -> int:
        return sessions.record_session(db, actor, couple.id, session_form(session_date=day)).id

    old = draft(team.alice, kit_and_lou, date(2026, 10, 5))
    four_days = draft(team.alice, kit_and_lou, TODAY - timedelta(days=4))
    draft(team.alice, kit_and_lou, TODAY - timedelta(days=3))  # exactly 3 days: not yet
    draft(team.alice, kit_and_lou, TODAY)
    _signed(db, team.alice, kit_and_lou, session_date=date(2026, 10, 1))
    draft(team.bruno, mara_and_nils, date(2026, 10, 2))

    notes = sessions.unsigned_notes(db, team.alice, today=TODAY)

    assert notes == [
        UnsignedNote(old, "C-0001", date(2026, 10, 5), 50),
        UnsignedNote(four_days, "C-0001", TODAY - timedelta(days=4), 4),
    ]
    later = sessions.unsigned_notes(db, team.alice, today=date(2026, 12, 31))
    assert len(later) == 4
    assert sessions.unsigned_notes(db, team.supervisor, today=TODAY) == []
    assert [n.case_code for n in sessions.unsigned_notes(db, team.bruno, today=TODAY)] == [
        mara_and_nils.case_code
    ]


def test_unsigned_notes_is_empty_without_drafts(db: Database, team: Team) -> None:
    assert sessions.unsigned_notes(db, team.alice, today=TODAY) == []


# --- search -----------------------------------------------------------------------------------


def test_search_is_case_insensitive_with_an_excerpt(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    hit = sessions.record_session(
        db,
        team.alice,
        kit_and_lou.id,
        session_form(note_assessment="Lou named the AFFAIR for the first time."),
    )
    sessions.record_session(db, team.alice, kit_and_lou.id, session_form())

    found = sessions.search_notes(db, team.alice, "affair")

    assert list(found.columns) == ["session_id", "case_code", "session_date", "status", "excerpt"]
    assert found["session_id"].tolist() == [hit.id]
    row = found.iloc[0]
    assert row["case_code"] == "C-0001"
    assert row["status"] == "draft"
    assert "AFFAIR" in row["excerpt"]
    assert sessions.search_notes(db, team.alice, "  Affair ")["session_id"].tolist() == [hit.id]


@pytest.mark.parametrize("section", ["note_data", "note_assessment", "note_plan"])
def test_search_covers_every_dap_section(
    db: Database, team: Team, kit_and_lou: CoupleView, section: str
) -> None:
    view = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(**{section: "zebra crossing talk"})
    )
    assert sessions.search_notes(db, team.alice, "ZEBRA")["session_id"].tolist() == [view.id]


def test_search_finds_signed_notes_newest_first(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    older = _signed(db, team.alice, kit_and_lou, session_date=date(2026, 10, 1))
    newer = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(session_date=date(2026, 11, 1))
    )
    found = sessions.search_notes(db, team.alice, "credit card")
    assert found["session_id"].tolist() == [newer.id, older.id]
    assert found["status"].tolist() == ["draft", "signed"]
    assert sessions.search_notes(db, team.alice, "credit card", limit=1)["session_id"].tolist() == [
        newer.id
    ]


def test_search_respects_access(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    alices = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data="Talked about the gambling debt.")
    )
    brunos = sessions.record_session(
        db, team.bruno, mara_and_nils.id, session_form(note_data="Gambling relapse discussed.")
    )

    assert sessions.search_notes(db, team.alice, "gambling")["session_id"].tolist() == [alices.id]
    assert sessions.search_notes(db, team.bruno, "gambling")["session_id"].tolist() == [brunos.id]
    assert sessions.search_notes(db, team.bruno, "debt").empty
    assert set(sessions.search_notes(db, team.supervisor, "gambling")["session_id"]) == {
        alices.id,
        brunos.id,
    }


def test_search_follows_a_reassignment(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    view = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    _reassign_to_bruno(db, team, kit_and_lou)
    assert sessions.search_notes(db, team.alice, "credit card").empty
    assert sessions.search_notes(db, team.bruno, "credit card")["session_id"].tolist() == [view.id]


@pytest.mark.parametrize("query", ["", " ", "a", "  b  "])
def test_search_refuses_a_query_shorter_than_two_characters(
    db: Database, team: Team, query: str
) -> None:
    with pytest.raises(ValidationError, match="at least two characters"):
        sessions.search_notes(db, team.alice, query)


def test_search_treats_wildcards_literally(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    percent = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data="Trust is 50% back, says Kit.")
    )
    underscore = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data="Kit's handle is kit_lou online.")
    )
    backslash = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data=r"Saved under C:\notes today.")
    )

    def ids(query: str) -> list[int]:
        return sessions.search_notes(db, team.alice, query)["session_id"].tolist()

    assert ids("0%") == [percent.id]
    assert ids("%%") == []
    assert ids("50%") == [percent.id]
    assert ids("t_l") == [underscore.id]
    assert ids("__") == []
    assert ids("Kit_s") == []  # unescaped, _ would match the apostrophe in "Kit's"
    assert ids(r"C:\n") == [backslash.id]
    assert ids("\\\\") == []


def test_search_finds_nothing_without_error(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    found = sessions.search_notes(db, team.alice, "no such words")
    assert found.empty
    assert list(found.columns) == ["session_id", "case_code", "session_date", "status", "excerpt"]


def test_search_is_case_insensitive_beyond_ascii(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    view = sessions.record_session(
        db, team.alice, kit_and_lou.id, session_form(note_data="Émile, Lou's brother, called.")
    )
    assert sessions.search_notes(db, team.alice, "ÉMILE")["session_id"].tolist() == [view.id]
    assert sessions.search_notes(db, team.alice, "émile")["session_id"].tolist() == [view.id]


# --- excerpt (no database) --------------------------------------------------------------------

LEFT = " ".join(f"left{i}" for i in range(30))
RIGHT = " ".join(f"right{i}" for i in range(30))


def test_excerpt_of_a_short_text_is_the_whole_text() -> None:
    assert excerpt("Kit named the affair.", "AFFAIR") == "Kit named the affair."


def test_excerpt_in_the_middle_has_ellipses_on_both_sides() -> None:
    result = excerpt(f"{LEFT} TRUST {RIGHT}", "trust")
    assert result.startswith("…") and result.endswith("…")
    assert "TRUST" in result
    before, after = result[1:-1].split("TRUST")
    assert len(before) == EXCERPT_RADIUS and len(after) == EXCERPT_RADIUS


def test_excerpt_match_at_the_start_has_no_leading_ellipsis() -> None:
    result = excerpt(f"Trust {RIGHT}", "trust")
    assert result.startswith("Trust ")
    assert result.endswith("…")
    assert len(result) == len("Trust") + EXCERPT_RADIUS + 1


def test_excerpt_match_at_the_end_has_no_trailing_ellipsis() -> None:
    result = excerpt(f"{LEFT} trust", "TRUST")
    assert result.startswith("…")
    assert result.endswith(" trust")
    assert len(result) == 1 + EXCERPT_RADIUS + len("trust")


def test_excerpt_collapses_whitespace() -> None:
    assert excerpt("Kit\n\n  named\tthe   affair.", "named the") == "Kit named the affair."


def test_excerpt_without_a_match_is_the_preview() -> None:
    assert excerpt("Nothing here.", "affair") == "Nothing here."
    long_text = "word " * 100
    result = excerpt(long_text, "affair")
    assert len(result) == PREVIEW_CHARS
    assert result.endswith("…")
    assert result.startswith("word word")


def test_excerpt_with_a_custom_radius() -> None:
    assert excerpt("aaaa bbbb TERM cccc dddd", "term", radius=5) == "…bbbb TERM cccc…"


def test_excerpt_after_letters_that_casefold_longer() -> None:
    assert "trust" in excerpt("Straße " * 5 + "trust rebuilt slowly", "trust", radius=3)
