"""Working on homework (services.homework.working): status, completions, reviews, and
reviews inside the session form's transaction. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from core.db import Database
from core.domain import AssignmentStatus
from core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from core.models import AssignmentCompletion, AuditEvent
from core.models import Session as SessionRow
from core.schemas import HomeworkReviewIn
from core.services import homework, sessions
from core.services.couples import CoupleView
from core.services.homework import (
    working,
)
from tests.conftest import Team
from tests.homework_support import (
    DAY,
    TODAY,
    WEEK,
    add_couple,
    audit_actions,
    close_case,
    count,
    events,
    give,
    stored,
)
from tests.sessions_support import session_form

# --- status, completions, review ---


def test_skipping_needs_a_reason(db: Database, team: Team, couple: CoupleView) -> None:
    given = give(db, team, couple, "state-of-the-union")
    with pytest.raises(ValidationError, match="needs a reason"):
        homework.set_status(
            db, team.alice, given.id, "skipped", skip_reason=" ", expected_version=given.version
        )
    skipped = homework.set_status(
        db,
        team.alice,
        given.id,
        AssignmentStatus.SKIPPED,
        skip_reason="Work trip",
        expected_version=given.version,
    )
    assert skipped.status is AssignmentStatus.SKIPPED and skipped.skip_reason == "Work trip"
    assert skipped.version == given.version + 1
    reopened = homework.set_status(
        db, team.alice, given.id, "assigned", expected_version=skipped.version
    )
    assert reopened.skip_reason is None
    assert events(db, "homework_status_changed")[0] == {
        "case_code": "C-0001",
        "from": "assigned",
        "reason": "Work trip",
        "to": "skipped",
    }


def test_unknown_status_is_refused(db: Database, team: Team, couple: CoupleView) -> None:
    given = give(db, team, couple, "state-of-the-union")
    with pytest.raises(ValidationError, match="not a homework status"):
        homework.set_status(db, team.alice, given.id, "lost", expected_version=given.version)


def test_concurrent_status_updates_conflict_and_change_nothing(
    db: Database, team: Team, couple: CoupleView
) -> None:
    given = give(db, team, couple, "state-of-the-union")
    homework.set_status(db, team.alice, given.id, "done", expected_version=given.version)
    before = audit_actions(db)
    with pytest.raises(ConflictError, match=r"updated by someone else .* now done"):
        homework.set_status(
            db,
            team.alice,
            given.id,
            "skipped",
            skip_reason="Other tab",
            expected_version=given.version,
        )
    with pytest.raises(ConflictError):
        homework.review(db, team.alice, given.id, "Late comment", expected_version=given.version)
    row = stored(db, given.id)
    assert row.status == AssignmentStatus.DONE and row.skip_reason is None
    assert row.counsellor_comment == ""
    assert audit_actions(db) == before


def test_a_racing_write_between_read_and_save_is_a_conflict(
    db: Database, team: Team, couple: CoupleView, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version check passed, but another transaction committed before the UPDATE."""
    given = give(db, team, couple, "state-of-the-union")
    real_check = working._check_version

    def check_then_race(opened: Any, expected: int) -> None:
        real_check(opened, expected)
        monkeypatch.setattr(working, "_check_version", real_check)
        homework.review(db, team.alice, given.id, "Other tab", expected_version=expected)

    monkeypatch.setattr(working, "_check_version", check_then_race)
    with pytest.raises(ConflictError, match=r"updated by someone else .* \(it is now assigned\)"):
        homework.set_status(db, team.alice, given.id, "done", expected_version=given.version)
    row = stored(db, given.id)
    assert row.status == AssignmentStatus.ASSIGNED and row.counsellor_comment == "Other tab"


def test_reflection_by_a_partner_not_assigned_is_refused(
    db: Database, team: Team, couple: CoupleView
) -> None:
    given = give(db, team, couple, "self-care-support-plan", target="A")
    with pytest.raises(ValidationError, match=r"assigned to Kit .* only, not to Lou"):
        homework.record_completion(db, team.alice, given.id, "B", TODAY, {})
    with pytest.raises(ValidationError, match="partner A or B"):
        homework.record_completion(db, team.alice, given.id, "C", TODAY, {})
    assert count(db, AssignmentCompletion) == 0
    assert stored(db, given.id).status == AssignmentStatus.ASSIGNED


def test_completion_dates_are_checked(db: Database, team: Team, couple: CoupleView) -> None:
    given = give(db, team, couple, "self-care-support-plan", target="A", assigned_on=TODAY - WEEK)
    with pytest.raises(ValidationError, match="before the assignment date"):
        homework.record_completion(db, team.alice, given.id, "A", TODAY - WEEK - DAY, {})
    with pytest.raises(ValidationError, match="in the future"):
        homework.record_completion(db, team.alice, given.id, "A", TODAY + timedelta(days=3), {})
    assert count(db, AssignmentCompletion) == 0


