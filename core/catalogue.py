"""The built-in exercise catalogue: data/exercises.yaml, validated on load.

Each entry becomes a frozen `CatalogueExercise`. Its fields map onto the
columns of `core.models.ExerciseVersion` (see `version_fields`), except
`slug` (which belongs to `Exercise`), `phase`, the recovery stage
(Snyder, Baucom & Gordon: impact, meaning, moving on) the exercise suits, and
`tags`, what the exercise is for (core.domain.EXERCISE_TAGS). Tags are not
stored: the suggestion rules look them up here by slug (`catalogue_tags`), and
an exercise that is not in the catalogue (a custom one) gets
`core.homework_rules.default_tags`.

Rules between fields, checked on load (the safety rules rely on them):
- a numbered repair step agrees with the phase (core.domain.PHASE_STEPS);
- "vulnerability" is a tag exactly when `asks_vulnerability` is true;
- safety work ("safety", "de_escalation", "support") is individual, asks no
  vulnerability and carries no relationship-work tag (repair, apology,
  forgiveness, crediting, vulnerability, decision): it is what an open abuse
  concern allows.

A malformed file raises `CatalogueError` with a message naming the file, the
entry (numbered from 1, with its slug when it has one) and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
)

from core.config import PROJECT_ROOT
from core.domain import NUMBERED_STEPS, PHASE_STEPS, RELATIONSHIP_WORK_TAGS, SAFETY_WORK_TAGS
from core.errors import ValidationError

DEFAULT_PATH = PROJECT_ROOT / "data" / "exercises.yaml"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

RepairStep = Literal["1", "2", "3", "4", "5", "together"]
IntendedRole = Literal["hurt", "broke_trust", "both", "either"]
Frequency = Literal["once", "daily", "weekly"]
Phase = Literal["impact", "meaning", "moving_on"]
Tag = Literal[
    "safety",
    "de_escalation",
    "support",
    "stabilising",
    "decision",
    "repair",
    "apology",
    "forgiveness",
    "crediting",
    "vulnerability",
    "transparency",
    "reflection",
    "boundaries",
]
Text = Annotated[str, Field(min_length=1)]


class CatalogueError(ValidationError):
    """The exercise catalogue file is missing, unreadable or malformed."""


class CatalogueExercise(BaseModel):
    """One built-in repair exercise, as written in data/exercises.yaml."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    slug: str = Field(min_length=1, max_length=80, pattern=SLUG_PATTERN)
    title: str = Field(min_length=1, max_length=120)
    repair_step: RepairStep
    intended_role: IntendedRole
    joint: StrictBool
    asks_vulnerability: StrictBool
    frequency: Frequency
    minutes: StrictInt = Field(ge=1, le=240)
    purpose: Text
    instructions: tuple[Text, ...] = Field(min_length=3, max_length=8)
    prompts: tuple[Text, ...] = Field(min_length=2, max_length=6)
    review_guidance: Text
    phase: Phase
    tags: tuple[Tag, ...] = Field(min_length=1, max_length=6)

    @field_validator("repair_step", mode="before")
    @classmethod
    def _step_as_text(cls, value: Any) -> Any:
        """Accept `repair_step: 3` (an easy slip in YAML) as the string "3"."""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("phase")
    @classmethod
    def _phase_fits_step(cls, value: str, info: ValidationInfo) -> str:
        step = info.data.get("repair_step")
        if step in NUMBERED_STEPS:
            fitting = sorted(phase for phase, steps in PHASE_STEPS.items() if step in steps)
            if value not in fitting:
                raise ValueError(f"repair step {step} belongs to the {' or '.join(fitting)} phase")
        return value

    @field_validator("tags")
    @classmethod
    def _tags_agree(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a tag is repeated")
        tags = set(value)
        vulnerable = info.data.get("asks_vulnerability")
        if vulnerable is not None and vulnerable != ("vulnerability" in tags):
            raise ValueError("'vulnerability' is a tag exactly when asks_vulnerability is true")
        if tags & SAFETY_WORK_TAGS:
            if info.data.get("joint") or vulnerable:
                raise ValueError(
                    "safety and support work must be individual and not ask vulnerability"
                )
            if mixed := sorted(tags & RELATIONSHIP_WORK_TAGS):
                raise ValueError(f"safety and support work cannot also be {', '.join(mixed)}")
        return value

    def version_fields(self) -> dict[str, Any]:
        """Keyword arguments for a new `ExerciseVersion` of this exercise."""
        data = self.model_dump(exclude={"slug", "phase", "tags"})
        data["instructions"] = list(self.instructions)
        data["prompts"] = list(self.prompts)
        return data


# The fields are tuples in Python but lists in the YAML file the reader edits.
_PLAIN_WORDS = (("Tuple should", "List should"), (" after validation", ""))


def _describe(error: Mapping[str, Any]) -> tuple[str, str]:
    """(field, plain message) for one pydantic error."""
    location = [str(part) for part in error.get("loc", ())]
    field = location[0] if location else "entry"
    if len(location) > 1:
        field = f"{field} item {int(location[1]) + 1}"
    kind = error.get("type", "")
    if kind == "missing":
        return field, "is missing"
    if kind == "extra_forbidden":
        return field, "is not a known field"
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    for pydantic_words, yaml_words in _PLAIN_WORDS:
        message = message.replace(pydantic_words, yaml_words)
    return field, f"is invalid: {message[:1].lower()}{message[1:]}".rstrip(": ")


def _item_errors_first(errors: list[Any]) -> list[Any]:
    """Drop a list's length error when its items failed: the count would mislead."""
    failed_lists = {error["loc"][0] for error in errors if len(error["loc"]) > 1}
    return [
        error
        for error in errors
        if error["type"] != "too_short" or error["loc"][0] not in failed_lists
    ]


def _entry_label(index: int, raw: Any) -> str:
    slug = raw.get("slug") if isinstance(raw, Mapping) else None
    return f"entry {index + 1}" + (f" (slug {slug!r})" if isinstance(slug, str) and slug else "")


def _parse_entry(path: Path, index: int, raw: Any) -> CatalogueExercise:
    where = f"{path}: {_entry_label(index, raw)}"
    if not isinstance(raw, Mapping):
        raise CatalogueError(f"{where}: is not a mapping of field names to values")
    try:
        return CatalogueExercise.model_validate(dict(raw))
    except pydantic.ValidationError as exc:
        problems = dict(_describe(error) for error in _item_errors_first(exc.errors()))
        detail = "; ".join(f"field {field!r} {message}" for field, message in problems.items())
        raise CatalogueError(f"{where}: {detail}", field_errors=problems) from None


def _read_entries(path: Path) -> list[Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot read the exercise catalogue ({exc})") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: is not valid YAML ({_yaml_problem(exc)})") from None
    entries = document.get("exercises") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        raise CatalogueError(f"{path}: needs a top-level 'exercises' list")
    if not entries:
        raise CatalogueError(f"{path}: the 'exercises' list is empty")
    return entries


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "syntax error"
    return f"{problem} at line {mark.line + 1}" if mark is not None else str(problem)


def _refuse_duplicates(path: Path, catalogue: list[CatalogueExercise]) -> None:
    first_seen: dict[str, int] = {}
    for index, exercise in enumerate(catalogue):
        if exercise.slug in first_seen:
            raise CatalogueError(
                f"{path}: entry {first_seen[exercise.slug] + 1} and entry {index + 1} "
                f"both use slug {exercise.slug!r}; field 'slug' must be unique",
                field_errors={"slug": "must be unique"},
            )
        first_seen[exercise.slug] = index


def _load(path: Path) -> list[CatalogueExercise]:
    entries = _read_entries(path)
    catalogue = [_parse_entry(path, index, raw) for index, raw in enumerate(entries)]
    _refuse_duplicates(path, catalogue)
    return catalogue


@lru_cache(maxsize=1)
def _default_catalogue() -> tuple[CatalogueExercise, ...]:
    return tuple(_load(DEFAULT_PATH))


def load_catalogue(path: Path | None = None) -> list[CatalogueExercise]:
    """The exercises in `path` (default: the built-in catalogue, read once per process).

    An explicit path is read afresh on every call.
    """
    if path is None:
        return list(_default_catalogue())
    return _load(Path(path))


def catalogue_tags(
    catalogue: Iterable[CatalogueExercise] | None = None,
) -> dict[str, frozenset[str]]:
    """Tags by slug (default: the built-in catalogue)."""
    entries = load_catalogue() if catalogue is None else catalogue
    return {exercise.slug: frozenset(exercise.tags) for exercise in entries}


def steps_covered(catalogue: Iterable[CatalogueExercise]) -> set[str]:
    """The repair steps that at least one exercise in `catalogue` serves."""
    return {exercise.repair_step for exercise in catalogue}
