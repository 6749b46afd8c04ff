"""Suggestions through the services (issue 9): the profile built from the safety screens,
the concern types, the trauma screen and the progress status the couple page passes.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.db import Database
from core.services import homework, safety
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.homework_support import TODAY, give, open_concern

SAFETY_WORK = ["personal-safety-plan", "time-out-plan", "self-care-support-plan"]


def ptsd(yes: int) -> dict[str, int]:
    keys = ["nightmares", "avoidance", "on_guard", "numb", "guilt"]
    return {"exposure": 1, **{key: int(i < yes) for i, key in enumerate(keys)}}


def screen(
    db: Database, team: Team, couple: CoupleView, label: str, days_ago: int, **flags: Any
) -> int:
    form: dict[str, Any] = {"partner_label": label, "screened_on": TODAY - timedelta(days=days_ago)}
    form |= flags
    if any(flags.get(flag) for flag in ("violence", "coercive_control", "emotional_abuse")) or (
        flags.get("self_harm_risk")
    ):
        form["plan"] = "Individual sessions; safety plan agreed."
    return safety.record_screen(db, team.alice, couple.id, form).id


def test_profile_reads_concern_types_and_the_latest_trauma_screen(
    db: Database, team: Team, couple: CoupleView
) -> None:
    profile = homework.couple_profile(db, team.alice, couple.id, TODAY)
    assert not profile.concern_open and profile.concerns == frozenset()
    assert profile.trauma_positive_roles == frozenset() and profile.progress_status is None

    screen(db, team, couple, "A", 20, ptsd_answers=ptsd(4))  # Kit, hurt: positive
    risk = screen(db, team, couple, "B", 10, self_harm_risk=True)
    profile = homework.couple_profile(db, team.alice, couple.id, TODAY, progress_status="x")
    assert profile.safety_concern and profile.concerns == {"self_harm_risk"}
    assert profile.trauma_positive_roles == {"hurt"}
    assert profile.progress_status == "x"

    open_concern(db, team.alice, couple.id, label="B")  # coercive control
    profile = homework.couple_profile(db, team.alice, couple.id, TODAY)
    assert profile.concerns == {"self_harm_risk", "coercive_control"}

    # A resolved concern no longer counts; a later negative screen replaces a positive one.
    safety.resolve_screen(db, team.alice, risk, "Crisis passed; plan in place.")
    screen(db, team, couple, "A", 2, ptsd_answers=ptsd(1))
    profile = homework.couple_profile(db, team.alice, couple.id, TODAY)
    assert profile.concerns == {"coercive_control"}
    assert profile.trauma_positive_roles == frozenset()


def test_under_coercive_control_only_safety_work_is_suggested(
    db: Database, team: Team, couple: CoupleView
) -> None:
    open_concern(db, team.alice, couple.id)
    suggested = homework.suggestions(db, team.alice, couple.id, TODAY, k=10)
    assert [s.slug for s in suggested] == SAFETY_WORK
    assert all(s.reason.startswith("Open coercive control concern: ") for s in suggested)
    tab = homework.homework_tab(db, team.alice, couple.id, TODAY)
    assert tab.concern_open and [s.slug for s in tab.suggestions] == SAFETY_WORK


def test_under_self_harm_risk_the_safety_plan_comes_first(
    db: Database, team: Team, couple: CoupleView
) -> None:
    screen(db, team, couple, "B", 3, self_harm_risk=True)
    suggested = homework.suggestions(db, team.alice, couple.id, TODAY, k=10)
    assert [s.slug for s in suggested[:2]] == ["personal-safety-plan", "self-care-support-plan"]
    assert not {"apology-letter", "forgiveness-reflection"} & {s.slug for s in suggested}


def test_taken_safety_work_leaves_the_rest(db: Database, team: Team, couple: CoupleView) -> None:
    open_concern(db, team.alice, couple.id)
    give(db, team, couple, "personal-safety-plan", target="A")
    suggested = homework.suggestions(db, team.alice, couple.id, TODAY, k=10)
    assert [s.slug for s in suggested] == SAFETY_WORK[1:]


def test_a_positive_trauma_screen_puts_support_first(
    db: Database, team: Team, couple: CoupleView
) -> None:
    screen(db, team, couple, "A", 5, ptsd_answers=ptsd(3))
    top = homework.suggestions(db, team.alice, couple.id, TODAY, k=1)[0]
    assert top.slug == "self-care-support-plan"
    assert top.reason.startswith("Positive trauma screen (hurt partner)")


def test_the_progress_status_reaches_the_suggestions_and_the_tab(
    db: Database, team: Team, couple: CoupleView
) -> None:
    # Eight weeks in care: the meaning phase. Off track there is a decision point.
    plain = {s.slug for s in homework.suggestions(db, team.alice, couple.id, TODAY, k=30)}
    assert "stay-or-leave-discernment" not in plain
    off = homework.suggestions(
        db, team.alice, couple.id, TODAY, k=30, progress_status="deteriorated"
    )
    by_slug = {s.slug: s for s in off}
    assert "decision point" in by_slug["stay-or-leave-discernment"].reason
    assert "stabilising work" in by_slug["self-care-support-plan"].reason
    tab = homework.homework_tab(db, team.alice, couple.id, TODAY, progress_status="deteriorated")
    assert tab.suggestions == tuple(off[:3])
