"""An open tab of a user who was deactivated meanwhile lands on the login page, saying
why, at its very next click."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.db import Database
from core.services import accounts
from tests.e2e.conftest import log_in, new_counsellor, settle

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-synthetic-passphrase-42"


def test_a_deactivated_counsellors_open_tab_goes_to_the_login_page(
    page: Page, app_url: str, e2e_database_url: str
) -> None:
    db = Database.from_url(e2e_database_url)
    try:
        account_id = new_counsellor(db, "leaver", "Leaving Counsellor (synthetic)", PASSWORD)
        log_in(page, app_url, "leaver", PASSWORD)
        expect(page.get_by_role("heading", name="Caseload")).to_be_visible()

        admin = accounts.authenticate(db, "admin", "oversee-demo-pass")
        accounts.set_active(db, admin, account_id, False)
        page.get_by_test_id("stSidebarNav").get_by_text("Exercise library").click()
        settle(page)

        expect(page.get_by_label("Username", exact=True)).to_be_visible()
        expect(page.get_by_text("no longer active")).to_be_visible()
        expect(page.get_by_role("heading", name="Exercise library")).to_have_count(0)
    finally:
        db.dispose()
