"""Homework: assigning (safety gate, role check, versions), progress, review, caseload views."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select

from core.db import Database
from core.domain import AssignmentStatus
from core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from core.models import Assignment, AssignmentCompletion, AuditEvent, Couple
from core.models import Session as SessionRow
from core.schemas import HomeworkReviewIn
from core.services import exercises, homework, safety, sessions
from core.services.couples import CoupleView
from core.services.homework import (
    DUE_COLUMNS,
    HOMEWORK_COLUMNS,
    ConfirmationNeeded,
    SafetyGateError,
    usual_interval,
)
from tests.conftest import Team
from tests.homework_support import (
    INTAKE,
    TODAY,
    add_couple,
    add_session,
    audit_actions,
    close_case,
    count,
    exercise_id,
    homework_form,
    open_concern,
)
from tests.sessions_support import session_form
from tests.unit.test_exercises import custom_form

WEEK = timedelta(days=7)
DAY = timedelta(days=1)


@pytest.fixture
def couple(db: Database, team: Team) -> CoupleView:
    """Alice's couple C-0001: Kit (A, hurt) and Lou (B, broke trust)."""
    exercises.sync_catalogue(db)
    return add_couple(db, team.alice)


def give(
    db: Database, team: Team, couple: CoupleView, slug: str, **changes: Any
) -> homework.AssignmentView:
    options = {
        key: changes.pop(key)
        for key in ("confirm_role_mismatch", "safety_override_reason")
        if key in changes
    }
    return homework.assign(db, team.alice, couple.id, homework_form(db, slug, **changes), **options)


def stored(db: Database, assignment_id: int) -> Assignment:
    with db.read() as session:
        found = session.get(Assignment, assignment_id)
        assert found is not None
        return found


def events(db: Database, action: str) -> list[dict[str, Any]]:
    with db.read() as session:
        return [
            json.loads(detail)
            for detail in session.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == action)
            )
        ]


# --- assigning ---


def test_assigning_stores_the_current_version(db: Database, team: Team, couple: CoupleView) -> None:
    given = give(db, team, couple, "self-care-support-plan", target="A", personal_note="Small")
    assert given.exercise_title == "Self-care and support-network plan"
    assert given.status is AssignmentStatus.ASSIGNED
    assert given.target_label == "Kit (A)" and given.partners == (("A", "Kit"),)
    assert given.personal_note == "Small" and given.safety_override_reason is None
    current = exercises.get_exercise(db, team.alice, given.exercise_id)
    assert stored(db, given.id).exercise_version_id == current.version_id
    assert events(db, "homework_assigned")[0]["exercise"] == "self-care-support-plan"


def test_due_date_before_assignment_date_is_refused(
    db: Database, team: Team, couple: CoupleView
) -> None:
    with pytest.raises(ValidationError, match=r"due date .* cannot be before the assignment"):
        give(db, team, couple, "state-of-the-union", due_on=TODAY - DAY)
    assert count(db, Assignment) == 0


def test_assignment_date_in_the_future_is_refused(
    db: Database, team: Team, couple: CoupleView
) -> None:
    later = TODAY + timedelta(days=3)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        give(db, team, couple, "state-of-the-union", assigned_on=later, due_on=later + WEEK)
    assert count(db, Assignment) == 0


def test_assignment_date_before_intake_is_refused(
    db: Database, team: Team, couple: CoupleView
) -> None:
    with pytest.raises(ValidationError, match="before the intake date"):
        give(db, team, couple, "state-of-the-union", assigned_on=INTAKE - DAY)


def test_retired_exercise_is_refused(db: Database, team: Team, couple: CoupleView) -> None:
    exercises.set_retired(db, team.admin, exercise_id(db, "state-of-the-union"), True)
    with pytest.raises(ValidationError, match="retired"):
        give(db, team, couple, "state-of-the-union")
    assert count(db, Assignment) == 0


def test_closed_couple_is_refused(db: Database, team: Team, couple: CoupleView) -> None:
    close_case(db, team.alice, couple)
    with pytest.raises(ValidationError, match="C-0001 is closed"):
        give(db, team, couple, "state-of-the-union")
    assert count(db, Assignment) == 0


def test_only_the_couples_counsellor_assigns(db: Database, team: Team, couple: CoupleView) -> None:
    for other in (team.bruno, team.supervisor, team.admin):
        with pytest.raises(PermissionDenied):
            homework.assign(db, other, couple.id, homework_form(db, "state-of-the-union"))
    assert count(db, Assignment) == 0


