"""Pure homework rules (core.homework_rules): the safety gate, role fit, answer cleaning.
No database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.domain import PartnerRole
from core.homework_rules import (
    TARGET_PARTNERS,
    answered,
    clean_answers,
    is_gated,
    role_mismatches,
    unknown_prompts,
)

KIT_HURT_LOU_BROKE = (("A", "hurt"), ("B", "broke_trust"))


@dataclass(frozen=True)
class Text:
    joint: bool = False
    asks_vulnerability: bool = False


@pytest.mark.parametrize(
    ("joint", "vulnerable", "gated"),
    [(False, False, False), (True, False, True), (False, True, True), (True, True, True)],
)
def test_joint_or_vulnerable_exercises_are_gated(
    joint: bool, vulnerable: bool, gated: bool
) -> None:
    assert is_gated(Text(joint, vulnerable)) is gated


def test_targets_name_their_partners() -> None:
    assert TARGET_PARTNERS == {"A": ("A",), "B": ("B",), "both": ("A", "B")}


def test_an_exercise_for_the_other_role_mismatches() -> None:
    # Meant for the partner who broke trust, given to Kit (hurt).
    assert role_mismatches(KIT_HURT_LOU_BROKE, "broke_trust", joint=False, target="A") == ["A"]
    assert role_mismatches(KIT_HURT_LOU_BROKE, "broke_trust", joint=False, target="B") == []
    assert role_mismatches(KIT_HURT_LOU_BROKE, "hurt", joint=False, target="both") == ["B"]
    assert role_mismatches(KIT_HURT_LOU_BROKE, "hurt", joint=False, target="A") == []


def test_partners_keep_the_couples_order() -> None:
    both_broke = (("B", "hurt"), ("A", "hurt"))
    assert role_mismatches(both_broke, "broke_trust", joint=False, target="both") == ["B", "A"]


@pytest.mark.parametrize("intended", ["both", "either"])
def test_exercises_for_both_or_either_fit_anyone(intended: str) -> None:
    assert role_mismatches(KIT_HURT_LOU_BROKE, intended, joint=False, target="both") == []


def test_joint_exercises_fit_anyone() -> None:
    assert role_mismatches(KIT_HURT_LOU_BROKE, "hurt", joint=True, target="both") == []


def test_a_partner_in_both_roles_fits_every_exercise() -> None:
    mutual = (("A", "hurt"), ("B", "both"))
    assert role_mismatches(mutual, "hurt", joint=False, target="B") == []
    assert role_mismatches(mutual, "broke_trust", joint=False, target="both") == ["A"]


def test_roles_may_be_enum_members() -> None:
    partners = (("A", PartnerRole.HURT), ("B", PartnerRole.BROKE_TRUST))
    assert role_mismatches(partners, "hurt", joint=False, target="both") == ["B"]
    assert role_mismatches(partners, PartnerRole.BROKE_TRUST, joint=False, target="A") == ["A"]


def test_unknown_prompts_are_named_in_the_order_given() -> None:
    prompts = ("What went well?", "What was hard?")
    answers = {"Other?": "x", "What was hard?": "y", "Else?": ""}
    assert unknown_prompts(prompts, answers) == ["Other?", "Else?"]
    assert unknown_prompts(prompts, {"What went well?": "x"}) == []


def test_answers_are_stripped_in_exercise_order_without_blanks() -> None:
    prompts = ("First?", "Second?", "Third?")
    answers = {"Third?": "  late  ", "First?": " early", "Second?": "   "}
    cleaned = clean_answers(prompts, answers)
    assert cleaned == {"First?": "early", "Third?": "late"}
    assert list(cleaned) == ["First?", "Third?"]
    assert clean_answers(prompts, {}) == {}


def test_answered_keeps_only_partners_who_wrote_something() -> None:
    given = {"A": {"Q1": " yes ", "Q2": ""}, "B": {"Q1": "   "}}
    assert answered(given) == {"A": {"Q1": "yes"}}
