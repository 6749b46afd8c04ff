"""The very first request after the server starts is a bookmarked couple (this file
runs first: pytest collects files alphabetically and the app is started per session).

Regression: Streamlit treats a pages/ folder as a legacy multipage app until the first
st.navigation call, which ran pages/couple.py directly, outside the login gate."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_first_request_to_a_deep_link_goes_through_the_login_gate(page: Page, app_url: str) -> None:
    log_in(page, f"{app_url}/couple?case=C-0002", "counsellor1", "counsel-demo-1")
    expect(page.get_by_role("heading", name="C-0002 ·")).to_be_visible()
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).not_to_contain_text("sessions tab")  # no legacy page list
    expect(nav).to_contain_text("Caseload")
