"""Reload keeps the login (issue 14, item 8): a counsellor who refreshes, or opens a couple
in a new tab, stays logged in; after logging out, or once an administrator deactivated
the account, the browser's old cookie logs nobody in."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from core.db import Database
from core.services import accounts
from tests.e2e.conftest import log_in, new_counsellor, settle

pytestmark = pytest.mark.e2e

COOKIE = "mend_login"
PASSWORD = "a-long-synthetic-passphrase-77"


def _login_cookie(context: BrowserContext) -> dict:
    """The login cookie, once the page's script has set it."""
    page = context.pages[0]
    page.wait_for_function(f"document.cookie.includes('{COOKIE}=')")
    [cookie] = [c for c in context.cookies() if c["name"] == COOKIE]
    return dict(cookie)


def _shows_login_form(page: Page) -> None:
    expect(page.get_by_label("Username", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Caseload")).to_have_count(0)


def _fresh_browser(page: Page, app_url: str, cookie: dict) -> Page:
    """A page in a new browser context that holds only `cookie`."""
    other = page.context.browser.new_context()  # type: ignore[union-attr]
    other.add_cookies([cookie])  # type: ignore[list-item]
    fresh = other.new_page()
    fresh.goto(app_url)
    settle(fresh)
    return fresh


def test_reload_and_a_new_tab_keep_the_login_until_logout(page: Page, app_url: str) -> None:
    couple_url = f"{app_url}/couple?case=C-0002"
    log_in(page, couple_url, "counsellor1", "counsel-demo-1")
    heading = page.get_by_role("heading", name="C-0002 ·")
    expect(heading).to_be_visible()
    cookie = _login_cookie(page.context)
    assert (cookie["sameSite"], cookie["path"]) == ("Strict", "/")

    page.reload()
    settle(page)
    expect(heading).to_be_visible()
    expect(page.get_by_label("Username", exact=True)).to_have_count(0)

    tab = page.context.new_page()
    tab.goto(couple_url)
    settle(tab)
    expect(tab.get_by_role("heading", name="C-0002 ·")).to_be_visible()
    tab.close()

    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").click()
    settle(page)
    _shows_login_form(page)
    page.wait_for_function(f"!document.cookie.includes('{COOKIE}=')")
    page.reload()
    settle(page)
    _shows_login_form(page)


def test_a_deactivated_accounts_old_cookie_logs_nobody_in(
    page: Page, app_url: str, e2e_database_url: str
) -> None:
    db = Database.from_url(e2e_database_url)
    try:
        account_id = new_counsellor(db, "reloader", "Reloading Counsellor (synthetic)", PASSWORD)
        log_in(page, app_url, "reloader", PASSWORD)
        expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
        cookie = _login_cookie(page.context)
        # Another browser given the cookie is logged in while the account is active ...
        fresh = _fresh_browser(page, app_url, cookie)
        expect(fresh.get_by_role("heading", name="Caseload")).to_be_visible()
        fresh.context.close()

        admin = accounts.authenticate(db, "admin", "oversee-demo-pass")
        accounts.set_active(db, admin, account_id, False)

        # ... and not once an administrator has deactivated it.
        fresh = _fresh_browser(page, app_url, cookie)
        _shows_login_form(fresh)
        fresh.context.close()
    finally:
        db.dispose()
