"""A counsellor's day without friction (issue 14), asserted as a user sees it in Chromium:
a future intake date is refused with the typed date kept; a save keeps the tab where it
happened; joint homework given before a concern opens is flagged on the Homework tab and
the caseload and can be paused; the pages visited show no `None`, enum name or JSON."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from core.db import Database
from core.services import accounts, couples, homework
from tests.e2e.conftest import ROOT, SHOTS, choose, log_in, settle
from tests.homework_support import homework_form

pytestmark = pytest.mark.e2e

RAW = re.compile(r"\bNone\b|\bnan\b|[a-z]+_[a-z_]+|\{\"|\bcsi4\b|\bfive_cs\b|\(s\)")


ICONS = {
    name
    for path in (ROOT / "pages").rglob("*.py")
    for name in re.findall(r":material/(\w+):", path.read_text())
} | {"keyboard_arrow_right", "keyboard_arrow_down", "keyboard_arrow_up", "expand_more"}


def _no_raw_values(page: Page) -> None:
    text = page.locator('[data-testid="stMain"]').inner_text()
    # Material icons are ligatures: their names (":material/check_circle:") are their text.
    found = [f for f in RAW.findall(text) if f not in ICONS]
    assert not found, found


def _type_date(field: Locator, day: date) -> None:
    """Type a date into a date field's segments (day, month, year for an en-GB browser)."""
    field.get_by_role("spinbutton").first.click()
    field.page.keyboard.type(day.strftime("%d%m%Y"))
    field.page.keyboard.press("Tab")


def _shown_date(field: Locator) -> str:
    return "/".join(s.inner_text() for s in field.get_by_role("spinbutton").all())


def _selected_tab(page: Page) -> str:
    return page.get_by_role("tab", selected=True).inner_text().strip()


def _joint_homework_for(url: str, case_code: str) -> None:
    """Behind the browser's back: give the new couple a joint exercise before any concern."""
    db = Database.from_url(url)
    alice = accounts.authenticate(db, "counsellor1", "counsel-demo-1")
    couple = couples.find_by_case_code(db, alice, case_code)
    homework.assign(db, alice, couple.id, homework_form(db, "state-of-the-union"))


def test_a_day_without_friction(page: Page, app_url: str, e2e_database_url: str) -> None:
    page.goto(app_url)  # a loaded machine may take a while over the first page
    expect(page.get_by_label("Username", exact=True)).to_be_visible(timeout=120_000)
    log_in(page, app_url, "counsellor1", "counsel-demo-1")
    page.get_by_role("link", name="New couple").click()
    settle(page)
    page.get_by_label("Name", exact=True).first.fill("Rowan")
    page.get_by_label("Name", exact=True).nth(1).fill("Sasha")
    choose(page, "What broke trust", "Broken promises")
    field = page.get_by_label("Intake date", exact=True)
    future = date.today() + timedelta(days=28)
    _type_date(field, future)
    page.get_by_role("button", name="Save intake").click()
    settle(page)
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("Intake date")
    expect(error).to_contain_text("future")
    # The typed date is kept, not replaced by today.
    assert _shown_date(field) == future.strftime("%d/%m/%Y")
    _no_raw_values(page)

    _type_date(field, date.today())
    page.get_by_role("button", name="Save intake").click()
    settle(page)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Rowan")
    case_code = re.search(r"case=(C-\d+)", page.url).group(1)  # type: ignore[union-attr]
    _joint_homework_for(e2e_database_url, case_code)

    # A concern opens: the save stays on the Safety tab.
    page.get_by_role("tab", name="Safety").click()
    settle(page)
    page.get_by_role("checkbox", name="Coercive control").check(force=True, timeout=90_000)
    page.get_by_label("Safety plan (required when there is a concern)", exact=True).fill(
        "Individual sessions; safety plan agreed."
    )
    page.get_by_role("button", name="Save screen").click()
    settle(page)
    expect(page.get_by_test_id("stAlertContentSuccess").first).to_be_visible()
    assert _selected_tab(page) == "Safety"
    assert "tab=Safety" in page.url
    _no_raw_values(page)

    # The joint homework given before it is flagged on the Homework tab...
    page.get_by_role("tab", name="Homework").click()
    settle(page)
    expect(page.get_by_text("Paused by safety concern?").first).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "friction-homework.png"), full_page=True)
    _no_raw_values(page)

    # ...and on the caseload, with its reason in words.
    page.get_by_role("link", name="Caseload").click()
    settle(page)
    flagged = page.locator('[role="gridcell"]').filter(has_text="homework paused by safety")
    expect(flagged).not_to_have_count(0)  # grid cells are accessibility nodes
    _no_raw_values(page)

    # Pause it: the decision is recorded and the Homework tab stays open.
    # A new page load at the couple's Homework tab stays logged in (the login cookie).
    page.goto(f"{app_url}/couple?case={case_code}&tab=Homework")
    settle(page)
    expect(page.get_by_label("Username", exact=True)).to_have_count(0)
    assert _selected_tab(page) == "Homework"
    page.get_by_text("Pause it while the concern is open", exact=True).click()
    page.get_by_role("button", name="Record decision").click()
    settle(page)
    expect(page.get_by_test_id("stAlertContentSuccess").first).to_contain_text(
        "Paused: safety concern"
    )
    assert _selected_tab(page) == "Homework"
    expect(page.get_by_text("Paused by safety concern?")).to_have_count(0)
    _no_raw_values(page)
