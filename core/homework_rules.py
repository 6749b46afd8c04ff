"""Pure homework rules: the safety gate (its only copy), role fit and answer cleaning.

No database: give these plain values or anything with the named attributes
(an ExerciseVersion row, an ExerciseView, a catalogue entry).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol


class Gateable(Protocol):
    @property
    def joint(self) -> bool: ...

    @property
    def asks_vulnerability(self) -> bool: ...


def is_gated(exercise: Gateable) -> bool:
    """The safety gate (DOMAIN.md): while a couple has an open safety concern, a joint
    exercise, or one that asks the hurt partner to be vulnerable, needs a recorded
    override. Every other place asks this function."""
    return bool(exercise.joint or exercise.asks_vulnerability)


def safety_hold(
    exercise: Gateable,
    *,
    is_open: bool,
    concern_since: datetime | None,
    assigned_at: datetime,
    overridden: bool,
    decision: str | None,
    decided_at: datetime | None,
) -> str | None:
    """Open homework the gate would now stop, given before the couple's open concern
    (`concern_since`: when the oldest open screen was recorded; None: no concern open):
    "ask" until the counsellor decides after that moment, then "pause" or "continue"
    (core.domain.SAFETY_HOLD_LABELS). None when the gate does not apply: no open concern,
    finished homework, an exercise the gate lets through, or one assigned through the
    gate with a recorded override while this concern was open."""
    if concern_since is None or not is_open or not is_gated(exercise):
        return None
    if overridden and assigned_at >= concern_since:
        return None
    if decision is None or decided_at is None or decided_at < concern_since:
        return "ask"
    return str(decision)


def default_tags(asks_vulnerability: bool) -> frozenset[str]:
    """Tags (core.domain.EXERCISE_TAGS) of an exercise the built-in catalogue does not
    describe, such as a custom one: relationship repair, plus "vulnerability" when it asks
    for it. Never safety work: only the reviewed catalogue can offer an exercise under a
    violence, coercive-control or emotional-abuse concern."""
    return frozenset({"repair", "vulnerability"} if asks_vulnerability else {"repair"})


def answered(answers: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Only the partners who answered something, with their non-empty, stripped answers."""
    kept = {
        label: {prompt: text.strip() for prompt, text in given.items() if text and text.strip()}
        for label, given in answers.items()
    }
    return {label: given for label, given in kept.items() if given}


# Who an assignment is for: its target ("A", "B" or "both") as partner labels.
TARGET_PARTNERS: dict[str, tuple[str, ...]] = {"A": ("A",), "B": ("B",), "both": ("A", "B")}

# Intended roles an individual exercise can be meant for; "both" and "either" fit anyone.
ONE_ROLE = ("hurt", "broke_trust")
BOTH_ROLES = "both"


def role_mismatches(
    partner_roles: Iterable[tuple[str, str]], intended_role: str, *, joint: bool, target: str
) -> list[str]:
    """Labels of the partners given an individual exercise meant for the other role.

    `partner_roles`: (label, role) of the couple's partners, in their order; `target`:
    "A", "B" or "both". A joint exercise, or one meant for "both"/"either", fits any
    partner; a partner whose own role is "both" fits any exercise.
    """
    intended = str(intended_role)
    if joint or intended not in ONE_ROLE:
        return []
    labels = TARGET_PARTNERS[str(target)]
    return [
        label
        for label, role in partner_roles
        if label in labels and str(role) not in (intended, BOTH_ROLES)
    ]


def unknown_prompts(prompts: Sequence[str], answers: Mapping[str, object]) -> list[str]:
    """The answered questions that are not among the exercise's own `prompts`, in order given."""
    return [prompt for prompt in answers if prompt not in prompts]


def clean_answers(prompts: Sequence[str], answers: Mapping[str, object]) -> dict[str, str]:
    """Stripped answers in the exercise's order, without unanswered questions (and without
    questions that are not the exercise's: check `unknown_prompts` first to refuse them)."""
    cleaned = {prompt: str(text).strip() for prompt, text in answers.items()}
    return {prompt: cleaned[prompt] for prompt in prompts if cleaned.get(prompt)}
