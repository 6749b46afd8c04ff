"""A counsellor gives homework to a couple with an open safety concern: the joint
exercise is refused until an override with a reason is recorded."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SHOTS, choose, log_in, settle

pytestmark = pytest.mark.e2e


def test_safety_gate_needs_a_recorded_override(page: Page, app_url: str) -> None:
    log_in(page, f"{app_url}/couple?case=C-0004", "counsellor1", "counsel-demo-1")
    expect(page.get_by_text("Open safety concern.")).to_be_visible()
    page.get_by_role("tab", name="Homework").click()
    settle(page)
    title = "Weekly State of the Union"
    choose(page, "Exercise", re.compile(f"^{title}"), search=title)
    page.get_by_role("button", name="Assign", exact=True).click()
    settle(page)
    reason = page.get_by_label(
        "Reason for the safety override (recorded on the assignment and audited)", exact=True
    )
    expect(reason).to_be_visible()
    reason.fill("Both partners asked for it; structured and supervised in session.")
    page.get_by_role("button", name="Assign with override").click()
    settle(page)
    expect(page.get_by_test_id("stAlertContentSuccess").first).to_contain_text("State of the Union")
    # The override is shown on the assignment (a grid cell, read by its test id's text).
    cells = page.locator('[role="gridcell"]').filter(has_text="Both partners asked for it")
    expect(cells).not_to_have_count(0)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "homework-override.png"), full_page=True)
