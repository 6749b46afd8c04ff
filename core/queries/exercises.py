"""Read side of the exercise library: SELECT -> ExerciseView, inside a caller's session.

No access checks here: every logged-in user reads the library, and the services
(core.services.exercises, core.services.homework) decide who asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from core.domain import REPAIR_STEPS
from core.errors import NotFound
from core.homework_rules import is_gated
from core.models import Exercise, ExerciseVersion

# The columns of ExerciseVersion that hold an exercise's text and settings.
TEXT_FIELDS = (
    "title",
    "repair_step",
    "intended_role",
    "joint",
    "asks_vulnerability",
    "frequency",
    "minutes",
    "purpose",
    "instructions",
    "prompts",
    "review_guidance",
    "phase",
)


@dataclass(frozen=True)
class ExerciseView:
    """One version of an exercise, with the exercise's identity and state."""

    id: int
    slug: str
    version_id: int
    version: int
    title: str
    repair_step: str
    intended_role: str
    joint: bool
    asks_vulnerability: bool
    frequency: str
    minutes: int
    purpose: str
    instructions: tuple[str, ...]
    prompts: tuple[str, ...]
    review_guidance: str
    phase: str | None
    built_in: bool
    retired: bool
    created_by_id: int | None = None
    current_version: int | None = None

    @property
    def gated(self) -> bool:
        """Blocked by an open safety concern unless overridden with a reason."""
        return is_gated(self)

    @property
    def is_current(self) -> bool:
        return self.current_version is None or self.version == self.current_version

    def as_form(self) -> dict[str, Any]:
        """This version in ExerciseIn's shape, to prefill the edit form."""
        return {field: getattr(self, field) for field in TEXT_FIELDS} | {
            "instructions": list(self.instructions),
            "prompts": list(self.prompts),
        }


def exercise_view(exercise: Exercise, version: ExerciseVersion) -> ExerciseView:
    return ExerciseView(
        id=exercise.id,
        slug=exercise.slug,
        version_id=version.id,
        version=version.version,
        title=version.title,
        repair_step=version.repair_step,
        intended_role=version.intended_role,
        joint=version.joint,
        asks_vulnerability=version.asks_vulnerability,
        frequency=version.frequency,
        minutes=version.minutes,
        purpose=version.purpose,
        instructions=tuple(version.instructions),
        prompts=tuple(version.prompts),
        review_guidance=version.review_guidance,
        phase=version.phase,
        built_in=exercise.built_in,
        retired=exercise.retired,
        created_by_id=exercise.created_by_id,
        current_version=exercise.current_version,
    )


def current_version_join() -> Any:
    """Join condition of an Exercise with its current ExerciseVersion."""
    return and_(
        ExerciseVersion.exercise_id == Exercise.id,
        ExerciseVersion.version == Exercise.current_version,
    )


def current_exercises(session: Session, *where: Any) -> list[ExerciseView]:
    """Current versions of the exercises matching `where`, by repair step then title."""
    query = select(Exercise, ExerciseVersion).join(ExerciseVersion, current_version_join())
    views = [
        exercise_view(exercise, version)
        for exercise, version in session.execute(query.where(*where))
    ]
    return sorted(views, key=lambda v: (REPAIR_STEPS.index(v.repair_step), v.title.casefold()))


def assignable_exercises(session: Session) -> list[ExerciseView]:
    """What can be given as homework now: current versions of unretired exercises."""
    return current_exercises(session, Exercise.retired.is_(False))


def version_view(session: Session, version_id: int) -> ExerciseView:
    """One exact version, as a couple was given it."""
    version = session.get(ExerciseVersion, version_id)
    if version is None:
        raise NotFound("That exercise version does not exist.")
    return exercise_view(version.exercise, version)
