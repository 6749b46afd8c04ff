"""Issue 14 item 2: joint or vulnerability homework given before a safety concern opened
is flagged ("paused by safety concern?") until its counsellor pauses or continues it
(continuing needs a reason); the decision is stored and audited, and the caseload ranks
the couple between the open concern and a trauma follow-up. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.db import Database
from core.domain import SAFETY_HOLD_LABELS, SafetyDecision
from core.errors import PermissionDenied, ValidationError
from core.services import caseload_views, homework, progress_views, safety
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.homework_support import TODAY, events, give, open_concern, stored


def _hold(db: Database, team: Team, assignment_id: int) -> str | None:
    return homework.assignment(db, team.alice, assignment_id).safety_hold


def test_a_concern_opening_flags_open_joint_and_vulnerability_homework(
    db: Database, team: Team, couple: CoupleView
) -> None:
    joint = give(db, team, couple, "state-of-the-union")
    vulnerable = give(db, team, couple, "needs-inventory", target="A")
    individual = give(db, team, couple, "self-care-support-plan", target="A")
    assert {_hold(db, team, a.id) for a in (joint, vulnerable, individual)} == {None}

    open_concern(db, team.alice, couple.id)
    assert _hold(db, team, joint.id) == "ask"
    assert _hold(db, team, vulnerable.id) == "ask"
    assert _hold(db, team, individual.id) is None
    tab = homework.homework_tab(db, team.alice, couple.id, TODAY)
    flagged = set(tab.current.loc[tab.current["safety"] != "", "exercise"])
    assert flagged == {joint.exercise_title, vulnerable.exercise_title}
    assert set(tab.current["safety"]) == {SAFETY_HOLD_LABELS["ask"], ""}


def test_pause_and_continue_are_stored_and_audited(
    db: Database, team: Team, couple: CoupleView
) -> None:
    joint = give(db, team, couple, "state-of-the-union")
    vulnerable = give(db, team, couple, "needs-inventory", target="A")
    open_concern(db, team.alice, couple.id)

    paused = homework.decide_safety(
        db, team.alice, joint.id, SafetyDecision.PAUSE, expected_version=joint.version
    )
    assert paused.safety_hold == "pause" and paused.safety_label == "Paused: safety concern"
    with pytest.raises(ValidationError, match="needs a reason"):
        homework.decide_safety(
            db, team.alice, vulnerable.id, "continue", reason="  ", expected_version=1
        )
    with pytest.raises(ValidationError, match="pause the homework or continue"):
        homework.decide_safety(db, team.alice, vulnerable.id, None, expected_version=1)
    kept = homework.decide_safety(
        db,
        team.alice,
        vulnerable.id,
        "continue",
        reason="Individual work, done alone; agreed with the partner.",
        expected_version=vulnerable.version,
    )
    assert kept.safety_hold == "continue"
    row = stored(db, vulnerable.id)
    assert row.safety_decision is SafetyDecision.CONTINUE
    assert row.decided_by_id == team.alice.id and row.decided_at is not None
    assert row.decision_reason == "Individual work, done alone; agreed with the partner."
    audited = events(db, "homework_safety_decision")
    assert [e["decision"] for e in audited] == ["pause", "continue"]
    assert audited[1]["reason"] == "Individual work, done alone; agreed with the partner."


def test_only_its_counsellor_decides_and_only_when_a_concern_stops_it(
    db: Database, team: Team, couple: CoupleView
) -> None:
    joint = give(db, team, couple, "state-of-the-union")
    with pytest.raises(ValidationError, match="needs no safety decision"):
        homework.decide_safety(db, team.alice, joint.id, "pause", expected_version=joint.version)
    open_concern(db, team.alice, couple.id)
    with pytest.raises(PermissionDenied):
        homework.decide_safety(db, team.bruno, joint.id, "pause", expected_version=joint.version)


def test_a_new_concern_asks_again_and_an_override_under_it_does_not(
    db: Database, team: Team, couple: CoupleView
) -> None:
    joint = give(db, team, couple, "state-of-the-union")
    first = open_concern(db, team.alice, couple.id)
    homework.decide_safety(db, team.alice, joint.id, "pause", expected_version=joint.version)
    safety.resolve_screen(db, team.alice, first, "Risk reassessed; none present.")
    assert _hold(db, team, joint.id) is None
    open_concern(db, team.alice, couple.id, label="B")
    assert _hold(db, team, joint.id) == "ask"
    overridden = give(
        db, team, couple, "state-of-the-union", safety_override_reason="Both asked for it."
    )
    assert _hold(db, team, overridden.id) is None


def test_the_caseload_flags_the_couple_and_names_it(
    db: Database, team: Team, couple: CoupleView
) -> None:
    give(db, team, couple, "state-of-the-union")
    open_concern(db, team.alice, couple.id)
    table = caseload_views.caseload_progress(
        db,
        team.alice,
        today=TODAY,
        reference=progress_views.clinic_reference(db),
    ).set_index("couple_id")
    row = table.loc[couple.id]
    assert row["safety_homework"] == 1
    assert "homework paused by safety concern? (1 to decide)" in row["attention_reasons"]
    assert "⚠ Homework: pause?" in row["safety"]


def test_paused_homework_is_not_counted_against_the_partners(
    db: Database, team: Team, couple: CoupleView
) -> None:
    """Weekly, given 21 days ago: 22 days so far, 4 started weeks for each partner. Paused
    today under the concern: today's day is left out (21 days, 3 weeks), and stays out
    once the concern is resolved and the exercise runs again."""
    started = TODAY - timedelta(days=21)
    joint = give(db, team, couple, "state-of-the-union", assigned_on=started)

    def expected() -> list[int]:
        frame = homework.couple_adherence(db, team.alice, couple.id, TODAY)
        return frame["expected"].tolist()

    assert expected() == [4, 4]
    screen_id = open_concern(db, team.alice, couple.id)
    assert expected() == [4, 4]  # flagged, not yet paused: still expected
    homework.decide_safety(
        db, team.alice, joint.id, SafetyDecision.PAUSE, expected_version=joint.version
    )
    assert expected() == [3, 3]
    safety.resolve_screen(db, team.alice, screen_id, "Concern addressed in individual work.")
    assert expected() == [3, 3]