def test_once_exercise_is_done_when_every_partner_completed_it(
    db: Database, team: Team, couple: CoupleView
) -> None:
    given = give(db, team, couple, "cooling-off-agreement", assigned_on=TODAY - WEEK)
    prompt = given.prompts[0]
    after_kit = homework.record_completion(
        db, team.alice, given.id, "A", TODAY, {prompt: "  No decisions until spring.  "}
    )
    assert after_kit.status is AssignmentStatus.IN_PROGRESS and after_kit.completions == 1
    with pytest.raises(ValidationError, match="already completed"):
        homework.record_completion(db, team.alice, given.id, "A", TODAY - DAY, {})
    after_lou = homework.record_completion(db, team.alice, given.id, "B", TODAY, {prompt: ""})
    assert after_lou.status is AssignmentStatus.DONE
    detail = homework.assignment_detail(db, team.alice, given.id)
    assert [(c.partner_name, c.answers) for c in detail.completions] == [
        ("Kit", {prompt: "No decisions until spring."}),
        ("Lou", {}),
    ]


def test_once_exercise_for_one_partner_is_done_at_once(
    db: Database, team: Team, couple: CoupleView
) -> None:
    given = give(db, team, couple, "apology-letter", target="B")
    done = homework.record_completion(db, team.alice, given.id, "B", TODAY, {})
    assert done.status is AssignmentStatus.DONE


def test_recurring_exercise_keeps_each_completion(
    db: Database, team: Team, couple: CoupleView
) -> None:
    given = give(db, team, couple, "kept-promises-log", target="B", assigned_on=TODAY - WEEK)
    for days_ago in (6, 5, 3):
        view = homework.record_completion(
            db, team.alice, given.id, "B", TODAY - timedelta(days=days_ago), {}
        )
    assert view.status is AssignmentStatus.IN_PROGRESS and view.completions == 3
    with pytest.raises(ValidationError, match="already recorded"):
        homework.record_completion(db, team.alice, given.id, "B", TODAY - timedelta(days=3), {})
    assert count(db, AssignmentCompletion) == 3
    done = homework.set_status(db, team.alice, given.id, "done", expected_version=view.version)
    still_done = homework.record_completion(db, team.alice, given.id, "B", TODAY, {})
    assert done.status is still_done.status is AssignmentStatus.DONE


def test_completion_on_a_skipped_exercise_reopens_it(
    db: Database, team: Team, couple: CoupleView
) -> None:
    given = give(db, team, couple, "kept-promises-log", target="B")
    homework.set_status(
        db, team.alice, given.id, "skipped", skip_reason="Ill", expected_version=given.version
    )
    view = homework.record_completion(db, team.alice, given.id, "B", TODAY, {})
    assert view.status is AssignmentStatus.IN_PROGRESS and view.skip_reason is None


def test_review_comment(db: Database, team: Team, couple: CoupleView) -> None:
    given = give(db, team, couple, "state-of-the-union")
    with pytest.raises(ValidationError, match="Write a review comment"):
        homework.review(db, team.alice, given.id, "  ", expected_version=given.version)
    reviewed = homework.review(
        db, team.alice, given.id, " Good, honest talk. ", expected_version=given.version
    )
    assert reviewed.counsellor_comment == "Good, honest talk."
    assert "homework_reviewed" in audit_actions(db)


def test_others_cannot_update_homework(db: Database, team: Team, couple: CoupleView) -> None:
    given = give(db, team, couple, "state-of-the-union")
    for other in (team.bruno, team.supervisor):
        with pytest.raises(PermissionDenied):
            homework.set_status(db, other, given.id, "done", expected_version=given.version)
        with pytest.raises(PermissionDenied):
            homework.record_completion(db, other, given.id, "A", TODAY, {})
    with pytest.raises(NotFound):
        homework.review(db, team.alice, 9999, "x", expected_version=1)


def test_homework_of_a_closed_couple_is_read_only(
    db: Database, team: Team, couple: CoupleView
) -> None:
    given = give(db, team, couple, "state-of-the-union")
    close_case(db, team.alice, couple)
    with pytest.raises(ValidationError, match="closed"):
        homework.set_status(db, team.alice, given.id, "done", expected_version=given.version)
    assert homework.assignment(db, team.alice, given.id).status is AssignmentStatus.ASSIGNED


# --- reviewing inside the session form's transaction ---


def test_apply_reviews_saves_answers_status_and_comment_together(
    db: Database, team: Team, couple: CoupleView
) -> None:
    talk = give(db, team, couple, "state-of-the-union")
    log = give(db, team, couple, "kept-promises-log", target="B")
    with db.transaction() as session:
        views = homework.apply_reviews(
            session,
            team.alice,
            couple.id,
            [
                {
                    "assignment_id": talk.id,
                    "status": "done",
                    "answers": {
                        "A": {talk.prompts[0]: "We listened."},
                        "B": {talk.prompts[0]: " ", talk.prompts[1]: "Calmer."},
                    },
                    "comment": "Real progress.",
                    "expected_version": talk.version,
                },
                HomeworkReviewIn(
                    assignment_id=log.id,
                    status="skipped",
                    skip_reason="Forgot the notebook",
                    expected_version=log.version,
                ),
            ],
            TODAY,
        )
    assert [v.status for v in views] == [AssignmentStatus.DONE, AssignmentStatus.SKIPPED]
    detail = homework.assignment_detail(db, team.alice, talk.id)
    assert [c.answers for c in detail.completions] == [
        {talk.prompts[0]: "We listened."},
        {talk.prompts[1]: "Calmer."},
    ]
    assert detail.assignment.counsellor_comment == "Real progress."
    assert homework.assignment(db, team.alice, log.id).skip_reason == "Forgot the notebook"