def test_joint_exercise_goes_to_both_partners(db: Database, team: Team, couple: CoupleView) -> None:
    with pytest.raises(ValidationError, match="done together"):
        give(db, team, couple, "state-of-the-union", target="A")


def test_unknown_exercise_and_couple(db: Database, team: Team, couple: CoupleView) -> None:
    form = homework_form(db, "state-of-the-union") | {"exercise_id": 9999}
    with pytest.raises(NotFound):
        homework.assign(db, team.alice, couple.id, form)
    with pytest.raises(NotFound):
        homework.assign(db, team.alice, 9999, homework_form(db, "state-of-the-union"))


def test_personal_note_length_is_limited(db: Database, team: Team, couple: CoupleView) -> None:
    with pytest.raises(ValidationError, match="Personal note is too long"):
        give(db, team, couple, "state-of-the-union", personal_note="x" * 1001)


# --- safety gate ---


@pytest.mark.parametrize(
    ("slug", "target", "why"),
    [
        ("state-of-the-union", "both", "joint exercise"),
        ("needs-inventory", "A", "vulnerable"),
    ],
)
def test_open_concern_refuses_gated_exercises(
    db: Database, team: Team, couple: CoupleView, slug: str, target: str, why: str
) -> None:
    open_concern(db, team.alice, couple.id)
    with pytest.raises(SafetyGateError) as refused:
        give(db, team, couple, slug, target=target)
    message = str(refused.value)
    assert isinstance(refused.value, ValidationError)
    assert "open safety concern" in message and "coercive control" in message
    assert "Kit (partner A)" in message and why in message
    assert "override" in message and "reason" in message
    assert count(db, Assignment) == 0
    assert "safety_override" not in audit_actions(db)


def test_override_with_a_reason_assigns_stores_and_audits(
    db: Database, team: Team, couple: CoupleView
) -> None:
    open_concern(db, team.alice, couple.id)
    with pytest.raises(SafetyGateError):
        give(db, team, couple, "state-of-the-union", safety_override_reason="   ")
    given = give(
        db,
        team,
        couple,
        "state-of-the-union",
        safety_override_reason="  Concern is historical; both partners asked for it.  ",
    )
    reason = "Concern is historical; both partners asked for it."
    assert given.safety_override_reason == reason
    assert stored(db, given.id).safety_override_reason == reason
    override = events(db, "safety_override")
    assert len(override) == 1 and override[0]["reason"] == reason
    assert "coercive control" in override[0]["open_concern"]
    assert audit_actions(db)[-2:] == ["homework_assigned", "safety_override"]


def test_ungated_exercise_needs_no_override(db: Database, team: Team, couple: CoupleView) -> None:
    open_concern(db, team.alice, couple.id)
    given = give(
        db, team, couple, "self-care-support-plan", target="A", safety_override_reason="Not needed"
    )
    assert given.safety_override_reason is None
    assert "safety_override" not in audit_actions(db)


def test_resolved_concern_no_longer_gates(db: Database, team: Team, couple: CoupleView) -> None:
    screen_id = open_concern(db, team.alice, couple.id)
    safety.resolve_screen(db, team.alice, screen_id, "Risk reassessed; none present.")
    assert give(db, team, couple, "state-of-the-union").safety_override_reason is None


# --- role check ---


def test_role_mismatch_asks_for_confirmation(db: Database, team: Team, couple: CoupleView) -> None:
    with pytest.raises(ConfirmationNeeded) as asked:
        give(db, team, couple, "apology-letter", target="A")
    assert "partner who broke trust" in str(asked.value)
    assert "Kit (partner A) is recorded as hurt partner" in str(asked.value)
    assert asked.value.partners == ("A",)
    assert count(db, Assignment) == 0
    given = give(db, team, couple, "apology-letter", target="A", confirm_role_mismatch=True)
    assert given.target_label == "Kit (A)"
    assert events(db, "homework_assigned")[0]["role_mismatch_confirmed"] is True


def test_matching_roles_and_either_need_no_confirmation(
    db: Database, team: Team, couple: CoupleView
) -> None:
    give(db, team, couple, "apology-letter", target="B")
    give(db, team, couple, "i-statement-check-in", target="both")
    with pytest.raises(ConfirmationNeeded) as asked:
        give(db, team, couple, "needs-inventory", target="both")
    assert asked.value.partners == ("B",)


