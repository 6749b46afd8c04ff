"""A counsellor logs in and sees their caseload; a wrong password is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SHOTS, choose, log_in, settle

pytestmark = pytest.mark.e2e


def test_counsellor_logs_in_and_sees_populated_caseload(page: Page, app_url: str) -> None:
    log_in(page, app_url, "counsellor1", "counsel-demo-1")
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    table = page.get_by_test_id("stDataFrame")
    expect(table).to_be_visible()
    expect(page.get_by_text("couples. Select a row")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_contain_text("New couple")
    expect(page.get_by_test_id("stSidebarNav")).not_to_contain_text("Admin")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "caseload.png"), full_page=True)
    page.get_by_role("button", name="Log out").click()
    settle(page)
    expect(page.get_by_label("Username", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Caseload")).to_have_count(0)


def test_wrong_password_shows_error_and_stays_on_login(page: Page, app_url: str) -> None:
    log_in(page, app_url, "counsellor2", "not-the-password")
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("Wrong username or password")
    expect(page.get_by_role("heading", name="Caseload")).to_have_count(0)
    expect(page.get_by_label("Username", exact=True)).to_be_visible()


def test_counsellor_opens_a_couple_from_the_caseload(page: Page, app_url: str) -> None:
    log_in(page, app_url, "counsellor1", "counsel-demo-1")
    choose(page, "Open a couple", 0)
    page.get_by_role("button", name="Open couple", exact=True).click()
    settle(page)
    expect(page.get_by_role("heading", name="C-0")).to_be_visible()
    expect(page.get_by_text("What broke trust:")).to_be_visible()
    page.screenshot(path=str(SHOTS / "couple.png"), full_page=True)
