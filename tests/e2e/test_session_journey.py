"""A counsellor logs a joint session with both partners' ratings, signs it, and
finds it locked on the couple's timeline."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.measures import CSI4, DISTRESS, FIVE_CS
from tests.e2e.conftest import SHOTS, choose, fill, log_in, settle

pytestmark = pytest.mark.e2e


def rate_partner(page: Page, index: int, level: int) -> None:
    for item in FIVE_CS.items:
        label = f"{item.text} ({item.minimum}-{item.maximum})"
        fill(page, page.get_by_label(label, exact=True).nth(index), str(level))
    for item in CSI4.items:
        choose(page, item.text, 2, nth=index)
    distress = DISTRESS.items[0]
    fill(page, page.get_by_label(f"{distress.text} (0-10)", exact=True).nth(index), "6")


def test_log_sign_and_review_a_session(page: Page, app_url: str) -> None:
    # A bookmarked address: the login form appears there, then the page asked for.
    log_in(page, f"{app_url}/log_session?case=C-0002", "counsellor1", "counsel-demo-1")
    expect(page.get_by_role("heading", name="Log a session · C-0002")).to_be_visible()
    page.get_by_label("Data: what happened and what was said", exact=True).fill(
        "Both attended. Talked through the week; one argument repaired the same evening."
    )
    page.get_by_label("Assessment: your clinical impression", exact=True).fill(
        "Early repair attempts are landing."
    )
    page.get_by_label("Plan: next steps and homework", exact=True).fill(
        "Continue the weekly check-in."
    )
    rate_partner(page, 0, 4)
    rate_partner(page, 1, 6)
    page.get_by_role("button", name="Save and sign").click()
    settle(page)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("saved and signed")
    expect(page.get_by_role("heading", name="C-0002 ·")).to_be_visible()
    page.get_by_role("tab", name="Sessions").click()
    settle(page)  # the tab goes into the address: a click before that run ends is redrawn
    first = page.get_by_test_id("stExpander").filter(has_text="one argument repaired").first
    if first.locator("details[open]").count() == 0:  # a click on an open one closes it
        first.locator("summary").click()
    expect(first).to_contain_text("signed")
    expect(first).to_contain_text("Early repair attempts are landing.")
    expect(first.get_by_role("button", name="Add addendum")).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "session-signed.png"), full_page=True)


def test_missing_ratings_are_explained_and_nothing_is_saved(page: Page, app_url: str) -> None:
    # A draft saves what is rated (issue 14 item 9); signing needs every rating.
    log_in(page, f"{app_url}/log_session?case=C-0004", "counsellor1", "counsel-demo-1")
    page.get_by_label("Data: what happened and what was said", exact=True).fill("Short note.")
    page.get_by_role("button", name="Save and sign").click()
    settle(page)
    alerts = page.get_by_test_id("stAlertContentError")
    expect(alerts.filter(has_text="Ratings are incomplete")).to_contain_text("not rated")
    expect(page.get_by_label("Data: what happened and what was said", exact=True)).to_have_value(
        "Short note."
    )