def test_partner_role_both_matches_either_role(db: Database, team: Team) -> None:
    exercises.sync_catalogue(db)
    mutual = add_couple(db, team.alice, "Nell", "Oz", role_b="both")
    homework.assign(db, team.alice, mutual.id, homework_form(db, "apology-letter", target="B"))
    homework.assign(db, team.alice, mutual.id, homework_form(db, "needs-inventory", target="B"))


def test_gate_comes_before_the_role_question(db: Database, team: Team, couple: CoupleView) -> None:
    open_concern(db, team.alice, couple.id)
    with pytest.raises(SafetyGateError):
        give(db, team, couple, "needs-inventory", target="B")
    with pytest.raises(ConfirmationNeeded):
        give(db, team, couple, "needs-inventory", target="B", safety_override_reason="Weighed")
    given = give(
        db,
        team,
        couple,
        "needs-inventory",
        target="B",
        safety_override_reason="Weighed",
        confirm_role_mismatch=True,
    )
    assert given.safety_override_reason == "Weighed"


# --- versions ---


def test_editing_an_exercise_leaves_assigned_homework_unchanged(
    db: Database, team: Team, couple: CoupleView
) -> None:
    custom = exercises.create_custom(db, team.alice, custom_form())
    given = give(db, team, couple, custom.slug)
    exercises.edit_exercise(
        db,
        team.alice,
        custom.id,
        custom_form(
            purpose="A completely new purpose.", prompts="New question one?\nNew question two?"
        ),
        expected_version=1,
    )
    detail = homework.assignment_detail(db, team.alice, given.id)
    assert detail.exercise.version == 1
    assert detail.exercise.purpose == "Practise talking side by side, without screens."
    assert detail.assignment.prompts == ("What did I share?", "What did I hear?")
    later = give(db, team, couple, custom.slug)
    assert later.exercise_version == 2 and later.prompts[0] == "New question one?"
    # Answers go with the questions of the version the couple was given.
    homework.record_completion(db, team.alice, given.id, "A", TODAY, {"What did I share?": "A"})
    with pytest.raises(ValidationError, match="not one of the questions"):
        homework.record_completion(db, team.alice, given.id, "B", TODAY, {"New question one?": "B"})


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
    real_check = homework._check_version

    def check_then_race(opened: Any, expected: int) -> None:
        real_check(opened, expected)
        monkeypatch.setattr(homework, "_check_version", real_check)
        homework.review(db, team.alice, given.id, "Other tab", expected_version=expected)

    monkeypatch.setattr(homework, "_check_version", check_then_race)
    with pytest.raises(ConflictError, match="while you were saving"):
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


# --- reading ---


def test_couple_homework_lists_open_work_first(
    db: Database, team: Team, couple: CoupleView
) -> None:
    late = give(
        db, team, couple, "state-of-the-union", assigned_on=TODAY - 2 * WEEK, due_on=TODAY - WEEK
    )
    soon = give(db, team, couple, "kept-promises-log", target="B", due_on=TODAY + DAY)
    finished = give(db, team, couple, "apology-letter", target="B")
    homework.record_completion(db, team.alice, finished.id, "B", TODAY, {})
    frame = homework.couple_homework(db, team.supervisor, couple.id, TODAY)
    assert list(frame.columns) == HOMEWORK_COLUMNS
    assert frame["id"].tolist() == [late.id, soon.id, finished.id]
    assert frame["overdue"].tolist() == [True, False, False]
    assert frame["status"].tolist() == ["Assigned", "Assigned", "Done"]
    assert frame["completions"].tolist() == [0, 0, 1]
    assert frame["target"].tolist() == ["Both: Kit & Lou", "Lou (B)", "Lou (B)"]
    current, history = homework.split_current(frame)
    assert current["id"].tolist() == [late.id, soon.id]
    assert history["id"].tolist() == [finished.id]


def test_couple_homework_respects_access(db: Database, team: Team, couple: CoupleView) -> None:
    with pytest.raises(PermissionDenied):
        homework.couple_homework(db, team.bruno, couple.id, TODAY)
    empty = homework.couple_homework(db, team.alice, couple.id, TODAY)
    assert empty.empty and list(empty.columns) == HOMEWORK_COLUMNS


