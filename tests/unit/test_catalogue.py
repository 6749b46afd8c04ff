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
    catalogue_tags,
    load_catalogue,
    steps_covered,
)
from core.config import PROJECT_ROOT
from core.domain import (
    NUMBERED_STEPS,
    PHASE_STEPS,
    RELATIONSHIP_WORK_TAGS,
    REPAIR_STEPS,
    SAFETY_WORK_TAGS,
)
from core.errors import ValidationError
from core.homework_rules import default_tags, is_gated
from core.measures import FIVE_CS
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
        "tags": ["repair"],
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
        (("i", "statement"), "3", "both", True, "daily"),
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
    path = _write(tmp_path, {"exercises": [_valid_entry(repair_step=4, phase="moving_on")]})
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
        ({"tags": []}, "tags"),
        ({"tags": ["hope"]}, "tags"),
        ({"tags": ["repair", "repair"]}, "tags"),
        ({"tags": "repair"}, "tags"),
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


def test_tags_are_required(tmp_path: Path) -> None:
    untagged = _valid_entry("no-tags")
    del untagged["tags"]
    message = _refused(_write(tmp_path, {"exercises": [untagged]}))
    assert "'tags'" in message and "missing" in message


# --- rules between fields (issue 9: the suggestion rules rely on them) -------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"repair_step": "2", "phase": "moving_on"}, "phase", "impact or meaning"),
        ({"repair_step": "1", "phase": "meaning"}, "phase", "impact"),
        ({"repair_step": "4", "phase": "impact"}, "phase", "moving_on"),
        ({"asks_vulnerability": True}, "tags", "asks_vulnerability"),
        ({"tags": ["repair", "vulnerability"]}, "tags", "asks_vulnerability"),
        ({"tags": ["safety"], "joint": True, "intended_role": "both"}, "tags", "individual"),
        (
            {"tags": ["support", "vulnerability"], "asks_vulnerability": True},
            "tags",
            "individual",
        ),
        ({"tags": ["support", "repair"]}, "tags", "cannot also be repair"),
        ({"tags": ["de_escalation", "decision"]}, "tags", "cannot also be decision"),
    ],
)
def test_fields_that_disagree_are_refused(
    tmp_path: Path, changes: dict[str, Any], field: str, words: str
) -> None:
    message = _refused(_write(tmp_path, {"exercises": [_valid_entry("odd-one", **changes)]}))
    assert f"'{field}'" in message and words in message


@pytest.mark.parametrize("step", ["together", "1", "2", "3", "4", "5"])
def test_every_step_has_a_phase_that_fits(tmp_path: Path, step: str) -> None:
    phase = next(p for p, steps in PHASE_STEPS.items() if step in steps)
    path = _write(tmp_path, {"exercises": [_valid_entry(repair_step=step, phase=phase)]})
    assert load_catalogue(path)[0].phase == phase


@pytest.mark.parametrize("exercise", CATALOGUE, ids=lambda e: e.slug)
def test_step_and_phase_agree_and_tags_are_consistent(exercise: CatalogueExercise) -> None:
    if exercise.repair_step in NUMBERED_STEPS:
        assert exercise.repair_step in PHASE_STEPS[exercise.phase]
    tags = set(exercise.tags)
    assert ("vulnerability" in tags) is exercise.asks_vulnerability
    if tags & SAFETY_WORK_TAGS:
        assert not is_gated(exercise) and not tags & RELATIONSHIP_WORK_TAGS


def test_tags_are_not_stored_on_a_version_and_are_looked_up_by_slug() -> None:
    assert "tags" not in BY_SLUG["apology-letter"].version_fields()
    tags = catalogue_tags()
    assert set(tags) == set(BY_SLUG)
    assert tags["apology-letter"] == {"repair", "apology"}
    assert default_tags(False) == {"repair"}
    assert default_tags(True) == {"repair", "vulnerability"}


def test_forgiveness_is_moving_on_work_with_a_consistent_step() -> None:
    exercise = BY_SLUG["forgiveness-reflection"]
    assert (exercise.repair_step, exercise.phase) == ("together", "moving_on")
    assert not exercise.joint and exercise.intended_role == "hurt"
    assert "forgiveness" in exercise.tags and "moving-on" in exercise.purpose


def test_i_statement_check_in_is_a_joint_daily_exchange_and_therefore_gated() -> None:
    exercise = BY_SLUG["i-statement-check-in"]
    assert exercise.joint and exercise.intended_role == "both"
    assert exercise.frequency == "daily" and is_gated(exercise)


def test_five_cs_exercise_uses_the_instruments_own_statements() -> None:
    text = " ".join(_find("five", "c").instructions)
    for item in FIVE_CS.items:
        name, statement = item.text.split(": ", 1)
        assert name.lower() == item.key
        assert f'{item.key}, "{statement}"' in text, item.key


# --- safety work (issue 9 deliver 5) -----------------------------------------------------


def test_safety_plan_is_individual_work_with_the_counsellor() -> None:
    plan = BY_SLUG["personal-safety-plan"]
    assert not plan.joint and not plan.asks_vulnerability and plan.intended_role == "either"
    assert "safety" in plan.tags and plan.phase == "impact"
    assert "counsellor" in plan.title.lower()
    assert "individual session" in " ".join(plan.instructions)
    assert "Stanley-Brown" in plan.purpose  # the model it comes from


def test_time_out_plan_is_de_escalation_planned_individually() -> None:
    plan = BY_SLUG["time-out-plan"]
    assert not is_gated(plan) and plan.intended_role == "both"
    assert "de_escalation" in plan.tags and plan.phase == "impact"
    assert "Gottman" in plan.purpose and "twenty minutes" in plan.purpose
    assert "permission" in plan.review_guidance


def test_discernment_is_a_stay_or_leave_decision_for_the_moving_on_phase() -> None:
    exercise = BY_SLUG["stay-or-leave-discernment"]
    assert exercise.tags == ("decision",) and exercise.phase == "moving_on"
    assert not is_gated(exercise) and exercise.intended_role == "both"
    assert "Doherty" in exercise.purpose
    assert "coercive control" in exercise.review_guidance


def test_safety_work_is_covered_by_the_catalogue() -> None:
    tags = {tag for exercise in CATALOGUE for tag in exercise.tags}
    assert {"safety", "de_escalation", "support", "decision", "stabilising"} <= tags
