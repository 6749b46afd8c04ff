"""The couple page's progress report action (pages/components/report_download.py)."""

from __future__ import annotations

import pytest

from core.db import Database
from core.reports import images
from pages.components import report_download
from tests.conftest import Team
from tests.pages.conftest import OpenApp, by_label, open_expander
from tests.pages.test_progress_pages import COUPLE, rated_couple
from tests.unit.reports.report_support import white_pngs


@pytest.fixture
def plain_images(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "render_pngs", white_pngs)


def test_the_report_action_renders_its_choices(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = rated_couple(page_db, page_team)
    at = open_app(page_team.alice, COUPLE, case=couple.case_code)
    assert not at.selectbox  # closed: only its label was sent
    open_expander(at, f"report_open_{couple.id}")
    versions = by_label(at.selectbox, report_download.VERSION)
    assert versions.options == ["Clinician / supervision", "For the couple", "For one partner"]
    assert by_label(at.checkbox, report_download.NAMES).value is False
    assert by_label(at.selectbox, report_download.PARTNER).options == [
        "Kit (partner A)",
        "Lou (partner B)",
    ]
    assert not at.get("download_button") or all(
        "report" not in b.proto.label for b in at.get("download_button")
    )


def test_preparing_a_report_offers_its_pdf(
    open_app: OpenApp, page_team: Team, page_db: Database, plain_images: None
) -> None:
    couple = rated_couple(page_db, page_team)
    at = open_expander(
        open_app(page_team.alice, COUPLE, case=couple.case_code), f"report_open_{couple.id}"
    )
    by_label(at.selectbox, report_download.VERSION).set_value("partner")
    by_label(at.selectbox, report_download.PARTNER).set_value("B")
    by_label(at.button, report_download.PREPARE).click()
    at.run(timeout=120)
    assert not at.exception and not at.error
    labels = [b.proto.label for b in at.get("download_button")]
    assert f"Download {couple.case_code}-partner-B-report.pdf" in labels