def test_due_for_review(db: Database, team: Team, couple: CoupleView) -> None:
    due = give(db, team, couple, "state-of-the-union", due_on=TODAY)
    give(db, team, couple, "kept-promises-log", target="B", due_on=TODAY + WEEK)
    finished = give(db, team, couple, "apology-letter", target="B", due_on=TODAY)
    homework.record_completion(db, team.alice, finished.id, "B", TODAY, {})
    assert [v.id for v in homework.due_for_review(db, team.alice, couple.id, TODAY)] == [due.id]
    assert len(homework.due_for_review(db, team.alice, couple.id, TODAY + WEEK)) == 2


def test_usual_interval_is_the_median_gap() -> None:
    day = date(2026, 1, 1)
    assert usual_interval([]) is None
    assert usual_interval([day, day]) is None
    assert usual_interval([day, day + WEEK]) == 7
    assert usual_interval([day, day + WEEK, day + 2 * WEEK, day + 5 * WEEK]) == 7
    assert usual_interval([day, day + timedelta(days=10), day + timedelta(days=24)]) == 12


def test_default_due_date_is_the_next_expected_session(
    db: Database, team: Team, couple: CoupleView
) -> None:
    assert homework.default_due_date(db, team.alice, couple.id, TODAY) == TODAY + WEEK
    for weeks_ago in (6, 4, 2):
        add_session(db, couple.id, team.alice.id, TODAY - timedelta(days=1 + 7 * weeks_ago))
    # Fortnightly sessions, the last one 15 days ago: the next one is overdue, so a week.
    assert homework.default_due_date(db, team.alice, couple.id, TODAY) == TODAY + WEEK
    add_session(db, couple.id, team.alice.id, TODAY - timedelta(days=3))
    # Gaps 14, 14, 12: median 14, so 11 days from today.
    assert homework.default_due_date(db, team.alice, couple.id, TODAY) == TODAY + timedelta(days=11)
    with pytest.raises(PermissionDenied):
        homework.default_due_date(db, team.bruno, couple.id, TODAY)


def test_couple_adherence_per_partner(db: Database, team: Team, couple: CoupleView) -> None:
    log = give(
        db, team, couple, "kept-promises-log", target="B", assigned_on=TODAY - 3 * DAY, due_on=TODAY
    )
    for days_ago in (3, 1):
        homework.record_completion(
            db, team.alice, log.id, "B", TODAY - timedelta(days=days_ago), {}
        )
    talk = give(db, team, couple, "cooling-off-agreement")
    homework.record_completion(db, team.alice, talk.id, "A", TODAY, {})
    frame = homework.couple_adherence(db, team.supervisor, couple.id, TODAY)
    assert frame.to_dict("records") == [
        {"partner": "A", "name": "Kit", "expected": 1, "done": 1, "rate": 1.0},
        {"partner": "B", "name": "Lou", "expected": 5, "done": 2, "rate": 0.4},
    ]


def test_couple_adherence_without_homework(db: Database, team: Team, couple: CoupleView) -> None:
    frame = homework.couple_adherence(db, team.alice, couple.id, TODAY)
    assert frame["expected"].tolist() == [0, 0] and frame["rate"].isna().all()


# --- caseload ---


@pytest.fixture
def caseload(db: Database, team: Team, couple: CoupleView) -> dict[str, int]:
    """Alice: C-0001 (one overdue, one due soon, one later), C-0002 (closed, overdue);
    Bruno: C-0003 (one overdue)."""
    give(db, team, couple, "state-of-the-union", assigned_on=TODAY - 2 * WEEK, due_on=TODAY - DAY)
    give(db, team, couple, "kept-promises-log", target="B", due_on=TODAY + 3 * DAY)
    give(db, team, couple, "apology-letter", target="B", due_on=TODAY + 3 * WEEK)
    closed = add_couple(db, team.alice, "Ann")
    homework.assign(
        db,
        team.alice,
        closed.id,
        homework_form(db, "state-of-the-union", assigned_on=TODAY - WEEK, due_on=TODAY - DAY),
    )
    close_case(db, team.alice, closed)
    bruno_couple = add_couple(db, team.bruno, "Pia")
    homework.assign(
        db,
        team.bruno,
        bruno_couple.id,
        homework_form(db, "state-of-the-union", assigned_on=TODAY - WEEK, due_on=TODAY - 2 * DAY),
    )
    return {"alice": couple.id, "closed": closed.id, "bruno": bruno_couple.id}


