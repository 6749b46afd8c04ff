"""The export buttons on the caseload and the couple page (pages/components/export_buttons)."""

from __future__ import annotations

from core.db import Database
from core.services import couples
from tests.conftest import Team, intake_form
from tests.pages.conftest import OpenApp, open_expander

COUPLE = "pages/couple.py"


def download_labels(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [button.proto.label for button in at.get("download_button")]


def test_the_caseload_offers_csv_and_excel(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_app(page_team.alice)
    assert download_labels(at) == []  # closed until asked for
    open_expander(at, "export_caseload_open")
    assert download_labels(at) == ["Caseload (CSV)", "Caseload (Excel)"]


def test_the_couple_page_offers_ratings_sessions_and_homework(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    made = couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_app(page_team.alice, COUPLE, case=made.case_code)
    assert download_labels(at) == []  # closed until asked for
    open_expander(at, f"export_open_{made.id}")
    assert download_labels(at) == [
        f"{what} ({kind})"
        for what in ("Ratings", "Sessions", "Homework")
        for kind in ("CSV", "Excel")
    ]
    assert "Include the session notes' text" in [box.label for box in at.checkbox]


def test_another_counsellor_sees_no_export_of_the_couple(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    made = couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_app(page_team.bruno, COUPLE, case=made.case_code)
    assert download_labels(at) == []
    assert at.error
