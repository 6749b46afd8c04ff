"""Giving homework (services.homework.giving): assigning with the safety gate and the
role check, exercise versions, due dates, suggestions. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.db import Database
from core.domain import AssignmentStatus
from core.errors import NotFound, PermissionDenied, ValidationError
from core.models import Assignment
from core.services import exercises, homework, safety
from core.services.couples import CoupleView
from core.services.homework import (
    ConfirmationNeeded,
    SafetyGateError,
    usual_interval,
)
from tests.conftest import Team
from tests.homework_support import (
    DAY,
    INTAKE,
    TODAY,
    WEEK,
    add_couple,
    add_session,
    audit_actions,
    close_case,
    count,
    events,
    exercise_id,
    give,
    homework_form,
    open_concern,
    stored,
)
from tests.unit.test_exercises import custom_form

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
    # The I-statement check-in is joint now (issue 9); the safety plan is for either partner.
    give(db, team, couple, "personal-safety-plan", target="A")
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


# --- due dates ---


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
