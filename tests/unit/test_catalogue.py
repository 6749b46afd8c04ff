"""The exercise catalogue (core.catalogue + data/exercises.yaml): no database needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.catalogue import (
    DEFAULT_PATH,
    CatalogueError,
    CatalogueExercise,
    load_catalogue,
    steps_covered,
)
from core.config import PROJECT_ROOT
from core.domain import REPAIR_STEPS
from core.errors import ValidationError
from core.models import ExerciseVersion

CATALOGUE = load_catalogue()
BY_SLUG = {exercise.slug: exercise for exercise in CATALOGUE}


def _valid_entry(slug: str = "sample-exercise", **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "slug": slug,
        "title": "A sample exercise",
        "repair_step": "3",
        "intended_role": "either",
        "joint": False,
        "asks_vulnerability": False,
        "frequency": "daily",
        "minutes": 10,
        "purpose": "Practise something small.",
        "instructions": ["Do one thing.", "Do another thing.", "Write it down."],
        "prompts": ["What did I notice?", "What will I try next?"],
        "review_guidance": "Look for honest entries.",
        "phase": "meaning",
    }
    entry.update(changes)
    return entry


def _write(tmp_path: Path, document: Any, name: str = "clinic-exercises.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _refused(path: Path) -> str:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    message = str(caught.value)
    assert path.name in message
    return message


def _find(*keywords: str) -> CatalogueExercise:
    """The one exercise whose slug or title contains all `keywords`."""
    matches = [
        exercise
        for exercise in CATALOGUE
        if all(word in f"{exercise.slug} {exercise.title}".lower() for word in keywords)
    ]
    assert len(matches) == 1, f"{keywords}: {[e.slug for e in matches]}"
    return matches[0]


# --- the built-in catalogue --------------------------------------------------------------


def test_built_in_catalogue_loads_with_enough_entries() -> None:
    assert len(CATALOGUE) >= 20
    assert all(isinstance(exercise, CatalogueExercise) for exercise in CATALOGUE)


def test_every_repair_step_and_the_joint_work_is_covered() -> None:
    assert REPAIR_STEPS == ("1", "2", "3", "4", "5", "together")
    assert steps_covered(CATALOGUE) == set(REPAIR_STEPS)


def test_slugs_are_unique() -> None:
    assert len(BY_SLUG) == len(CATALOGUE)


def test_default_load_is_cached_but_returns_a_fresh_list() -> None:
    first, second = load_catalogue(), load_catalogue()
    assert first == second
    assert first is not second
    assert load_catalogue(DEFAULT_PATH) == first


@pytest.mark.parametrize(
    ("keywords", "step", "role", "joint", "frequency"),
    [
        (("apology", "letter"), "1", "broke_trust", False, "once"),
        (("dear", "man"), "3", "hurt", False, "once"),
        (("five", "c"), "together", "both", True, "weekly"),
        (("needs",), "2", "hurt", False, "once"),
        (("perspective",), "2", "broke_trust", False, "once"),
        (("boundar",), "4", "both", True, "once"),
        (("kept", "promises"), "5", "broke_trust", False, "daily"),
        (("i", "statement"), "3", "either", False, "daily"),
        (("self-care", "support"), "2", "hurt", False, "weekly"),
        (("state", "union"), "together", "both", True, "weekly"),
    ],
)
def test_named_exercises_exist_with_their_clinical_shape(
    keywords: tuple[str, ...], step: str, role: str, joint: bool, frequency: str
) -> None:
    exercise = _find(*keywords)
    assert (exercise.repair_step, exercise.intended_role) == (step, role)
    assert (exercise.joint, exercise.frequency) == (joint, frequency)


def test_cooling_off_agreement_is_early_work() -> None:
    exercise = _find("cooling-off")
    assert exercise.repair_step in {"2", "together"}
    assert exercise.phase == "impact"
    assert "decision" in exercise.title.lower()


@pytest.mark.parametrize(
    "keywords",
    [
        ("trigger",),
        ("transparency",),
        ("answering", "questions"),
        ("love-maps",),
        ("new-memories",),
        ("future-vision",),
        ("forgiveness",),
        ("vulnerability-practice",),
        ("what-led-here",),
    ],
)
def test_further_exercises_exist(keywords: tuple[str, ...]) -> None:
    _find(*keywords)


def test_joint_work_covers_reflection_reconnection_memories_future_and_vulnerability() -> None:
    together = {e.slug for e in CATALOGUE if e.repair_step == "together"}
    assert {
        "what-led-here",
        "love-maps-reconnection",
        "new-memories-date-plan",
        "future-vision-letter",
        "vulnerability-practice",
        "state-of-the-union",
        "five-cs-trust-check-in",
    } <= together


def test_five_cs_check_in_names_all_five_cs() -> None:
    text = " ".join(_find("five", "c").instructions).lower()
    for word in ("care", "communication", "character", "consistency", "competence"):
        assert word in text


def test_dear_man_plan_walks_through_every_skill() -> None:
    text = " ".join(_find("dear", "man").instructions).lower()
    for word in ("describe", "express", "assert", "reinforce", "mindful", "confident", "negotiate"):
        assert word in text


def test_trigger_plan_warns_against_we_were_past_this() -> None:
    assert "we were past this" in " ".join(_find("trigger").instructions).lower()


def test_forgiveness_is_release_not_approval_or_forgetting() -> None:
    exercise = _find("forgiveness")
    text = f"{exercise.title} {exercise.purpose}".lower()
    assert "release" in text
    assert "forget" in text


# --- safety-relevant flags ---------------------------------------------------------------


def test_joint_conversations_where_the_hurt_partner_opens_up_are_flagged() -> None:
    for slug in (
        "honest-answers-session",
        "listening-without-defending",
        "trigger-plan",
        "five-cs-trust-check-in",
        "what-led-here",
        "vulnerability-practice",
        "state-of-the-union",
    ):
        assert BY_SLUG[slug].asks_vulnerability, slug


def test_individual_self_care_and_logs_do_not_ask_vulnerability() -> None:
    for slug in ("self-care-support-plan", "kept-promises-log", "apology-letter"):
        assert not BY_SLUG[slug].asks_vulnerability, slug
        assert not BY_SLUG[slug].joint, slug


def test_only_shared_exercises_are_for_both_partners_jointly() -> None:
    for exercise in CATALOGUE:
        if exercise.intended_role in {"hurt", "broke_trust", "either"}:
            assert not exercise.joint, exercise.slug


# --- text sanity -------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", CATALOGUE, ids=lambda e: e.slug)
def test_text_is_finished_and_well_formed(exercise: CatalogueExercise) -> None:
    text = " ".join([exercise.purpose, *exercise.instructions, exercise.review_guidance])
    assert "TODO" not in text.upper()
    assert "TBD" not in text.upper()
    assert len(exercise.title) <= 120
    assert 5 <= exercise.minutes <= 120
    assert 3 <= len(exercise.instructions) <= 8
    assert 2 <= len(exercise.prompts) <= 6
    assert all(prompt.endswith("?") for prompt in exercise.prompts)
    assert not any(step[:1].isdigit() for step in exercise.instructions)


@pytest.mark.parametrize("exercise", CATALOGUE, ids=lambda e: e.slug)
def test_fields_map_onto_exercise_version_columns(exercise: CatalogueExercise) -> None:
    fields = exercise.version_fields()
    columns = set(ExerciseVersion.__table__.columns.keys())
    assert set(fields) <= columns
    assert fields["instructions"] == list(exercise.instructions)
    version = ExerciseVersion(version=1, **fields)
    assert version.title == exercise.title


def test_file_says_its_text_is_original_to_mend() -> None:
    header = DEFAULT_PATH.read_text(encoding="utf-8").splitlines()[:5]
    assert any("original to Mend" in line for line in header)


def test_command_line_load_prints_the_count() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from core.catalogue import load_catalogue; c = load_catalogue(); print(len(c))",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert int(result.stdout.strip()) >= 18


# --- explicit paths and broken files -----------------------------------------------------


def test_an_explicit_valid_file_loads_fresh_each_time(tmp_path: Path) -> None:
    path = _write(tmp_path, {"exercises": [_valid_entry()]})
    assert [e.slug for e in load_catalogue(path)] == ["sample-exercise"]
    _write(tmp_path, {"exercises": [_valid_entry(), _valid_entry("second-one")]})
    assert [e.slug for e in load_catalogue(path)] == ["sample-exercise", "second-one"]


def test_numeric_repair_step_is_read_as_text(tmp_path: Path) -> None:
    path = _write(tmp_path, {"exercises": [_valid_entry(repair_step=4)]})
    assert load_catalogue(path)[0].repair_step == "4"


def test_catalogue_error_is_a_validation_error() -> None:
    assert issubclass(CatalogueError, ValidationError)


def test_missing_field_names_file_entry_and_field(tmp_path: Path) -> None:
    broken = _valid_entry("no-purpose")
    del broken["purpose"]
    path = _write(tmp_path, {"exercises": [_valid_entry(), broken]})
    message = _refused(path)
    assert "entry 2" in message
    assert "'no-purpose'" in message
    assert "'purpose'" in message
    assert "missing" in message


def test_wrong_repair_step_names_file_entry_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, {"exercises": [_valid_entry("step-six", repair_step="6")]})
    message = _refused(path)
    assert "entry 1 (slug 'step-six')" in message
    assert "'repair_step'" in message


def test_duplicate_slug_names_both_positions(tmp_path: Path) -> None:
    entries = [_valid_entry("same"), _valid_entry("other"), _valid_entry("same")]
    message = _refused(_write(tmp_path, {"exercises": entries}))
    assert "entry 1 and entry 3" in message
    assert "'same'" in message
    assert "'slug'" in message


def test_empty_exercise_list_is_refused(tmp_path: Path) -> None:
    assert "empty" in _refused(_write(tmp_path, {"exercises": []}))


@pytest.mark.parametrize("document", [None, {"items": []}, ["a", "b"], {"exercises": "none"}])
def test_missing_exercise_list_is_refused(tmp_path: Path, document: Any) -> None:
    assert "'exercises'" in _refused(_write(tmp_path, document))


def test_invalid_yaml_syntax_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("exercises:\n  - slug: [unclosed\n    title: x\n", encoding="utf-8")
    message = _refused(path)
    assert "not valid YAML" in message
    assert "line" in message


def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    assert "cannot read" in _refused(tmp_path / "does-not-exist.yaml")


def test_non_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00\x81 not text")
    _refused(path)


def test_entry_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    message = _refused(_write(tmp_path, {"exercises": [_valid_entry(), "just text"]}))
    assert "entry 2" in message


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "Not Kebab"}, "slug"),
        ({"slug": "double--dash"}, "slug"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"intended_role": "partner"}, "intended_role"),
        ({"joint": "yes please"}, "joint"),
        ({"asks_vulnerability": 1}, "asks_vulnerability"),
        ({"frequency": "monthly"}, "frequency"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 241}, "minutes"),
        ({"minutes": "ten"}, "minutes"),
        ({"purpose": ""}, "purpose"),
        ({"instructions": ["Only one.", "Two."]}, "instructions"),
        ({"instructions": ["One.", "", "Three."]}, "instructions"),
        ({"prompts": ["Just one?"]}, "prompts"),
        ({"prompts": [f"Q{i}?" for i in range(7)]}, "prompts"),
        ({"review_guidance": None}, "review_guidance"),
        ({"phase": "later"}, "phase"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_malformed_field_is_named(tmp_path: Path, changes: dict[str, Any], field: str) -> None:
    broken = {**_valid_entry("bad-one"), **changes}
    path = _write(tmp_path, {"exercises": [_valid_entry(), broken]})
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    message = str(caught.value)
    assert path.name in message
    assert "entry 2" in message
    assert f"'{field}" in message
    assert any(key.startswith(field) for key in caught.value.field_errors)