def test_overdue_counts_per_visible_couple(
    db: Database, team: Team, caseload: dict[str, int]
) -> None:
    assert homework.overdue_counts(db, team.alice, TODAY) == {caseload["alice"]: 1}
    assert homework.overdue_counts(db, team.bruno, TODAY) == {caseload["bruno"]: 1}
    assert homework.overdue_counts(db, team.supervisor, TODAY) == {
        caseload["alice"]: 1,
        caseload["bruno"]: 1,
    }
    assert homework.overdue_counts(db, team.alice, TODAY + 4 * DAY) == {caseload["alice"]: 2}


def test_homework_due_across_the_caseload(
    db: Database, team: Team, caseload: dict[str, int]
) -> None:
    mine = homework.homework_due(db, team.alice, TODAY)
    assert list(mine.columns) == DUE_COLUMNS
    assert mine["exercise"].tolist() == [
        "Weekly State of the Union conversation",
        "Kept-promises log",
    ]
    assert mine["overdue"].tolist() == [True, False]
    assert mine["target"].tolist() == ["Both: Kit & Lou", "Lou (B)"]
    everyone = homework.homework_due(db, team.supervisor, TODAY)
    assert everyone["case_code"].tolist() == ["C-0003", "C-0001", "C-0001"]
    assert everyone["due_on"].is_monotonic_increasing
    assert homework.homework_due(db, team.admin, TODAY - 30 * DAY).empty


def test_homework_due_is_empty_for_a_new_counsellor(db: Database, team: Team) -> None:
    frame = homework.homework_due(db, team.bruno, TODAY)
    assert frame.empty and list(frame.columns) == DUE_COLUMNS
    assert homework.overdue_counts(db, team.bruno, TODAY) == {}


# --- suggestions for a couple ---


def test_couple_profile_and_suggestions(db: Database, team: Team, couple: CoupleView) -> None:
    done = give(db, team, couple, "apology-letter", target="B")
    homework.record_completion(db, team.alice, done.id, "B", TODAY, {})
    skipped = give(db, team, couple, "defensiveness-check", target="B")
    homework.set_status(
        db, team.alice, skipped.id, "skipped", skip_reason="x", expected_version=skipped.version
    )
    give(db, team, couple, "self-care-support-plan", target="A")
    profile = homework.couple_profile(db, team.alice, couple.id, TODAY)
    assert profile.partner_roles == ("hurt", "broke_trust")
    assert profile.breach_types == frozenset({"lying_money"})
    assert not profile.repeated and profile.weeks_in_care == 8
    assert profile.completed_steps == frozenset({"1"})
    assert profile.taken_slugs == frozenset({"apology-letter", "self-care-support-plan"})
    assert not profile.safety_concern
    suggested = homework.suggestions(db, team.alice, couple.id, TODAY)
    assert len(suggested) == 3
    assert not {s.slug for s in suggested} & profile.taken_slugs
    assert all(s.reason for s in suggested)


def test_suggestions_never_gated_while_a_concern_is_open(
    db: Database, team: Team, couple: CoupleView
) -> None:
    open_concern(db, team.alice, couple.id)
    gated = {v.slug for v in exercises.list_exercises(db, team.alice) if v.gated}
    suggested = homework.suggestions(db, team.alice, couple.id, TODAY, k=10)
    assert suggested and not {s.slug for s in suggested} & gated
    assert homework.couple_profile(db, team.alice, couple.id, TODAY).safety_concern


def test_adherence_frame_shape_is_stable() -> None:
    empty = homework.adherence(
        pd.DataFrame(columns=["id", "target", "frequency", "assigned_on", "due_on", "status"]),
        pd.DataFrame(columns=["assignment_id", "partner_label", "completed_on"]),
        TODAY,
    )
    assert empty["partner"].tolist() == ["A", "B"]


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


def test_overdue_query_joins_into_a_caseload_listing(
    db: Database, team: Team, caseload: dict[str, int]
) -> None:
    overdue = homework.overdue_query(TODAY).subquery()
    with db.read() as session:
        rows = session.execute(
            select(Couple.case_code, func.coalesce(overdue.c.overdue, 0))
            .outerjoin(overdue, overdue.c.couple_id == Couple.id)
            .order_by(Couple.case_code)
        ).all()
    # C-0002 is closed: its homework no longer counts as overdue.
    assert [tuple(row) for row in rows] == [("C-0001", 1), ("C-0002", 0), ("C-0003", 1)]
