"""The exercise library: built-in catalogue sync, browsing, custom exercises.

An exercise's text lives in immutable `ExerciseVersion` rows. Editing (or a
changed built-in text in data/exercises.yaml) adds a new version and moves the
exercise's `current_version`; assignments keep pointing at the version they were
given, so a couple's homework never changes under them.

Who may do what:
- everyone logged in reads the library;
- counsellors and admins add custom exercises;
- a custom exercise is edited or retired by its creator or an admin;
- a built-in exercise is retired (or brought back) by an admin only; its text
  comes from data/exercises.yaml and is never edited in the app.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.catalogue import (
    CatalogueError,
    CatalogueExercise,
    load_catalogue,
)
from core.db import Database
from core.domain import (
    FREQUENCY_LABELS,
    INTENDED_ROLE_LABELS,
    REPAIR_STEPS,
    STEP_LABELS,
    Role,
)
from core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from core.models import Exercise, ExerciseVersion
from core.queries.exercises import (
    TEXT_FIELDS,
    ExerciseView,
    current_exercises,
    current_version_join,
    exercise_view,
    version_view,
)
from core.schemas import ExerciseIn, parse
from core.services import audit
from core.services.access import Actor, require_active, require_role

CUSTOM_SLUG_PREFIX = "custom-"
SYSTEM_USER = "system"

# --- the built-in catalogue ---


def catalogue_fields(entry: CatalogueExercise) -> dict[str, Any]:
    """What an ExerciseVersion of a catalogue entry holds (including its phase)."""
    return entry.version_fields() | {"phase": entry.phase}


def _stored_fields(version: ExerciseVersion) -> dict[str, Any]:
    fields = {field: getattr(version, field) for field in TEXT_FIELDS}
    fields["instructions"] = list(fields["instructions"])
    fields["prompts"] = list(fields["prompts"])
    return fields


def sync_catalogue(db: Database, path: Path | None = None) -> int:
    """Make the database match the catalogue file; return how many exercises changed.

    - A catalogue exercise that is missing is added (version 1, built in).
    - One whose text differs from its current version gets a new version, and
      `current_version` moves to it; old versions are never edited, since
      assignments point at them.
    - A built-in exercise no longer in the file is retired (kept, because
      assignments may point at it). Retiring or bringing back a built-in that
      is in the file is an admin's decision and is left as it is.

    Idempotent, and cheap when nothing changed: one query, no write. Changes
    are audited as one event by "system".
    """
    catalogue = load_catalogue(path)
    for attempt in range(2):
        try:
            return _sync(db, catalogue)
        except IntegrityError:
            # Another process added the same exercises at the same moment.
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


def _sync(db: Database, catalogue: list[CatalogueExercise]) -> int:
    wanted = {entry.slug: entry for entry in catalogue}
    with db.transaction() as session:
        rows = session.execute(
            select(Exercise, ExerciseVersion)
            .outerjoin(ExerciseVersion, current_version_join())
            .where(Exercise.built_in.is_(True) | Exercise.slug.in_(list(wanted)))
        ).all()
        stored = {exercise.slug: (exercise, version) for exercise, version in rows}
        added: list[str] = []
        updated: list[str] = []
        retired: list[str] = []
        for slug, entry in wanted.items():
            fields = catalogue_fields(entry)
            if slug not in stored:
                exercise = Exercise(slug=slug, built_in=True, retired=False, current_version=1)
                exercise.versions.append(ExerciseVersion(version=1, **fields))
                session.add(exercise)
                added.append(slug)
                continue
            exercise, current = stored[slug]
            if not exercise.built_in:
                raise CatalogueError(
                    f"The catalogue's slug {slug!r} is already used by a custom exercise; "
                    "choose another slug in data/exercises.yaml."
                )
            if current is None or _stored_fields(current) != fields:
                _add_version(session, exercise, fields)
                updated.append(slug)
        for slug, (exercise, _current) in stored.items():
            if exercise.built_in and slug not in wanted and not exercise.retired:
                exercise.retired = True
                retired.append(slug)
        changed = len(added) + len(updated) + len(retired)
        if changed:
            session.flush()
            audit.record(
                session,
                None,
                "exercise_catalogue_synced",
                "exercise",
                None,
                {"added": added, "updated": updated, "retired": retired},
                username=SYSTEM_USER,
            )
    return changed


def _add_version(session: Session, exercise: Exercise, fields: dict[str, Any]) -> ExerciseVersion:
    """A new version after the highest one; the older ones stay as they were."""
    highest = session.scalar(
        select(ExerciseVersion.version)
        .where(ExerciseVersion.exercise_id == exercise.id)
        .order_by(ExerciseVersion.version.desc())
        .limit(1)
    )
    version = ExerciseVersion(exercise_id=exercise.id, version=(highest or 0) + 1, **fields)
    session.add(version)
    exercise.current_version = version.version
    return version


# --- reading ---


def list_exercises(
    db: Database,
    actor: Actor,
    *,
    step: str | None = None,
    role: str | None = None,
    joint: bool | None = None,
    text: str = "",
    include_retired: bool = False,
) -> list[ExerciseView]:
    """Current versions, by repair step then title.

    `role` is an intended role ("hurt", "broke_trust", "both", "either") and
    matches it exactly; `text` searches title, purpose and instructions,
    ignoring case.
    """
    if step is not None and step not in REPAIR_STEPS:
        raise ValidationError(f"There is no repair step {step!r}.")
    where = []
    if step is not None:
        where.append(ExerciseVersion.repair_step == step)
    if role is not None:
        where.append(ExerciseVersion.intended_role == role)
    if joint is not None:
        where.append(ExerciseVersion.joint.is_(joint))
    if not include_retired:
        where.append(Exercise.retired.is_(False))
    with db.read() as session:
        require_active(session, actor)
        views = current_exercises(session, *where)
    if term := text.strip().casefold():
        views = [view for view in views if term in _searchable(view)]
    return views


LIBRARY_COLUMNS = ["id", "title", "step", "for", "kind", "frequency", "minutes", "origin"]


def library_table(views: list[ExerciseView]) -> pd.DataFrame:
    """The library listing as a table, in the order given."""
    return pd.DataFrame(
        [
            {
                "id": view.id,
                "title": view.title + (" (retired)" if view.retired else ""),
                "step": STEP_LABELS[view.repair_step],
                "for": INTENDED_ROLE_LABELS[view.intended_role],
                "kind": "Joint" if view.joint else "Individual",
                "frequency": FREQUENCY_LABELS[view.frequency],
                "minutes": view.minutes,
                "origin": "Built in" if view.built_in else "Custom",
            }
            for view in views
        ],
        columns=LIBRARY_COLUMNS,
    )


def _searchable(view: ExerciseView) -> str:
    return " ".join((view.title, view.purpose, *view.instructions)).casefold()


def get_exercise(db: Database, actor: Actor, exercise_id: int) -> ExerciseView:
    """The current version of one exercise."""
    with db.read() as session:
        require_active(session, actor)
        exercise = _exercise(session, exercise_id)
        return exercise_view(exercise, _current(session, exercise))


def get_version(db: Database, actor: Actor, version_id: int) -> ExerciseView:
    """One exact version, as a couple was given it."""
    with db.read() as session:
        require_active(session, actor)
        return version_view(session, version_id)


def _exercise(session: Session, exercise_id: int) -> Exercise:
    exercise = session.get(Exercise, exercise_id)
    if exercise is None:
        raise NotFound("That exercise does not exist.")
    return exercise


def _current(session: Session, exercise: Exercise) -> ExerciseVersion:
    version = session.scalar(
        select(ExerciseVersion).where(
            ExerciseVersion.exercise_id == exercise.id,
            ExerciseVersion.version == exercise.current_version,
        )
    )
    if version is None:
        raise NotFound(f"The exercise {exercise.slug!r} has no current text.")
    return version


# --- permissions, for services and for the UI to hide what would be refused ---


def may_add(actor: Actor) -> bool:
    return actor.role in (Role.COUNSELLOR, Role.ADMIN)


def may_edit(actor: Actor, exercise: ExerciseView) -> bool:
    return not exercise.built_in and _owns_or_admin(actor, exercise.created_by_id)


def may_retire(actor: Actor, exercise: ExerciseView) -> bool:
    if exercise.built_in:
        return actor.role is Role.ADMIN
    return _owns_or_admin(actor, exercise.created_by_id)


def _owns_or_admin(actor: Actor, creator_id: int | None) -> bool:
    if actor.role is Role.ADMIN:
        return True
    return actor.role is Role.COUNSELLOR and creator_id == actor.id


# --- writing ---


def create_custom(db: Database, actor: Actor, data: ExerciseIn | Mapping[str, Any]) -> ExerciseView:
    """A clinic's own exercise; counsellors and admins only."""
    require_role(actor, Role.COUNSELLOR, Role.ADMIN, doing="add exercises to the library")
    given = parse(ExerciseIn, data)
    with db.transaction() as session:
        require_active(session, actor)
        exercise = Exercise(
            slug=_free_slug(session, given.title),
            built_in=False,
            retired=False,
            current_version=1,
            created_by_id=actor.id,
        )
        exercise.versions.append(ExerciseVersion(version=1, **given.version_fields()))
        session.add(exercise)
        session.flush()
        audit.record(
            session,
            actor,
            "exercise_created",
            "exercise",
            exercise.id,
            {"slug": exercise.slug, "title": given.title},
        )
        return exercise_view(exercise, exercise.versions[0])


