"""The exercise library page (pages/library.py), run on its own."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.catalogue import load_catalogue
from core.db import Database
from core.services import exercises, homework
from core.services.access import Actor
from tests.conftest import Team
from tests.homework_support import add_couple, exercise_id, open_concern
from tests.pages.conftest import by_label, open_expander, texts
from tests.pages.homework_pages import LIBRARY, click, run_page

CATALOGUE_SIZE = len(load_catalogue())


@pytest.fixture
def synced(page_db: Database, page_team: Team) -> Database:
    exercises.sync_catalogue(page_db)
    return page_db


def open_library(user: Actor, **query: object) -> AppTest:
    return run_page(LIBRARY, user, **query)


def listed(at: AppTest) -> list[str]:
    return at.dataframe[0].value["title"].tolist()


def fill_new_exercise(at: AppTest, title: str = "Evening walk and talk") -> None:
    if not at.session_state["library_add_open"]:  # the form runs once its section is open
        open_expander(at, "library_add_open")
    at.text_input(key="new_exercise_title").set_value(title)
    at.text_area(key="new_exercise_purpose").set_value("Talk side by side, without screens.")
    at.text_area(key="new_exercise_instructions").set_value("Walk for half an hour.\nTake turns.")
    at.text_area(key="new_exercise_prompts").set_value("What did I share?\nWhat did I hear?")
    at.text_area(key="new_exercise_guidance").set_value("Look for turn-taking.")


def test_empty_library_explains_itself(synced: Database, page_team: Team) -> None:
    for exercise in exercises.list_exercises(synced, page_team.admin):
        exercises.set_retired(synced, page_team.admin, exercise.id, True)
    at = open_library(page_team.alice)
    assert any("every exercise is retired" in i for i in texts(at, "info"))
    assert not at.dataframe


def test_browse_and_filter(synced: Database, page_team: Team) -> None:
    at = open_library(page_team.supervisor)
    assert len(listed(at)) == CATALOGUE_SIZE
    by_label(at.selectbox, "Repair step").set_value("4")
    at.run()
    assert listed(at) == ["Family, friends and social media", "Our new boundaries"]
    by_label(at.selectbox, "Repair step").set_value(None)
    by_label(at.text_input, "Search").set_value("dear man")
    at.run()
    assert listed(at) == ["DEAR MAN conversation plan"]
    by_label(at.text_input, "Search").set_value("")
    by_label(at.selectbox, "Intended for").set_value("hurt")
    by_label(at.radio, "Kind").set_value("individual")
    at.run()
    table = at.dataframe[0].value
    assert set(table["for"]) == {"Hurt partner"} and set(table["kind"]) == {"Individual"}
    by_label(at.text_input, "Search").set_value("nothing like this")
    at.run()
    assert any("No exercise matches" in i for i in texts(at, "info"))


def test_read_an_exercise_in_full(synced: Database, page_team: Team) -> None:
    apology_id = exercise_id(synced, "apology-letter")
    at = open_library(page_team.alice, exercise=apology_id)
    apology = exercises.get_exercise(synced, page_team.alice, apology_id)
    assert at.subheader[0].value == apology.title
    body = texts(at, "markdown")
    assert f"1. {apology.instructions[0]}" in "\n".join(body)
    assert any(f"- {apology.prompts[0]}" in m for m in body)
    assert any(apology.review_guidance in i for i in texts(at, "info"))
    by_label(at.selectbox, "Read an exercise").set_value(exercise_id(synced, "state-of-the-union"))
    at.run()
    assert at.subheader[0].value == "Weekly State of the Union conversation"
    assert any("safety override" in c for c in texts(at, "caption"))


def test_counsellor_adds_a_custom_exercise(synced: Database, page_team: Team) -> None:
    at = open_library(page_team.alice)
    fill_new_exercise(at)
    at = click(at, "Add exercise")
    (created,) = [e for e in exercises.list_exercises(synced, page_team.alice) if not e.built_in]
    assert created.title == "Evening walk and talk"
    assert created.instructions == ("Walk for half an hour.", "Take turns.")
    assert "Added 'Evening walk and talk' to the library." in texts(at, "success")
    assert at.subheader[0].value == "Evening walk and talk"


def test_invalid_custom_exercise_is_explained_and_kept(synced: Database, page_team: Team) -> None:
    at = open_library(page_team.alice)
    fill_new_exercise(at)
    at.text_area(key="new_exercise_prompts").set_value("  ")
    at = click(at, "Add exercise")
    assert any("at least one question" in e for e in texts(at, "error"))
    assert at.text_input(key="new_exercise_title").value == "Evening walk and talk"
    assert len(exercises.list_exercises(synced, page_team.alice)) == CATALOGUE_SIZE


def test_creator_edits_a_custom_exercise(synced: Database, page_team: Team) -> None:
    at = open_library(page_team.alice)
    fill_new_exercise(at)
    click(at, "Add exercise")
    custom = exercises.list_exercises(synced, page_team.alice, text="evening walk")[0]
    at = open_library(page_team.alice, exercise=custom.id)
    assert not [t for t in at.text_area if t.key == f"edit{custom.id}_purpose"]  # closed
    open_expander(at, f"library_edit_open_{custom.id}")
    at.text_area(key=f"edit{custom.id}_purpose").set_value("Walk, then talk.")
    at = click(at, "Save new version")
    current = exercises.get_exercise(synced, page_team.alice, custom.id)
    assert current.version == 2 and current.purpose == "Walk, then talk."
    assert exercises.get_version(synced, page_team.alice, custom.version_id).purpose == (
        "Talk side by side, without screens."
    )
    # Another counsellor reads it but may not edit or retire it.
    other = open_library(page_team.bruno, exercise=custom.id)
    assert not [b for b in other.button if b.label in ("Save new version", "Retire…")]


def test_retiring_needs_confirmation(synced: Database, page_team: Team) -> None:
    apology_id = exercise_id(synced, "apology-letter")
    at = open_library(page_team.admin, exercise=apology_id)
    at = click(at, "Retire…")
    assert any("Retire 'A specific apology letter'?" in w for w in texts(at, "warning"))
    at = click(at, "Cancel")
    assert not exercises.get_exercise(synced, page_team.admin, apology_id).retired
    at = click(open_library(page_team.admin, exercise=apology_id), "Retire…")
    click(at, "Yes, retire")
    assert exercises.get_exercise(synced, page_team.admin, apology_id).retired
    # Retired exercises show only on request, and can be brought back.
    at = open_library(page_team.admin)
    assert "A specific apology letter" not in listed(at)
    by_label(at.checkbox, "Show retired exercises").check()
    at.run()
    assert "A specific apology letter (retired)" in listed(at)
    by_label(at.selectbox, "Read an exercise").set_value(apology_id)
    at.run()
    click(click(at, "Bring back…"), "Yes, bring back")
    assert not exercises.get_exercise(synced, page_team.admin, apology_id).retired


def test_counsellor_cannot_retire_a_built_in(synced: Database, page_team: Team) -> None:
    at = open_library(page_team.alice, exercise=exercise_id(synced, "apology-letter"))
    assert not [b for b in at.button if b.label == "Retire…"]
    assert not [e for e in at.expander if e.label == "Edit this exercise"]


def test_supervisor_reads_only(synced: Database, page_team: Team) -> None:
    at = open_library(page_team.supervisor)
    labels = {e.label for e in at.expander}
    assert "Add a custom exercise" not in labels and "Edit this exercise" not in labels
    assert not [b for b in at.button if b.label in ("Retire…", "Assign")]
    assert "Assign to a couple" not in [s.value for s in at.subheader]


def test_assign_to_a_couple_from_the_library(synced: Database, page_team: Team) -> None:
    kit = add_couple(synced, page_team.alice)
    at = open_library(page_team.alice, exercise=exercise_id(synced, "state-of-the-union"))
    assert by_label(at.selectbox, "Couple").options == ["C-0001 · Kit & Lou"]
    talk_id = exercise_id(synced, "state-of-the-union")
    at.text_area(key=f"library_assign_{kit.id}_{talk_id}_note").set_value("Sunday evening.")
    at = click(at, "Assign")
    assert any("Assigned 'Weekly State of the Union" in s for s in texts(at, "success"))
    (given,) = homework.couple_assignments(synced, page_team.alice, kit.id)
    assert given.exercise_title == "Weekly State of the Union conversation"
    assert given.personal_note == "Sunday evening."


def test_library_assign_goes_through_the_safety_gate(synced: Database, page_team: Team) -> None:
    kit = add_couple(synced, page_team.alice)
    open_concern(synced, page_team.alice, kit.id)
    talk_id = exercise_id(synced, "state-of-the-union")
    at = click(open_library(page_team.alice, exercise=talk_id), "Assign")
    assert any("open safety concern" in e for e in texts(at, "error"))
    at.text_area(key=f"library_assign_{kit.id}_{talk_id}_override").set_value("Risk reviewed.")
    click(at, "Assign with override")
    (given,) = homework.couple_assignments(synced, page_team.alice, kit.id)
    assert given.safety_override_reason == "Risk reviewed."


def test_counsellor_without_open_couples(synced: Database, page_team: Team) -> None:
    at = open_library(page_team.bruno, exercise=exercise_id(synced, "state-of-the-union"))
    assert any("no open couples" in i for i in texts(at, "info"))
