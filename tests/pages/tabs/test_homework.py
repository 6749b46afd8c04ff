"""The couple page's Homework tab (pages/tabs/homework.py), through a test-only host."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.domain import AssignmentStatus
from core.models import AuditEvent
from core.services import exercises, homework, progress_views, sessions
from core.services.access import Actor
from core.services.couples import CoupleView
from pages.tabs.homework import work_key
from tests.conftest import Team
from tests.homework_support import (
    INTAKE,
    TODAY,
    add_couple,
    close_case,
    exercise_id,
    homework_form,
    open_concern,
)
from tests.pages.conftest import by_label, open_expander, texts
from tests.pages.homework_pages import HOMEWORK_TAB_HOST, click, run_page
from tests.sessions_support import session_form


@pytest.fixture
def couple(page_db: Database, page_team: Team) -> CoupleView:
    """Alice's C-0001: Kit (A, hurt) and Lou (B, broke trust), eight weeks in care."""
    exercises.sync_catalogue(page_db)
    return add_couple(page_db, page_team.alice)


def open_tab(user: Actor, couple: CoupleView, *, work: bool = True) -> AppTest:
    """The tab, with its section working on one assignment opened (`work`) if it has one."""
    at = run_page(HOMEWORK_TAB_HOST, user, couple=couple.id)
    if work and work_key(couple.id) in at.session_state:
        open_expander(at, work_key(couple.id))
    return at


def choose_exercise(at: AppTest, couple: CoupleView, db: Database, slug: str) -> None:
    at.selectbox(key=f"hw_assign_{couple.id}_exercise").set_value(exercise_id(db, slug))


def give(db: Database, team: Team, couple: CoupleView, slug: str, **changes: Any) -> Any:
    """Alice assigns `slug` to the couple (for both partners unless told otherwise)."""
    return homework.assign(db, team.alice, couple.id, homework_form(db, slug, **changes))


def assigned(db: Database, team: Team, couple: CoupleView) -> list[homework.AssignmentView]:
    return homework.couple_assignments(db, team.alice, couple.id)


def test_empty_tab_says_what_to_do(page_team: Team, couple: CoupleView) -> None:
    at = open_tab(page_team.alice, couple)
    assert any("No homework is open" in i and "Assign an exercise" in i for i in texts(at, "info"))
    assert [m.label for m in at.metric] == ["Kit", "Lou"]  # names, not A/B (issue 14)
    assert [m.value for m in at.metric] == ["—", "—"]
    assert not at.dataframe


def test_three_suggestions_with_reasons(page_team: Team, couple: CoupleView) -> None:
    at = open_tab(page_team.alice, couple)
    suggestions = [m for m in texts(at, "markdown") if m.startswith("- **")]
    assert len(suggestions) == 3 and all(" — " in s for s in suggestions)


def test_assign_from_the_tab(page_db: Database, page_team: Team, couple: CoupleView) -> None:
    at = open_tab(page_team.alice, couple)
    due = at.date_input(key=f"hw_assign_{couple.id}_due")
    assert due.value == homework.default_due_date(page_db, page_team.alice, couple.id, TODAY)
    choose_exercise(at, couple, page_db, "state-of-the-union")
    at.text_area(key=f"hw_assign_{couple.id}_note").set_value("Sunday evening, phones away.")
    at = click(at, "Assign")
    assert any("Assigned 'Weekly State of the Union" in s for s in texts(at, "success"))
    (given,) = assigned(page_db, page_team, couple)
    assert given.personal_note == "Sunday evening, phones away."
    assert given.target_label == "Both: Kit & Lou" and given.due_on == due.value
    table = at.dataframe[0].value
    assert table["exercise"].tolist() == ["Weekly State of the Union conversation"]


def test_assign_without_an_exercise_is_explained(
    page_db: Database, page_team: Team, couple: CoupleView
) -> None:
    at = click(open_tab(page_team.alice, couple), "Assign")
    assert "Choose an exercise." in texts(at, "error")
    assert assigned(page_db, page_team, couple) == []


