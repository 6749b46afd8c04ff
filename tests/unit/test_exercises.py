"""The exercise library: catalogue sync, browsing, custom exercises and their versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from core.catalogue import DEFAULT_PATH, CatalogueError, load_catalogue
from core.db import Database
from core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from core.models import AuditEvent, Exercise, ExerciseVersion
from core.schemas import ExerciseIn
from core.services import exercises
from core.services.exercises import slug_for
from tests.conftest import Team
from tests.homework_support import audit_actions, count, exercise_id

CATALOGUE = load_catalogue()


def custom_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "title": "Evening walk and talk",
        "repair_step": "3",
        "intended_role": "either",
        "joint": False,
        "asks_vulnerability": False,
        "frequency": "weekly",
        "minutes": 30,
        "purpose": "Practise talking side by side, without screens.",
        "instructions": "1. Walk for half an hour.\n2) Take turns to talk.\n\n- Write a line.",
        "prompts": "What did I share?\nWhat did I hear?",
        "review_guidance": "Look for turn-taking.",
        "phase": "meaning",
    }
    form.update(changes)
    return form


def write_catalogue(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    path = tmp_path / "exercises.yaml"
    path.write_text(yaml.safe_dump({"exercises": entries}, sort_keys=False), encoding="utf-8")
    return path


def catalogue_entries() -> list[dict[str, Any]]:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))["exercises"]


@pytest.fixture
def synced(db: Database, team: Team) -> Database:
    exercises.sync_catalogue(db)
    return db


# --- catalogue sync ---


def test_sync_adds_every_built_in_exercise_once_and_audits_as_system(
    db: Database, team: Team
) -> None:
    assert exercises.sync_catalogue(db) == len(CATALOGUE)
    assert count(db, Exercise) == len(CATALOGUE)
    assert count(db, ExerciseVersion) == len(CATALOGUE)
    with db.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "exercise_catalogue_synced")
        ).one()
        stored = session.scalars(select(Exercise)).all()
    assert event.actor_id is None and event.actor_username == "system"
    assert len(json.loads(event.detail)["added"]) == len(CATALOGUE)
    assert all(e.built_in and not e.retired and e.current_version == 1 for e in stored)


def test_sync_stores_the_catalogue_text_and_phase(synced: Database, team: Team) -> None:
    apology = exercises.get_exercise(synced, team.alice, exercise_id(synced, "apology-letter"))
    entry = next(e for e in CATALOGUE if e.slug == "apology-letter")
    assert apology.title == entry.title
    assert apology.instructions == entry.instructions
    assert apology.prompts == entry.prompts
    assert apology.phase == "impact"
    assert apology.built_in and apology.version == 1


def test_sync_is_idempotent(synced: Database) -> None:
    before = audit_actions(synced)
    assert exercises.sync_catalogue(synced) == 0
    assert exercises.sync_catalogue(synced) == 0
    assert count(synced, ExerciseVersion) == len(CATALOGUE)
    assert audit_actions(synced) == before


def test_changed_text_becomes_a_new_version_and_the_old_one_stays(
    synced: Database, team: Team, tmp_path: Path
) -> None:
    entries = catalogue_entries()
    entries[0]["title"] = "A specific apology letter (revised)"
    entries[0]["prompts"] = [*entries[0]["prompts"], "What will I do differently tomorrow?"]
    path = write_catalogue(tmp_path, entries)
    apology_id = exercise_id(synced, "apology-letter")
    first = exercises.get_exercise(synced, team.alice, apology_id)

    assert exercises.sync_catalogue(synced, path) == 1
    current = exercises.get_exercise(synced, team.alice, apology_id)
    assert current.version == 2 and current.title.endswith("(revised)")
    assert len(current.prompts) == len(first.prompts) + 1
    old = exercises.get_version(synced, team.alice, first.version_id)
    assert old.title == "A specific apology letter" and old.prompts == first.prompts
    assert not old.is_current
    assert exercises.sync_catalogue(synced, path) == 0
    assert audit_actions(synced).count("exercise_catalogue_synced") == 2


def test_a_built_in_removed_from_the_file_is_retired_not_deleted(
    synced: Database, team: Team, tmp_path: Path
) -> None:
    path = write_catalogue(tmp_path, catalogue_entries()[1:])
    assert exercises.sync_catalogue(synced, path) == 1
    apology = exercises.get_exercise(synced, team.alice, exercise_id(synced, "apology-letter"))
    assert apology.retired
    assert count(synced, Exercise) == len(CATALOGUE)


def test_sync_keeps_an_admins_retirement(synced: Database, team: Team) -> None:
    apology_id = exercise_id(synced, "apology-letter")
    exercises.set_retired(synced, team.admin, apology_id, True)
    assert exercises.sync_catalogue(synced) == 0
    assert exercises.get_exercise(synced, team.alice, apology_id).retired


def test_catalogue_slug_taken_by_a_custom_exercise_is_refused(
    synced: Database, team: Team, tmp_path: Path
) -> None:
    custom = exercises.create_custom(synced, team.alice, custom_form(title="Trust walk"))
    entry = {**catalogue_entries()[0], "slug": custom.slug}
    path = write_catalogue(tmp_path, [*catalogue_entries(), entry])
    with pytest.raises(CatalogueError, match="custom exercise"):
        exercises.sync_catalogue(synced, path)


# --- browsing ---


def test_list_shows_current_versions_by_step(synced: Database, team: Team) -> None:
    listed = exercises.list_exercises(synced, team.supervisor)
    assert len(listed) == len(CATALOGUE)
    steps = [view.repair_step for view in listed]
    assert steps == sorted(steps, key=["1", "2", "3", "4", "5", "together"].index)


def test_list_filters_by_step_role_kind_and_text(synced: Database, team: Team) -> None:
    step_four = exercises.list_exercises(synced, team.alice, step="4")
    assert {v.slug for v in step_four} == {"boundary-agreement", "outside-relationships-agreement"}
    hurt = exercises.list_exercises(synced, team.alice, role="hurt")
    assert hurt and all(v.intended_role == "hurt" for v in hurt)
    individual = exercises.list_exercises(synced, team.alice, joint=False)
    assert individual and not any(v.joint for v in individual)
    joint_step_two = exercises.list_exercises(synced, team.alice, step="2", joint=True)
    assert all(v.joint and v.repair_step == "2" for v in joint_step_two)
    assert [v.slug for v in exercises.list_exercises(synced, team.alice, text="DEAR MAN")] == [
        "dear-man-conversation-plan"
    ]


def test_text_search_reads_the_instructions_too(synced: Database, team: Team) -> None:
    apology = exercises.get_exercise(synced, team.alice, exercise_id(synced, "apology-letter"))
    phrase = apology.instructions[0].split()[1:4]
    found = exercises.list_exercises(synced, team.alice, text=" ".join(phrase).upper())
    assert "apology-letter" in {v.slug for v in found}
    assert exercises.list_exercises(synced, team.alice, text="no such words anywhere") == []


def test_retired_exercises_are_hidden_unless_asked_for(synced: Database, team: Team) -> None:
    apology_id = exercise_id(synced, "apology-letter")
    exercises.set_retired(synced, team.admin, apology_id, True)
    assert apology_id not in {v.id for v in exercises.list_exercises(synced, team.alice)}
    everything = exercises.list_exercises(synced, team.alice, include_retired=True)
    assert apology_id in {v.id for v in everything}


def test_unknown_step_and_exercise_are_refused(synced: Database, team: Team) -> None:
    with pytest.raises(ValidationError, match="repair step"):
        exercises.list_exercises(synced, team.alice, step="9")
    with pytest.raises(NotFound):
        exercises.get_exercise(synced, team.alice, 9999)
    with pytest.raises(NotFound):
        exercises.get_version(synced, team.alice, 9999)


# --- custom exercises ---


def test_counsellor_adds_a_custom_exercise(synced: Database, team: Team) -> None:
    created = exercises.create_custom(synced, team.alice, custom_form())
    assert created.slug == "custom-evening-walk-and-talk"
    assert not created.built_in and created.version == 1
    assert created.created_by_id == team.alice.id
    assert created.instructions == (
        "Walk for half an hour.",
        "Take turns to talk.",
        "Write a line.",
    )
    assert created.prompts == ("What did I share?", "What did I hear?")
    assert "exercise_created" in audit_actions(synced)
    assert created.id in {v.id for v in exercises.list_exercises(synced, team.bruno)}


def test_custom_slugs_stay_unique(synced: Database, team: Team) -> None:
    first = exercises.create_custom(synced, team.alice, custom_form())
    second = exercises.create_custom(synced, team.bruno, custom_form())
    third = exercises.create_custom(synced, team.admin, custom_form())
    assert [first.slug, second.slug, third.slug] == [
        "custom-evening-walk-and-talk",
        "custom-evening-walk-and-talk-2",
        "custom-evening-walk-and-talk-3",
    ]
    assert slug_for("  ¡¡ ") == "custom-exercise"


def test_supervisor_may_not_add_exercises(synced: Database, team: Team) -> None:
    with pytest.raises(PermissionDenied):
        exercises.create_custom(synced, team.supervisor, custom_form())
    assert not exercises.may_add(team.supervisor)
    assert exercises.may_add(team.alice) and exercises.may_add(team.admin)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "Title is required"),
        ({"instructions": "\n  \n"}, "at least one step"),
        ({"prompts": ""}, "at least one question"),
        ({"prompts": "Same?\nSame?"}, "each one must be different"),
        ({"minutes": 0}, "Minutes"),
        ({"repair_step": "7"}, "Repair step"),
    ],
)
def test_invalid_custom_exercise_is_explained(
    synced: Database, team: Team, changes: dict[str, Any], message: str
) -> None:
    before = count(synced, Exercise)
    with pytest.raises(ValidationError, match=message):
        exercises.create_custom(synced, team.alice, custom_form(**changes))
    assert count(synced, Exercise) == before


def test_editing_adds_a_version_and_keeps_the_old_text(synced: Database, team: Team) -> None:
    created = exercises.create_custom(synced, team.alice, custom_form())
    edited = exercises.edit_exercise(
        synced,
        team.alice,
        created.id,
        custom_form(purpose="Talk while walking, side by side."),
        expected_version=1,
    )
    assert edited.version == 2 and edited.purpose == "Talk while walking, side by side."
    assert exercises.get_version(synced, team.alice, created.version_id).purpose.startswith(
        "Practise talking"
    )
    assert exercises.get_exercise(synced, team.alice, created.id).version == 2
    assert "exercise_edited" in audit_actions(synced)


def test_saving_unchanged_text_adds_no_version(synced: Database, team: Team) -> None:
    created = exercises.create_custom(synced, team.alice, custom_form())
    same = exercises.edit_exercise(
        synced, team.alice, created.id, created.as_form(), expected_version=1
    )
    assert same.version == 1
    assert "exercise_edited" not in audit_actions(synced)


def test_stale_edit_is_a_conflict_and_changes_nothing(synced: Database, team: Team) -> None:
    created = exercises.create_custom(synced, team.alice, custom_form())
    exercises.edit_exercise(
        synced, team.admin, created.id, custom_form(minutes=40), expected_version=1
    )
    with pytest.raises(ConflictError, match="edited by someone else"):
        exercises.edit_exercise(
            synced, team.alice, created.id, custom_form(minutes=50), expected_version=1
        )
    current = exercises.get_exercise(synced, team.alice, created.id)
    assert current.version == 2 and current.minutes == 40


def test_only_the_creator_or_an_admin_edits_a_custom_exercise(synced: Database, team: Team) -> None:
    created = exercises.create_custom(synced, team.alice, custom_form())
    for outsider in (team.bruno, team.supervisor):
        assert not exercises.may_edit(outsider, created)
        with pytest.raises(PermissionDenied):
            exercises.edit_exercise(
                synced, outsider, created.id, custom_form(minutes=5), expected_version=1
            )
    assert exercises.may_edit(team.admin, created) and exercises.may_edit(team.alice, created)
    exercises.edit_exercise(
        synced, team.admin, created.id, custom_form(minutes=5), expected_version=1
    )


def test_built_in_exercises_are_not_edited_in_the_app(synced: Database, team: Team) -> None:
    apology = exercises.get_exercise(synced, team.admin, exercise_id(synced, "apology-letter"))
    assert not exercises.may_edit(team.admin, apology)
    with pytest.raises(PermissionDenied, match="Built-in"):
        exercises.edit_exercise(
            synced, team.admin, apology.id, apology.as_form(), expected_version=1
        )


def test_retiring_a_custom_exercise(synced: Database, team: Team) -> None:
    created = exercises.create_custom(synced, team.alice, custom_form())
    with pytest.raises(PermissionDenied):
        exercises.set_retired(synced, team.bruno, created.id, True)
    with pytest.raises(PermissionDenied):
        exercises.set_retired(synced, team.supervisor, created.id, True)
    assert exercises.set_retired(synced, team.alice, created.id, True).retired
    assert not exercises.set_retired(synced, team.admin, created.id, False).retired
    actions = audit_actions(synced)
    assert actions[-2:] == ["exercise_retired", "exercise_restored"]
    exercises.set_retired(synced, team.alice, created.id, False)
    assert audit_actions(synced) == actions  # no change, nothing audited


def test_only_an_admin_retires_a_built_in(synced: Database, team: Team) -> None:
    apology = exercises.get_exercise(synced, team.alice, exercise_id(synced, "apology-letter"))
    assert not exercises.may_retire(team.alice, apology)
    assert exercises.may_retire(team.admin, apology)
    with pytest.raises(PermissionDenied, match="admin"):
        exercises.set_retired(synced, team.alice, apology.id, True)
    assert exercises.set_retired(synced, team.admin, apology.id, True).retired


def test_exercise_in_accepts_lists_too() -> None:
    parsed = ExerciseIn.model_validate(
        custom_form(instructions=["  Walk.", "2) Talk."], prompts=("One?", " Two? "))
    )
    assert parsed.instructions == ["Walk.", "Talk."]
    assert parsed.prompts == ["One?", "Two?"]