def edit_exercise(
    db: Database,
    actor: Actor,
    exercise_id: int,
    data: ExerciseIn | Mapping[str, Any],
    *,
    expected_version: int,
) -> ExerciseView:
    """Save new text as a new version; homework already given keeps the old text."""
    given = parse(ExerciseIn, data)
    try:
        with db.transaction() as session:
            require_active(session, actor)
            exercise = _exercise(session, exercise_id)
            if exercise.built_in:
                raise PermissionDenied(
                    "Built-in exercises come from the clinic's catalogue file and are not "
                    "edited here; add a custom exercise instead."
                )
            _require_owner(actor, exercise, doing="edit")
            current = _current(session, exercise)
            if exercise.current_version != expected_version:
                raise ConflictError(_edited_meanwhile(current.title, exercise.current_version))
            fields = given.version_fields()
            if _stored_fields(current) == fields:
                return exercise_view(exercise, current)
            version = _add_version(session, exercise, fields)
            session.flush()
            audit.record(
                session,
                actor,
                "exercise_edited",
                "exercise",
                exercise.id,
                {"slug": exercise.slug, "version": version.version},
            )
            return exercise_view(exercise, version)
    except IntegrityError:
        # Two edits of the same version at the same moment: the other one took the next
        # version number (unique per exercise) first. The version check's own message.
        with db.read() as session:
            exercise = _exercise(session, exercise_id)
            message = _edited_meanwhile(_current(session, exercise).title, exercise.current_version)
        raise ConflictError(message) from None