def test_safety_gate_asks_for_an_override_reason(
    page_db: Database, page_team: Team, couple: CoupleView
) -> None:
    open_concern(page_db, page_team.alice, couple.id)
    at = open_tab(page_team.alice, couple)
    options = at.selectbox(key=f"hw_assign_{couple.id}_exercise").options
    assert any("State of the Union" in o and "needs a safety override" in o for o in options)
    assert not any("Self-care" in o and "override" in o for o in options)
    choose_exercise(at, couple, page_db, "state-of-the-union")
    at = click(at, "Assign")
    assert any("open safety concern" in e and "coercive control" in e for e in texts(at, "error"))
    assert assigned(page_db, page_team, couple) == []
    at = click(at, "Assign with override")
    assert "Write the reason for the override first." in texts(at, "warning")
    assert assigned(page_db, page_team, couple) == []
    at.text_area(key=f"hw_assign_{couple.id}_override").set_value("Both asked; risk reviewed.")
    at = click(at, "Assign with override")
    assert any(s.startswith("Assigned") for s in texts(at, "success"))
    (given,) = assigned(page_db, page_team, couple)
    assert given.safety_override_reason == "Both asked; risk reviewed."
    with page_db.read() as session:
        actions = list(session.scalars(select(AuditEvent.action)))
    assert "safety_override" in actions
    # The override shows on the assignment (in the section working on it).
    open_expander(at, work_key(couple.id))
    assert any("safety override: Both asked" in w for w in texts(at, "warning"))


def test_cancelling_the_override_assigns_nothing(
    page_db: Database, page_team: Team, couple: CoupleView
) -> None:
    open_concern(page_db, page_team.alice, couple.id)
    at = open_tab(page_team.alice, couple)
    choose_exercise(at, couple, page_db, "needs-inventory")
    by_label(at.radio, "For").set_value("A")
    at = click(click(at, "Assign"), "Cancel")
    assert not [b for b in at.button if b.label == "Assign with override"]
    assert assigned(page_db, page_team, couple) == []


def test_role_mismatch_asks_for_confirmation(
    page_db: Database, page_team: Team, couple: CoupleView
) -> None:
    at = open_tab(page_team.alice, couple)
    choose_exercise(at, couple, page_db, "apology-letter")
    by_label(at.radio, "For").set_value("A")
    at = click(at, "Assign")
    assert any("meant for the partner who broke trust" in w for w in texts(at, "warning"))
    assert assigned(page_db, page_team, couple) == []
    at = click(at, "Yes, assign anyway")
    (given,) = assigned(page_db, page_team, couple)
    assert given.target_label == "Kit (A)"


def test_override_then_confirmation(page_db: Database, page_team: Team, couple: CoupleView) -> None:
    open_concern(page_db, page_team.alice, couple.id)
    at = open_tab(page_team.alice, couple)
    choose_exercise(at, couple, page_db, "needs-inventory")
    by_label(at.radio, "For").set_value("B")
    at = click(at, "Assign")
    at.text_area(key=f"hw_assign_{couple.id}_override").set_value("Lou's own request.")
    at = click(at, "Assign with override")
    assert any("Assign it anyway?" in w for w in texts(at, "warning"))
    at = click(at, "Yes, assign anyway")
    (given,) = assigned(page_db, page_team, couple)
    assert given.safety_override_reason == "Lou's own request." and given.target_label == "Lou (B)"


def test_status_skipped_needs_a_reason_then_saves(
    page_db: Database, page_team: Team, couple: CoupleView
) -> None:
    given = give(page_db, page_team, couple, "state-of-the-union")
    at = open_tab(page_team.alice, couple)
    at.selectbox(key=f"hw_status_value_{given.id}").set_value(AssignmentStatus.SKIPPED)
    at = click(at, "Save status")
    assert any("needs a reason" in e for e in texts(at, "error"))
    at.text_input(key=f"hw_skip_{given.id}").set_value("Away for work")
    at = click(at, "Save status")
    assert any("is skipped" in s for s in texts(at, "success"))
    saved = homework.assignment(page_db, page_team.alice, given.id)
    assert saved.status is AssignmentStatus.SKIPPED and saved.skip_reason == "Away for work"
    assert at.dataframe[-1].value["status"].tolist() == ["Skipped"]  # now in the history


