"""Pure homework rules: the safety gate (its only copy), role fit and answer cleaning.

No database: give these plain values or anything with the named attributes
(an ExerciseVersion row, an ExerciseView, a catalogue entry).
"""

from __future__ import annotations

from collections.abc import Mapping
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


def answered(answers: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Only the partners who answered something, with their non-empty, stripped answers."""
    kept = {
        label: {prompt: text.strip() for prompt, text in given.items() if text and text.strip()}
        for label, given in answers.items()
    }
    return {label: given for label, given in kept.items() if given}
