"""Exercise suggestions (core.suggestions): pure ranking on hand-made profiles."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.catalogue import load_catalogue
from core.homework_rules import is_gated
from core.suggestions import (
    CoupleProfile,
    care_phase,
    suggest_exercises,
)


@dataclass(frozen=True)
class Ex:
    slug: str
    repair_step: str
    intended_role: str = "either"
    joint: bool = False
    asks_vulnerability: bool = False
    phase: str | None = None
    title: str = ""


# A small hand-made library covering the themes the rules look for.
LIBRARY = [
    Ex("apology", "1", "broke_trust", phase="impact", title="Apology letter"),
    Ex("cooling-off", "2", "both", joint=True, phase="impact", title="Cooling-off agreement"),
    Ex("self-care-plan", "2", "hurt", phase="impact", title="Self-care plan"),
    Ex("needs-list", "2", "hurt", asks_vulnerability=True, phase="impact", title="Needs"),
    Ex("shoes", "2", "broke_trust", phase="meaning", title="In my partner's shoes"),
    Ex("i-statements", "3", "either", phase="meaning", title="I-statements"),
    Ex("transparency-pact", "3", "both", joint=True, phase="meaning", title="Transparency pact"),
    Ex("boundary-talk", "4", "both", joint=True, phase="moving_on", title="Our boundaries"),
    Ex("promises-log", "5", "broke_trust", phase="moving_on", title="Promises log"),
    Ex("what-led-here", "together", "both", True, True, "meaning", "What led here"),
    Ex("date-night", "together", "both", joint=True, phase="moving_on", title="Date night"),
]


def slugs(profile: CoupleProfile, k: int = 3, library: list[Ex] | None = None) -> list[str]:
    return [s.slug for s in suggest_exercises(profile, library or LIBRARY, k=k)]


def test_first_weeks_start_with_step_one_and_the_impact_phase() -> None:
    # apology: phase step 3 + own phase 2 + next step 3 + role 2 = 10.
    # cooling-off, self-care-plan, needs-list: 3 + 2 (+2 role for the hurt ones).
    assert slugs(CoupleProfile(weeks_in_care=1)) == ["apology", "needs-list", "self-care-plan"]
    top = suggest_exercises(CoupleProfile(weeks_in_care=1), LIBRARY, k=1)[0]
    assert top.score == 10
    assert top.reason == (
        "Next repair step not yet completed (step 1: take responsibility); "
        "fits week 1 (impact phase: stabilise, no big decisions)."
    )


def test_open_safety_concern_never_suggests_gated_exercises() -> None:
    profile = CoupleProfile(weeks_in_care=1, safety_concern=True)
    suggested = suggest_exercises(profile, LIBRARY, k=len(LIBRARY))
    by_slug = {ex.slug: ex for ex in LIBRARY}
    assert suggested and not any(is_gated(by_slug[s.slug]) for s in suggested)
    # Self-care comes first, and every reason says why it is safe now.
    assert suggested[0].slug == "self-care-plan"
    assert suggested[0].reason.startswith("Safety concern open: self-care and support")
    assert all("safety concern" in s.reason.lower() for s in suggested)


def test_safety_concern_late_in_care_still_offers_individual_work_only() -> None:
    profile = CoupleProfile(weeks_in_care=30, safety_concern=True, completed_steps=frozenset("1"))
    assert slugs(profile, k=10) == [
        "self-care-plan",
        "promises-log",
        "shoes",
        "apology",  # 0: a completed step (-2) for a role present (+2); ties by step
        "i-statements",
    ]


def test_meaning_phase_prefers_steps_two_and_three() -> None:
    profile = CoupleProfile(weeks_in_care=8, completed_steps=frozenset({"1"}))
    # shoes: 3 + 2 + next step 3 + role 2 = 10; self-care-plan / needs-list: 3 + 3 + 2 = 8;
    # i-statements: 3 + 2 = 5.
    assert slugs(profile) == ["shoes", "needs-list", "self-care-plan"]


def test_lowest_step_not_completed_wins_over_later_ones() -> None:
    profile = CoupleProfile(weeks_in_care=20, completed_steps=frozenset({"1", "2", "3"}))
    # boundary-talk: 3 + 2 + next step 3 = 8; promises-log 3 + 2 + 2 = 7; date-night 3 + 2 = 5.
    assert slugs(profile) == ["boundary-talk", "promises-log", "date-night"]
    assert "step 4" in suggest_exercises(profile, LIBRARY, k=1)[0].reason


def test_repeated_pattern_favours_reflection_and_boundaries() -> None:
    done = frozenset({"1", "2", "3"})
    one_time = CoupleProfile(weeks_in_care=8, completed_steps=done)
    repeated = CoupleProfile(weeks_in_care=8, completed_steps=done, repeated=True)
    # boundary-talk: next step 3 + pattern 6 = 9; what-led-here: own phase 2 + pattern 6 = 8;
    # without the pattern neither passes 5 (shoes, self-care-plan, needs-list).
    assert not {"boundary-talk", "what-led-here"} & set(slugs(one_time))
    top = suggest_exercises(repeated, LIBRARY, k=2)
    assert [s.slug for s in top] == ["boundary-talk", "what-led-here"]
    assert top[0].reason.startswith("Repeated pattern: clear, kept boundaries")
    assert top[1].reason.startswith("Repeated pattern: reflect on what led here")


def test_infidelity_or_lying_favours_transparency() -> None:
    plain = CoupleProfile(weeks_in_care=8, completed_steps=frozenset({"1", "2"}))
    lying = CoupleProfile(
        weeks_in_care=8,
        completed_steps=frozenset({"1", "2"}),
        breach_types=frozenset({"lying_money"}),
    )
    assert slugs(plain)[0] == "i-statements"
    assert slugs(lying)[0] == "transparency-pact"
    assert "transparency" in suggest_exercises(lying, LIBRARY, k=1)[0].reason
    other_breach = CoupleProfile(
        weeks_in_care=8,
        completed_steps=frozenset({"1", "2"}),
        breach_types=frozenset({"emotional_distance"}),
    )
    assert slugs(other_breach) == slugs(plain)


def test_exercises_for_an_absent_role_are_left_out() -> None:
    # Both partners hurt each other: "both" fits exercises for either role.
    mutual = CoupleProfile(partner_roles=("both", "both"), weeks_in_care=1)
    assert "apology" in slugs(mutual, k=20) and "self-care-plan" in slugs(mutual, k=20)
    # A couple recorded with two hurt partners gets nothing meant for the one who broke trust.
    no_breaker = CoupleProfile(partner_roles=("hurt", "hurt"), weeks_in_care=1)
    assert not {"apology", "shoes", "promises-log"} & set(slugs(no_breaker, k=20))


def test_already_assigned_or_done_is_skipped() -> None:
    profile = CoupleProfile(weeks_in_care=1, taken_slugs=frozenset({"apology", "needs-list"}))
    assert slugs(profile) == ["self-care-plan", "cooling-off", "shoes"]


def test_ties_break_by_step_then_slug_and_results_are_deterministic() -> None:
    twins = [Ex("b-twin", "3"), Ex("a-twin", "3"), Ex("c-early", "2")]
    profile = CoupleProfile(weeks_in_care=8, completed_steps=frozenset("12345"))
    # All score 3 (step of the phase) minus 2 (completed step): order by step, then slug.
    assert slugs(profile, library=twins) == ["c-early", "a-twin", "b-twin"]
    assert slugs(profile, library=list(reversed(twins))) == ["c-early", "a-twin", "b-twin"]


def test_k_limits_the_list_and_an_empty_library_gives_nothing() -> None:
    assert len(slugs(CoupleProfile(), k=1)) == 1
    assert slugs(CoupleProfile(), k=0, library=[]) == []
    assert suggest_exercises(CoupleProfile(), [], k=3) == []
    everything_taken = CoupleProfile(taken_slugs=frozenset(ex.slug for ex in LIBRARY))
    assert suggest_exercises(everything_taken, LIBRARY) == []


@pytest.mark.parametrize(
    ("weeks", "phase"),
    [(0, "impact"), (5, "impact"), (6, "meaning"), (15, "meaning"), (16, "moving_on")],
)
def test_phase_boundaries(weeks: int, phase: str) -> None:
    assert care_phase(weeks) == phase
    assert CoupleProfile(weeks_in_care=weeks).phase == phase


def test_next_step_skips_completed_steps() -> None:
    assert CoupleProfile().next_step == "1"
    assert CoupleProfile(completed_steps=frozenset({"1", "3", "together"})).next_step == "2"
    assert CoupleProfile(completed_steps=frozenset("12345")).next_step is None


def test_real_catalogue_new_infidelity_couple() -> None:
    profile = CoupleProfile(breach_types=frozenset({"infidelity_emotional"}), weeks_in_care=0)
    suggested = suggest_exercises(profile, load_catalogue())
    assert [s.slug for s in suggested] == [
        "honest-answers-session",
        "apology-letter",
        "defensiveness-check",
    ]
    assert suggested[0].title == "Answering questions honestly, in a set structure"
    assert all(s.reason.endswith(".") and "\n" not in s.reason for s in suggested)


def test_real_catalogue_with_a_safety_concern() -> None:
    profile = CoupleProfile(weeks_in_care=3, safety_concern=True)
    suggested = suggest_exercises(profile, load_catalogue(), k=25)
    by_slug = {ex.slug: ex for ex in load_catalogue()}
    assert suggested[0].slug == "self-care-support-plan"
    assert not any(is_gated(by_slug[s.slug]) for s in suggested)