def test_concurrent_status_change_is_a_conflict(
    page_db: Database, page_team: Team, couple: CoupleView
) -> None:
    given = give(page_db, page_team, couple, "state-of-the-union")
    at = open_tab(page_team.alice, couple)
    # Another tab marks it done after this one was opened.
    homework.set_status(page_db, page_team.alice, given.id, "done", expected_version=given.version)
    at.selectbox(key=f"hw_status_value_{given.id}").set_value(AssignmentStatus.IN_PROGRESS)
    at = click(at, "Save status")
    assert any("updated by someone else" in e for e in texts(at, "error"))
    assert homework.assignment(page_db, page_team.alice, given.id).status is AssignmentStatus.DONE
    # Having seen the newer state, saving again applies this tab's change.
    at.selectbox(key=f"hw_status_value_{given.id}").set_value(AssignmentStatus.IN_PROGRESS)
    at = click(at, "Save status")
    saved = homework.assignment(page_db, page_team.alice, given.id)
    assert saved.status is AssignmentStatus.IN_PROGRESS


def test_record_a_reflection_and_a_review(
    page_db: Database, page_team: Team, couple: CoupleView
) -> None:
    given = homework.assign(
        page_db,
        page_team.alice,
        couple.id,
        homework_form(page_db, "apology-letter", target="B", assigned_on=TODAY - timedelta(days=3)),
    )
    at = open_tab(page_team.alice, couple)
    assert at.selectbox(key=f"hw_partner_{given.id}").options == ["Lou (partner B)"]
    at.text_area(key=f"hw_answer_{given.id}_0").set_value("That I lied about the card.")
    at = click(at, "Save reflection")
    assert any("is done" in s for s in texts(at, "success"))
    detail = homework.assignment_detail(page_db, page_team.alice, given.id)
    assert detail.completions[0].answers == {given.prompts[0]: "That I lied about the card."}
    assert [m.value for m in at.metric] == ["—", "100%"]
    assert any("That I lied about the card." in m for m in texts(at, "markdown"))
    at.text_area(key=f"hw_review_{given.id}").set_value("Specific, no excuses.")
    at = click(at, "Save comment")
    assert (
        homework.assignment(page_db, page_team.alice, given.id).counsellor_comment
        == "Specific, no excuses."
    )


def test_exercise_text_is_the_version_given(
    page_db: Database, page_team: Team, couple: CoupleView
) -> None:
    custom = exercises.create_custom(
        page_db,
        page_team.alice,
        {
            "title": "Evening walk",
            "repair_step": "3",
            "intended_role": "either",
            "frequency": "weekly",
            "minutes": 30,
            "purpose": "Original purpose.",
            "instructions": "Walk.\nTalk.",
            "prompts": "What did I hear?",
            "review_guidance": "Turn-taking.",
        },
    )
    homework.assign(page_db, page_team.alice, couple.id, homework_form(page_db, custom.slug))
    exercises.edit_exercise(
        page_db,
        page_team.alice,
        custom.id,
        custom.as_form() | {"purpose": "Edited purpose."},
        expected_version=1,
    )
    at = open_tab(page_team.alice, couple)
    body = " ".join(texts(at, "markdown"))
    assert "Original purpose." in body and "Edited purpose." not in body


def test_supervisor_reads_but_does_not_change(
    page_db: Database, page_team: Team, couple: CoupleView
) -> None:
    give(page_db, page_team, couple, "state-of-the-union")
    at = open_tab(page_team.supervisor, couple)
    assert at.dataframe[0].value["exercise"].tolist() == ["Weekly State of the Union conversation"]
    labels = {b.label for b in at.button}
    assert not labels & {"Assign", "Save status", "Save comment", "Save reflection"}
    assert at.expander[0].label == "Read an assignment"


