"""Safety as a counsellor sees it in the browser: open concerns lead the caseload with a
red chip in words, the crisis banner gives a number for the browser's region (en-GB) and
never a setting's name, and the trauma screen's questions start unanswered."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SHOTS, log_in, settle

pytestmark = pytest.mark.e2e


def test_open_concerns_lead_the_caseload_and_the_banner_gives_a_number(
    page: Page, app_url: str
) -> None:
    log_in(page, app_url, "counsellor1", "counsel-demo-1")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    settle(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "caseload-safety.png"), full_page=True)
    # The grid's first data row carries the red chip in words.
    chips = page.locator('[role="gridcell"]').filter(has_text="⚠ Coercive control")
    expect(chips).not_to_have_count(0)
    first_reason = page.locator('[role="row"]').nth(1)
    expect(first_reason).to_contain_text("open safety concern")
    assert "MEND_" not in page.locator("body").inner_text()

    # A new page load at a bookmarked couple stays logged in (the login cookie).
    page.goto(f"{app_url}/couple?case=C-0004")
    settle(page)
    expect(page.get_by_role("heading", name="C-0004 ·")).to_be_visible()
    expect(page.get_by_label("Username", exact=True)).to_have_count(0)
    banner = page.get_by_test_id("stAlertContentError").filter(has_text="Open safety concern.")
    expect(banner).to_contain_text("0808 2000 247")  # the UK default for an en-GB browser
    expect(banner).to_contain_text("Mend's default for the United Kingdom")
    expect(page.get_by_text("Open safety concern: coercive control").first).to_be_visible()
    assert "MEND_" not in page.locator("body").inner_text()

    page.get_by_role("tab", name="Safety").click()
    page.get_by_text("Include the PC-PTSD-5 trauma screen", exact=True).click()
    settle(page)
    question = page.get_by_role("radiogroup", name="Have you ever experienced this kind of event?")
    expect(question).to_be_visible()
    expect(page.get_by_role("radio", checked=True).filter(has_text="Yes")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "safety-tab.png"), full_page=True)
