"""The assign form's inputs (Choices) and its kept state (State)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from core.services.exercises import ExerciseView


@dataclass
class State:
    """The form's state when it is not idle (idle keeps none); "new" is never kept."""

    stage: Literal["new", "refused", "override", "confirm"]
    message: str
    data: dict[str, Any] = field(default_factory=dict)  # the assignment asked for
    override: str | None = None  # the reason given for a safety override
    confirmed: bool = False  # the role mismatch was confirmed
    missing_reason: bool = False


@dataclass(frozen=True)
class Choices:
    """What the form offers: the exercises (or one given exercise), the default due date
    and whether a safety concern is open (gated exercises then need an override)."""

    default_due: date
    offered: Sequence[ExerciseView] = ()
    exercise: ExerciseView | None = None
    concern_open: bool = False