def test_closed_case_is_read_only(page_db: Database, page_team: Team, couple: CoupleView) -> None:
    closed = close_case(page_db, page_team.alice, couple)
    at = open_tab(page_team.alice, closed)
    assert not [b for b in at.button if b.label == "Assign"]
    assert any("Only the couple's counsellor assigns" in i for i in texts(at, "info"))


def worsening_ratings(db: Database, team: Team, couple: CoupleView) -> None:
    """Kit's CSI-4 falls reliably (14, 8, 8 at weeks 0, 7 and 8) while distress rises
    (3, 7, 8): deteriorated by core.progress.status's rules; Lou steady."""
    steady = {
        "five_cs": {
            "care": 5,
            "communication": 5,
            "character": 5,
            "consistency": 5,
            "competence": 5,
        },
        "csi4": {"q1": 3, "q2": 3, "q3": 3, "q4": 3},
        "distress": {"distress": 5},
    }
    csi = ({"q1": 5, "q2": 3, "q3": 3, "q4": 3}, *[{"q1": 2, "q2": 2, "q3": 2, "q4": 2}] * 2)
    for day, kit_csi, distress in zip((0, 49, 56), csi, (3, 7, 8), strict=True):
        kit = dict(steady, csi4=kit_csi, distress={"distress": distress})
        sessions.record_session(
            db,
            team.alice,
            couple.id,
            session_form(
                session_date=INTAKE + timedelta(days=day), ratings={"A": kit, "B": steady}
            ),
            today=TODAY,
        )


def test_suggestions_follow_the_progress_status_without_the_progress_tab(
    page_db: Database, page_team: Team, couple: CoupleView
) -> None:
    """The Homework tab runs alone (the couple page draws only the open tab): it asks for
    the couple's status itself, as the Progress tab says it."""
    plain = open_tab(page_team.alice, couple)
    assert not any("Deteriorated" in m for m in texts(plain, "markdown"))
    worsening_ratings(page_db, page_team, couple)
    reference = progress_views.clinic_reference(page_db)
    shown = progress_views.couple_progress(
        page_db, page_team.alice, couple.id, today=TODAY, reference=reference
    )
    assert shown.status == "deteriorated"
    at = open_tab(page_team.alice, couple)
    suggestions = [m for m in texts(at, "markdown") if m.startswith("- **")]
    assert any("Deteriorated: stabilising work" in s for s in suggestions)


def test_adherence_says_nothing_due_yet_right_after_assigning(
    page_db: Database, page_team: Team, couple: CoupleView
) -> None:
    """Issue 14 item 15: minutes after assigning, adherence is not 0%."""
    from tests.homework_support import homework_form

    homework.assign(
        page_db,
        page_team.alice,
        couple.id,
        homework_form(page_db, "self-care-support-plan", target="A"),
    )
    at = open_tab(page_team.alice, couple)
    assert "nothing due yet" in [m.value for m in at.metric]
    assert "0%" not in [m.value for m in at.metric]


def test_the_work_on_an_assignment_section_runs_only_when_opened(
    page_db: Database, page_team: Team, couple: CoupleView
) -> None:
    given = give(page_db, page_team, couple, "state-of-the-union")
    at = open_tab(page_team.alice, couple, work=False)
    assert [e.label for e in at.expander] == ["Work on an assignment"]
    assert not [s for s in at.selectbox if s.key == f"hw_status_value_{given.id}"]
    assert not [b for b in at.button if b.label == "Save status"]
    open_expander(at, work_key(couple.id))
    assert at.selectbox(key=f"hw_status_value_{given.id}").value == AssignmentStatus.ASSIGNED
    assert [b.label for b in at.button if b.label == "Save status"] == ["Save status"]
