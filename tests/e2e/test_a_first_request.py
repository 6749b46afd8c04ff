"""The very first request after the server starts is a bookmarked couple (this file
runs first: pytest collects files alphabetically and the app is started per session).

Regressions: Streamlit treats a pages/ folder as a legacy multipage app until the first
st.navigation call, which ran pages/couple.py directly, outside the login gate; and the
first visitor's login page listed every file in pages/ (login, admin, ui, ...) in the
sidebar for a moment (issue 14, item 15)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SHOTS, log_in

pytestmark = pytest.mark.e2e

# Every text the sidebar ever shows, from the first paint on (a flash included).
SIDEBAR_SPY = """
window.sidebarSeen = [];
new MutationObserver(() => {
  for (const el of document.querySelectorAll('[data-testid="stSidebar"]')) {
    const text = el.innerText.trim();
    if (text && !window.sidebarSeen.includes(text)) window.sidebarSeen.push(text);
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def test_first_request_to_a_deep_link_goes_through_the_login_gate(page: Page, app_url: str) -> None:
    page.add_init_script(SIDEBAR_SPY)
    page.goto(f"{app_url}/couple?case=C-0002")
    expect(page.get_by_label("Username", exact=True)).to_be_visible(timeout=120_000)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "first-request-login.png"))
    page.wait_for_timeout(1_000)  # a late redraw would still be caught
    seen = page.evaluate("window.sidebarSeen")
    assert not seen, seen  # no sidebar at all before login, so no module names
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)

    log_in(page, f"{app_url}/couple?case=C-0002", "counsellor1", "counsel-demo-1")
    expect(page.get_by_role("heading", name="C-0002 ·")).to_be_visible()
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).not_to_contain_text("sessions tab")  # no legacy page list
    expect(nav).to_contain_text("Caseload")
    for name in ("login", "first admin", "checkin", "today"):  # files in pages/
        expect(nav).not_to_contain_text(name)
