"""Real-browser journeys: a fresh demo database, the app on a free port, headless Chromium."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Error, Locator, Page, expect, sync_playwright

from bench.served_browser import CHROMIUM, CHROMIUM_FLAGS, streamlit_server
from core.db import Database
from core.domain import Role
from core.services import accounts

# A loaded CI machine can take a few seconds per Streamlit rerun.
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".e2e"


@pytest.fixture(scope="session")
def e2e_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The served app's database, for journeys that change it behind the browser's back."""
    return f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'mend.db'}"


@pytest.fixture(scope="session")
def app_url(e2e_database_url: str) -> Iterator[str]:
    """Start Mend against a fresh demo database; stop it afterwards."""
    workdir = Path(e2e_database_url.removeprefix("sqlite:///")).parent
    env = dict(os.environ, MEND_DEMO="1", DATABASE_URL=e2e_database_url)
    subprocess.run(
        [sys.executable, "-m", "core.cli", "init-db", "--demo-if-empty"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    with streamlit_server("app.py", env, workdir / "streamlit.log") as (url, _pid):
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="en-GB", timezone_id="Europe/London"
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script: the app says it is not
    running (its status widget shows only after a while, so its absence alone can pass
    while a run is still drawing the page)."""
    page.wait_for_timeout(300)
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=60_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=20_000)


def fill(page: Page, field: Locator, value: str, *, attempts: int = 4) -> None:
    """Type `value` into `field` as a user does and check the field holds it: typed again
    (a bounded number of times) if a run redrew the field under the typing and lost it."""
    for _ in range(attempts):
        settle(page)
        field.fill(value)
        if field.input_value() == value:
            return
    expect(field).to_have_value(value)  # fails, saying what the field holds


SELECTS = '@data-testid="stSelectbox" or @data-testid="stMultiSelect"'
PICK_ATTEMPTS = 4


def choose(
    page: Page,
    label: str,
    option: str | re.Pattern[str] | int,
    *,
    nth: int = 0,
    search: str | None = None,
    attempts: int = PICK_ATTEMPTS,
) -> str:
    """Pick `option` (its exact words, a pattern, or its place in the list) in the select
    or multiselect labelled `label` (the `nth` of that label) as a user does: settle, open
    the list, type `search` (by default the option's words) to filter a long list, click
    the option, close the list and check the widget shows it. If the list is redrawn under
    the pointer (a rerun) or the click did not choose, the pick is tried again, a bounded
    number of times. Returns the option's words."""
    field = page.get_by_label(label, exact=True).nth(nth)
    widget = field.locator(f"xpath=ancestor::*[{SELECTS}][1]")
    listbox = page.get_by_role("listbox")
    picked = option if isinstance(option, str) else None
    search = option if search is None and isinstance(option, str) else search
    for attempt in range(attempts):
        settle(page)
        if picked is not None and attempt and _shows(field, widget, picked):
            break  # the last click did register before the list was redrawn
        try:
            if not listbox.is_visible():
                field.click(timeout=10_000)
                if not _opened(listbox):
                    page.keyboard.press("ArrowDown")  # focus alone may not open it
            if search:  # typed, as a user does: it filters a long list
                field.press("ControlOrMeta+a")
                field.press_sequentially(search, timeout=10_000)
            if isinstance(option, str):
                target = listbox.get_by_role("option", name=option, exact=True).first
            elif isinstance(option, int):
                target = listbox.get_by_role("option").nth(option)
            else:
                target = listbox.get_by_role("option", name=option).first
            picked = target.inner_text(timeout=5_000).strip()
            target.click(timeout=5_000)
        except Error:
            if listbox.is_visible():
                page.keyboard.press("Escape")
            continue
        if listbox.is_visible():  # a multiselect keeps its list open
            page.keyboard.press("Escape")
        expect(listbox).to_have_count(0)
        # A click on an option as the list finishes opening can close it without choosing
        # (seen on a quiet machine, about one pick in fifty): checked, and tried again.
        if _shows(field, widget, picked):
            break
    else:
        raise AssertionError(f"could not pick {option!r} in {label!r} in {attempts} tries")
    if listbox.is_visible():  # a multiselect keeps its list open
        page.keyboard.press("Escape")
    expect(listbox).to_have_count(0)
    settle(page)
    assert picked is not None
    if _is_multiselect(widget):
        expect(widget).to_contain_text(picked)  # as a tag
    else:
        expect(field).to_have_value(picked)  # the box shows the chosen option's words
    return picked


def _opened(listbox: Locator) -> bool:
    try:
        listbox.wait_for(state="visible", timeout=3_000)
    except Error:
        return False
    return True


def _is_multiselect(widget: Locator) -> bool:
    return widget.get_attribute("data-testid", timeout=5_000) == "stMultiSelect"


def _shows(field: Locator, widget: Locator, words: str) -> bool:
    """Whether the widget shows `words` as chosen."""
    try:
        if _is_multiselect(widget):
            return words in widget.inner_text(timeout=2_000)
        return field.input_value(timeout=2_000) == words
    except Error:
        return False


def log_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_test_id("stFormSubmitButton").get_by_role("button").click()
    settle(page)


def new_counsellor(db: Database, username: str, display_name: str, password: str) -> int:
    """A synthetic counsellor created behind the browser's back (no first-login change);
    its account id."""
    account = accounts.create_account(
        db,
        accounts.SYSTEM,
        {
            "username": username,
            "display_name": display_name,
            "role": Role.COUNSELLOR,
            "password": password,
        },
    )
    return account.id
