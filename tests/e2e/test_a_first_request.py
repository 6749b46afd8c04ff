"""The very first request after the server starts is a bookmarked couple (this file
runs first: pytest collects files alphabetically and the app is started per session);
and several first requests at once, on a server of their own.

Regressions: Streamlit treats a pages/ folder as a legacy multipage app until the first
st.navigation call, which ran pages/couple.py directly, outside the login gate; and the
first visitor's login page listed every file in pages/ (login, admin, ui, ...) in the
sidebar for a moment (issue 14, item 15)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.served_browser import streamlit_server
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


def test_first_visitors_at_once_each_get_the_login_form(
    browser: Browser, app_url: str, e2e_database_url: str, tmp_path: Path
) -> None:
    """Two deep links the moment a server starts (its own, fresh): legacy pages/ mode ran
    both pages directly; the first left the mode and ran again through the login gate, and
    the second, finding the mode left, stopped at "Please log in." with no form to log in."""
    env = dict(os.environ, MEND_DEMO="1", DATABASE_URL=e2e_database_url)  # app_url set it up
    with streamlit_server("app.py", env, tmp_path / "fresh.log") as (fresh_url, _pid):
        contexts = [browser.new_context() for _ in range(3)]
        try:
            tabs = [context.new_page() for context in contexts]
            for tab, path in zip(
                tabs, ("homework_due", "couple?case=C-0002", "library"), strict=True
            ):
                tab.goto(f"{fresh_url}/{path}")
            for tab in tabs:
                expect(tab.get_by_label("Username", exact=True)).to_be_visible(timeout=120_000)
                expect(tab.get_by_text("Please log in.")).to_have_count(0)
        finally:
            for context in contexts:
                context.close()