def _edited_meanwhile(title: str, version: int) -> str:
    return (
        f"{title!r} was edited by someone else after you opened it "
        f"(it is now at version {version}). Nothing was "
        "overwritten: your text is still in the form; compare and save again."
    )


def set_retired(db: Database, actor: Actor, exercise_id: int, retired: bool) -> ExerciseView:
    """Retire an exercise (no new assignments; existing homework keeps it) or bring it back."""
    with db.transaction() as session:
        require_active(session, actor)
        exercise = _exercise(session, exercise_id)
        if exercise.built_in:
            require_role(actor, Role.ADMIN, doing="retire or restore built-in exercises")
        else:
            _require_owner(actor, exercise, doing="retire or restore")
        current = _current(session, exercise)
        if exercise.retired != retired:
            exercise.retired = retired
            audit.record(
                session,
                actor,
                "exercise_retired" if retired else "exercise_restored",
                "exercise",
                exercise.id,
                {"slug": exercise.slug},
            )
        return exercise_view(exercise, current)


def _require_owner(actor: Actor, exercise: Exercise, *, doing: str) -> None:
    if not _owns_or_admin(actor, exercise.created_by_id):
        raise PermissionDenied(
            f"Only the counsellor who added this exercise, or an administrator, may {doing} it."
        )


def slug_for(title: str) -> str:
    """'My "Trust" walk!' -> 'custom-my-trust-walk'."""
    base = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:60].strip("-")
    return CUSTOM_SLUG_PREFIX + (base or "exercise")


def _free_slug(session: Session, title: str) -> str:
    base = slug_for(title)
    taken = set(
        session.scalars(
            select(Exercise.slug).where((Exercise.slug == base) | Exercise.slug.like(f"{base}-%"))
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"
