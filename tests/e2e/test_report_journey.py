"""A counsellor downloads each version of a couple's progress report from the Progress
tab in Chromium, and each file is a PDF that opens."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from pages.components import report_download
from tests.e2e.conftest import choose, log_in, settle

pytestmark = pytest.mark.e2e
CASE = "C-0004"
DRAWING = 240_000  # ms: kaleido starts a Chromium and draws every chart (a loaded CI is slow)


def download(
    page: Page, version: str, partner: re.Pattern[str] | None, stem: str, tmp_path: Path
) -> bytes:
    choose(page, report_download.VERSION, version)
    if partner:
        choose(page, report_download.PARTNER, partner)
    settle(page)
    page.get_by_role("button", name=report_download.PREPARE).click()
    button = page.get_by_role("button", name=f"Download {CASE}-{stem}-report.pdf", exact=True)
    expect(button).to_be_visible(timeout=DRAWING)
    settle(page)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    return saved.read_bytes()


def test_each_report_version_downloads_as_a_pdf_that_opens(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    page.set_default_timeout(60_000)  # a loaded machine: every rerun is slow
    page.goto(app_url)  # the first request to a fresh app on a loaded machine can be slow
    expect(page.get_by_label("Username", exact=True)).to_be_visible(timeout=120_000)
    log_in(page, f"{app_url}/couple?case={CASE}", "counsellor1", "counsel-demo-1")
    expect(page.get_by_role("heading", name=f"{CASE} ·")).to_be_visible()
    page.get_by_text("Progress report (PDF)").click()
    expect(page.get_by_label(report_download.PARTNER, exact=True)).to_be_visible(timeout=120_000)
    names = {}
    for version, partner, stem in (
        ("Clinician / supervision", None, "clinician"),
        ("For the couple", None, "couple"),
        ("For one partner", re.compile(r"\(partner B\)$"), "partner-B"),
    ):
        data = download(page, version, partner, stem, tmp_path)
        assert data.startswith(b"%PDF"), stem
        reader = PdfReader(BytesIO(data))
        assert len(reader.pages) >= 2, stem
        names[stem] = reader.pages[0].extract_text()
    assert "Clinician / supervision" in names["clinician"]
    assert "For the couple" in names["couple"]
    assert "For one partner" in names["partner-B"]
