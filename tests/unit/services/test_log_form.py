"""The log-session page's read model (sessions.log_form): the couple, the draft the
address names, the open safety concerns and the homework due for review, in one read."""

from __future__ import annotations

import pytest

from core.db import Database
from core.errors import NotFound
from core.services import couples, homework, safety, sessions
from core.services.couples import CoupleView
from tests.conftest import Team, intake_form
from tests.homework_support import open_concern, talk_due_on
from tests.notes_support import statements
from tests.sessions_support import SESSION_DAY, session_form


def _due_talk(db: Database, team: Team, couple: CoupleView) -> homework.AssignmentView:
    return talk_due_on(db, team.alice, couple.id, SESSION_DAY)


def _four_reads(db: Database, team: Team, couple: CoupleView, draft_id: int) -> tuple[object, ...]:
    """What the page read before, one service call each."""
    return (
        couples.find_by_case_code(db, team.alice, couple.case_code),
        sessions.session_from_link(db, team.alice, str(draft_id)),
        safety.open_concerns(db, team.alice, couple.id),
        homework.due_for_review(db, team.alice, couple.id, SESSION_DAY),
    )


def test_the_form_holds_what_the_four_reads_held(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    talk = _due_talk(db, team, kit_and_lou)
    open_concern(db, team.alice, kit_and_lou.id)
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    form = sessions.log_form(
        db, team.alice, f" {kit_and_lou.case_code.lower()} ", str(draft.id), SESSION_DAY
    )
    assert (form.couple, form.draft, form.concerns, form.due) == _four_reads(
        db, team, kit_and_lou, draft.id
    )
    assert [a.id for a in form.due] == [talk.id] and len(form.concerns) == 1
    assert form.draft is not None and form.draft.id == draft.id


def test_in_fewer_statements_than_the_four_reads(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    _due_talk(db, team, kit_and_lou)
    open_concern(db, team.alice, kit_and_lou.id)
    draft = sessions.record_session(db, team.alice, kit_and_lou.id, session_form())
    with statements(db.engine) as one_read:
        sessions.log_form(db, team.alice, kit_and_lou.case_code, str(draft.id), SESSION_DAY)
    with statements(db.engine) as four_reads:
        _four_reads(db, team, kit_and_lou, draft.id)
    assert len(one_read) < len(four_reads)


def test_a_new_session_has_no_draft(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    form = sessions.log_form(db, team.alice, kit_and_lou.case_code, None, SESSION_DAY)
    assert form.draft is None and form.concerns == [] and form.due == []
    assert form.couple.id == kit_and_lou.id


def test_another_couples_draft_is_not_edited_from_this_couples_form(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    other = couples.create_couple(db, team.alice, intake_form())
    their_draft = sessions.record_session(db, team.alice, other.id, session_form())
    with pytest.raises(NotFound, match="session link is not valid"):
        sessions.log_form(db, team.alice, kit_and_lou.case_code, str(their_draft.id), SESSION_DAY)


@pytest.mark.parametrize("link", ["draft", "-1", "1" * 30, "999999"])
def test_a_bad_or_unknown_link_is_not_found(
    db: Database, team: Team, kit_and_lou: CoupleView, link: str
) -> None:
    with pytest.raises(NotFound):
        sessions.log_form(db, team.alice, kit_and_lou.case_code, link, SESSION_DAY)


def test_an_unknown_or_unreadable_case_is_refused_alike(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    """As the couple page refuses: the same words whether the case exists or not."""
    with pytest.raises(NotFound) as unknown:
        sessions.log_form(db, team.bruno, "C-9999", None, SESSION_DAY)
    with pytest.raises(NotFound) as not_his:
        sessions.log_form(db, team.bruno, kit_and_lou.case_code, None, SESSION_DAY)
    assert str(unknown.value).replace("C-9999", "?") == str(not_his.value).replace(
        kit_and_lou.case_code, "?"
    )
