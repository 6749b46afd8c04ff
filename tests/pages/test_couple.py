from __future__ import annotations

from core.db import Database
from core.domain import CoupleStatus
from core.services import couples
from tests.conftest import Team, intake_form
from tests.pages.conftest import OpenApp, texts

COUPLE = "pages/couple.py"


def open_couple(open_app: OpenApp, user, case: str = "C-0001", **query):  # type: ignore[no-untyped-def]
    return open_app(user, COUPLE, case=case, **query)


def click(at, label: str):  # type: ignore[no-untyped-def]
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_header_shows_the_essentials(open_app: OpenApp, page_team: Team, page_db: Database) -> None:
    couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_couple(open_app, page_team.alice)
    assert at.title[0].value == "C-0001 · Kit & Lou"
    body = " ".join(m.value for m in at.markdown)
    assert "Partner A: Kit" in body and "Hurt partner" in body
    assert "Lying or deception about money" in body


def test_other_counsellor_is_refused(open_app: OpenApp, page_team: Team, page_db: Database) -> None:
    couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_couple(open_app, page_team.bruno)
    assert texts(at, "error") == ["There is no couple with case code 'C-0001' that you may open."]
    assert "Kit" not in " ".join(m.value for m in at.markdown)


def test_status_change_needs_confirmation(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_couple(open_app, page_team.alice, tab="Status")
    at.radio[-1].set_value(CoupleStatus.ACTIVE)
    at = click(at, "Continue…")
    assert any("Mark active C-0001?" in w for w in texts(at, "warning"))
    assert couples.get_couple(page_db, page_team.alice, 1).status is CoupleStatus.INTAKE
    at = click(at, "Yes, mark active")
    assert couples.get_couple(page_db, page_team.alice, 1).status is CoupleStatus.ACTIVE


def test_cancel_changes_nothing(open_app: OpenApp, page_team: Team, page_db: Database) -> None:
    couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_couple(open_app, page_team.alice, tab="Status")
    at.radio[-1].set_value(CoupleStatus.CLOSED)
    at.text_area[-1].set_value("Moved away")
    at = click(at, "Continue…")
    at = click(at, "Cancel")
    assert couples.get_couple(page_db, page_team.alice, 1).status is CoupleStatus.INTAKE


def test_closing_without_reason_is_explained(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_couple(open_app, page_team.alice, tab="Status")
    at.radio[-1].set_value(CoupleStatus.CLOSED)
    at = click(at, "Continue…")
    at = click(at, "Yes, close case")
    assert any("Closing a case needs a reason" in e for e in texts(at, "error"))
    assert couples.get_couple(page_db, page_team.alice, 1).status is CoupleStatus.INTAKE


def test_edit_details_saves(open_app: OpenApp, page_team: Team, page_db: Database) -> None:
    couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_couple(open_app, page_team.alice, tab="Edit details")
    at.text_area(key="edit1_goals").set_value("Plan the year ahead together.")
    at = click(at, "Save changes")
    assert not texts(at, "error")
    assert couples.get_couple(page_db, page_team.alice, 1).goals == "Plan the year ahead together."


def test_edit_over_a_newer_version_shows_a_conflict_and_keeps_both_edits(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    created = couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_couple(open_app, page_team.alice, tab="Edit details")
    # Someone saves from another tab after this page was opened.
    couples.update_couple(
        page_db,
        page_team.alice,
        1,
        intake_form(goals="Other tab's goals."),
        expected_version=created.version,
    )
    at.text_area(key="edit1_goals").set_value("This tab's goals.")
    at = click(at, "Save changes")
    assert any("changed by someone else" in e for e in texts(at, "error"))
    assert couples.get_couple(page_db, page_team.alice, 1).goals == "Other tab's goals."
    assert at.text_area(key="edit1_goals").value == "This tab's goals."
    # Having seen the newer version, saving again applies this tab's edit.
    at = click(at, "Save changes")
    assert couples.get_couple(page_db, page_team.alice, 1).goals == "This tab's goals."


def test_supervisor_reads_and_reassigns_with_confirmation(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_couple(open_app, page_team.supervisor, tab="Reassign")
    assert [t.label for t in at.tabs] == [
        "Progress",
        "Sessions",
        "Homework",
        "Safety",
        "Check-ins",
        "Reassign",
    ]
    at = click(at, "Reassign")
    assert any("Tick the confirmation" in e for e in texts(at, "error"))
    assert couples.get_couple(page_db, page_team.supervisor, 1).counsellor_id == page_team.alice.id
    next(c for c in at.checkbox if c.label.startswith("I confirm C-0001 moves")).check()
    at = click(at, "Reassign")
    assert couples.get_couple(page_db, page_team.supervisor, 1).counsellor_id == page_team.bruno.id


def test_no_case_code_points_to_the_caseload(open_app: OpenApp, page_team: Team) -> None:
    at = open_app(page_team.alice, COUPLE)
    assert any("Open a couple from the caseload" in i for i in texts(at, "info"))