def test_a_refused_review_rolls_back_the_whole_form(
    db: Database, team: Team, couple: CoupleView
) -> None:
    talk = give(db, team, couple, "state-of-the-union")
    log = give(db, team, couple, "kept-promises-log", target="B")
    homework.review(db, team.alice, log.id, "Seen in another tab", expected_version=log.version)
    before = audit_actions(db)
    with pytest.raises(ConflictError), db.transaction() as session:
        add_session_row = homework.apply_reviews  # the caller's own write comes first
        session.add(
            AuditEvent(actor_username="alice", action="caller_write", entity="session", detail="")
        )
        add_session_row(
            session,
            team.alice,
            couple.id,
            [
                {"assignment_id": talk.id, "status": "done", "expected_version": talk.version},
                {"assignment_id": log.id, "status": "done", "expected_version": log.version},
            ],
            TODAY,
        )
    assert audit_actions(db) == before
    assert stored(db, talk.id).status == AssignmentStatus.ASSIGNED


@pytest.mark.parametrize(
    ("review", "message"),
    [
        ({"status": "skipped"}, "needs a reason"),
        (
            {"status": "skipped", "skip_reason": "x", "answers": {"A": {"Q": "text"}}},
            "skipped exercise has no answers",
        ),
        ({"status": "lost"}, "Status .*done.* or .*skipped"),
    ],
)
def test_apply_reviews_refuses_bad_reviews(
    db: Database, team: Team, couple: CoupleView, review: dict[str, Any], message: str
) -> None:
    talk = give(db, team, couple, "state-of-the-union")
    with pytest.raises(ValidationError, match=message), db.transaction() as session:
        homework.apply_reviews(
            session,
            team.alice,
            couple.id,
            [{"assignment_id": talk.id, "expected_version": talk.version, **review}],
            TODAY,
        )
    assert stored(db, talk.id).status == AssignmentStatus.ASSIGNED


def test_apply_reviews_keeps_to_one_couple(db: Database, team: Team, couple: CoupleView) -> None:
    other = add_couple(db, team.alice, "Nell", "Oz", role_b="both")
    talk = give(db, team, couple, "state-of-the-union")
    with pytest.raises(ValidationError, match="another couple"), db.transaction() as session:
        homework.apply_reviews(
            session,
            team.alice,
            other.id,
            [{"assignment_id": talk.id, "status": "done", "expected_version": talk.version}],
            TODAY,
        )
    with pytest.raises(ValidationError, match="twice"), db.transaction() as session:
        review = {"assignment_id": talk.id, "expected_version": talk.version}
        homework.apply_reviews(session, team.alice, couple.id, [review, review], TODAY)


def test_answers_on_a_session_before_the_assignment_are_refused(
    db: Database, team: Team, couple: CoupleView
) -> None:
    talk = give(db, team, couple, "state-of-the-union")
    with (
        pytest.raises(ValidationError, match="before the assignment date"),
        db.transaction() as session,
    ):
        homework.apply_reviews(
            session,
            team.alice,
            couple.id,
            [
                {
                    "assignment_id": talk.id,
                    "answers": {"A": {talk.prompts[0]: "x"}},
                    "expected_version": talk.version,
                }
            ],
            TODAY - WEEK,
        )


# --- with the session form ---


def note_form(day: date) -> dict[str, Any]:
    """A valid session note (with the ratings it requires) from the sessions tests."""
    return session_form(session_date=day)


def test_session_note_and_homework_review_save_together(
    db: Database, team: Team, couple: CoupleView
) -> None:
    talk = give(db, team, couple, "state-of-the-union")
    sessions.record_session(
        db,
        team.alice,
        couple.id,
        note_form(TODAY),
        homework_reviews=[
            {
                "assignment_id": talk.id,
                "status": "done",
                "answers": {"A": {talk.prompts[0]: "We did it on Sunday."}},
                "comment": "Kept to the time limit.",
                "expected_version": talk.version,
            }
        ],
    )
    reviewed = homework.assignment(db, team.alice, talk.id)
    assert reviewed.status is AssignmentStatus.DONE and reviewed.completions == 1
    assert count(db, SessionRow) == 1


def test_a_refused_homework_review_keeps_the_note_unsaved(
    db: Database, team: Team, couple: CoupleView
) -> None:
    talk = give(db, team, couple, "state-of-the-union")
    homework.set_status(db, team.alice, talk.id, "done", expected_version=talk.version)
    with pytest.raises(ConflictError):
        sessions.record_session(
            db,
            team.alice,
            couple.id,
            note_form(TODAY),
            homework_reviews=[
                {"assignment_id": talk.id, "status": "done", "expected_version": talk.version}
            ],
        )
    assert count(db, SessionRow) == 0
