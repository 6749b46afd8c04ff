"""The read side of session notes (core.queries.sessions): the batched timeline, the one
"unsigned" rule and scoped search. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.db import Database
from core.domain import NoteStatus
from core.models import Session as SessionRow
from core.queries import sessions as queries
from core.queries.sessions import UNSIGNED_AFTER_DAYS, unsigned, unsigned_counts
from core.services import couples, sessions
from core.services.access import caseload_scope
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.notes_support import ada_and_ben, add_notes, note_form, statements

TODAY = date(2026, 11, 24)


def _another_couple(db: Database, team: Team) -> CoupleView:
    return ada_and_ben(db, team.alice)


# --- the timeline -----------------------------------------------------------------------------


def test_list_sessions_takes_the_same_statements_for_40_notes_as_for_4(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    small = _another_couple(db, team)
    add_notes(db, team.alice, kit_and_lou, 40)
    add_notes(db, team.alice, small, 4)

    with statements(db.engine) as many:
        long_history = sessions.list_sessions(db, team.alice, kit_and_lou.id)
    with statements(db.engine) as few:
        short_history = sessions.list_sessions(db, team.alice, small.id)

    assert len(long_history) == 40 and len(short_history) == 4
    assert all(len(view.ratings) == 6 for view in long_history + short_history)
    assert sum(len(view.addenda) for view in long_history) == 10
    assert sum(len(view.addenda) for view in short_history) == 1
    assert len(many) == len(few)  # the same statements whatever the number of notes

    def reads(seen: list[str]) -> list[str]:  # besides the account check and the audit
        return [s for s in seen if s.lstrip().startswith("SELECT") and "audit" not in s]

    assert len(reads(many)) == len(reads(few)) <= 6, reads(many)


def test_timeline_is_newest_first_with_each_notes_own_ratings_and_addenda(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    first, second, third = add_notes(db, team.alice, kit_and_lou, 3)
    sessions.add_addendum(db, team.supervisor, first, "Supervisor's note.")
    sessions.cosign(db, team.supervisor, third)

    with db.read() as session:
        views = queries.timeline(session, kit_and_lou.id)

    assert [v.id for v in views] == [third, second, first]
    assert [v.status for v in views] == [NoteStatus.SIGNED, NoteStatus.DRAFT, NoteStatus.SIGNED]
    assert {v.case_code for v in views} == {kit_and_lou.case_code}
    assert {v.author for v in views} == {"Alice"}
    assert [v.cosigned_by for v in views] == ["Super1", None, None]
    assert [(a.author, a.text) for a in views[2].addenda] == [
        ("Alice", "Addendum to note 0."),
        ("Super1", "Supervisor's note."),
    ]
    assert views[0].addenda == () and views[1].addenda == ()
    for view in views:
        assert [(r.partner_label, r.instrument) for r in view.ratings] == [
            (label, key) for label in "AB" for key in ("csi4", "distress", "five_cs")
        ]
        assert view.as_form()["ratings"]["A"]["distress"] == {"distress": 7.0}


def test_timeline_of_a_couple_without_notes_is_one_statement(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    with db.read() as session, statements(db.engine) as seen:
        assert queries.timeline(session, kit_and_lou.id) == []
    assert len(seen) == 1


def test_note_reads_one_note_or_none(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    (only,) = add_notes(db, team.alice, kit_and_lou, 1)
    with db.read() as session:
        view = queries.note(session, only)
        assert queries.note(session, only + 1000) is None
    assert view is not None and view.id == only and len(view.addenda) == 1


# --- unsigned notes: one rule -----------------------------------------------------------------


def _draft(db: Database, team: Team, couple: CoupleView, day: date) -> int:
    return sessions.record_session(db, team.alice, couple.id, note_form(day)).id


def test_unsigned_means_a_draft_more_than_three_days_old(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    old = _draft(db, team, kit_and_lou, TODAY - timedelta(days=UNSIGNED_AFTER_DAYS + 1))
    _draft(db, team, kit_and_lou, TODAY - timedelta(days=UNSIGNED_AFTER_DAYS))  # not yet
    _draft(db, team, kit_and_lou, TODAY)
    sessions.record_session(db, team.alice, kit_and_lou.id, note_form(date(2026, 10, 1)), sign=True)
    with db.read() as session:
        found = session.scalars(select(SessionRow.id).where(unsigned(TODAY))).all()
        everything = session.scalar(
            select(func.count(SessionRow.id)).where(unsigned(TODAY, older_than_days=-1))
        )
    assert found == [old]
    assert everything == 3  # every draft, even today's, with a negative age limit


def test_unsigned_counts_per_couple_within_the_scope(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    for day in (date(2026, 10, 1), date(2026, 10, 8), TODAY):
        _draft(db, team, kit_and_lou, day)
    sessions.record_session(db, team.bruno, mara_and_nils.id, note_form(date(2026, 10, 2)))

    with db.read() as session:
        alices = unsigned_counts(session, caseload_scope(team.alice), TODAY)
        everyone = unsigned_counts(session, caseload_scope(team.supervisor), TODAY)
        later = unsigned_counts(session, caseload_scope(team.alice), date(2026, 12, 31))

    assert alices == {kit_and_lou.id: 2}
    assert everyone == {kit_and_lou.id: 2, mara_and_nils.id: 1}
    assert later == {kit_and_lou.id: 3}


def test_unsigned_counts_follow_the_couple_not_the_author(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    _draft(db, team, kit_and_lou, date(2026, 10, 1))
    current = couples.get_couple(db, team.supervisor, kit_and_lou.id)
    couples.reassign(
        db, team.supervisor, kit_and_lou.id, team.bruno.id, expected_version=current.version
    )
    with db.read() as session:
        assert unsigned_counts(session, caseload_scope(team.bruno), TODAY) == {kit_and_lou.id: 1}
        assert unsigned_counts(session, caseload_scope(team.alice), TODAY) == {}
        # Nor does Alice's own to-do list: she can no longer sign it (notes follow the caseload).
        assert queries.unsigned_by_author(session, team.alice.id, TODAY) == []


# --- search -----------------------------------------------------------------------------------


def test_search_keeps_to_the_scope(
    db: Database, team: Team, kit_and_lou: CoupleView, mara_and_nils: CoupleView
) -> None:
    alices = _draft(db, team, kit_and_lou, date(2026, 10, 1))
    brunos = sessions.record_session(
        db, team.bruno, mara_and_nils.id, note_form(date(2026, 10, 2))
    ).id
    with db.read() as session:
        own = queries.search(session, caseload_scope(team.alice), "session OF", limit=10)
        every = queries.search(session, caseload_scope(team.admin), "session of", limit=10)
    assert own["session_id"].tolist() == [alices]
    assert every["session_id"].tolist() == [brunos, alices]
    assert list(own.columns) == queries.SEARCH_COLUMNS


# --- the timeline a page at a time (the Sessions tab) -----------------------------------------


def test_timeline_pages_hold_every_note_once_newest_first_and_find_each_draft(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    ids = add_notes(db, team.alice, kit_and_lou, 23)  # every other one a draft
    newest_first = list(reversed(ids))
    shown: list[int] = []
    for number in (1, 2, 3):
        page = sessions.timeline_page(db, team.alice, kit_and_lou.id, number, size=10)
        assert (page.number, page.pages, page.total) == (number, 3, 23)
        assert (page.first, page.last) == (10 * number - 9, min(10 * number, 23))
        shown += [view.id for view in page.notes]
        assert all(len(view.ratings) == 6 for view in page.notes)
    assert shown == newest_first  # each note on exactly one page, the newest on the first

    drafts = {spot.id: spot.page for spot in page.drafts}
    assert drafts == {
        sid: newest_first.index(sid) // 10 + 1 for n, sid in enumerate(ids) if n % 2 == 1
    }
    assert [spot.id for spot in page.drafts] == [s for s in newest_first if s in drafts]


def test_a_page_past_the_last_is_the_last_and_no_notes_is_one_empty_page(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    empty = sessions.timeline_page(db, team.alice, kit_and_lou.id, 3, size=10)
    assert (empty.notes, empty.number, empty.pages, empty.total, empty.drafts) == ([], 1, 1, 0, ())
    assert (empty.first, empty.last) == (0, 0)
    ids = add_notes(db, team.alice, kit_and_lou, 12)
    last = sessions.timeline_page(db, team.alice, kit_and_lou.id, 9, size=10)
    assert last.number == 2 and [view.id for view in last.notes] == [ids[1], ids[0]]
    assert sessions.timeline_page(db, team.alice, kit_and_lou.id, 0, size=10).number == 1


def test_notes_on_one_day_keep_the_timeline_order_across_pages(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    """Same-day notes are ordered newest id first, and a draft's page follows that order."""
    day = kit_and_lou.intake_date + timedelta(days=3)
    made = [
        sessions.record_session(db, team.alice, kit_and_lou.id, note_form(day)) for _ in range(5)
    ]
    full = [view.id for view in sessions.list_sessions(db, team.alice, kit_and_lou.id)]
    paged = [
        view.id
        for number in (1, 2, 3)
        for view in sessions.timeline_page(db, team.alice, kit_and_lou.id, number, size=2).notes
    ]
    assert paged == full == sorted((view.id for view in made), reverse=True)
    page = sessions.timeline_page(db, team.alice, kit_and_lou.id, 1, size=2)
    assert [(spot.id, spot.page) for spot in page.drafts] == [
        (sid, n // 2 + 1) for n, sid in enumerate(full)
    ]


def test_a_timeline_page_reads_only_its_notes_in_the_same_statements_for_40_notes_as_for_4(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    small = _another_couple(db, team)
    add_notes(db, team.alice, kit_and_lou, 40)
    add_notes(db, team.alice, small, 4)

    with statements(db.engine) as many:
        page = sessions.timeline_page(db, team.alice, kit_and_lou.id, 2, size=10)
    with statements(db.engine) as few:
        sessions.timeline_page(db, team.alice, small.id, 1, size=10)
    assert len(page.notes) == 10 and page.total == 40
    assert len(many) == len(few)
    notes = [s for s in many if "note_data" in s]
    assert len(notes) == 1 and "LIMIT" in notes[0].upper(), notes
