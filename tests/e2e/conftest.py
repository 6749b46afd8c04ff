"""Real-browser journeys: a fresh demo database, the app on a free port, headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from core.db import Database
from core.domain import Role
from core.services import accounts

# A loaded CI machine can take a few seconds per Streamlit rerun.
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_healthy(url: str, server: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the app exited early with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the app did not answer in time")


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
    port = _free_port()
    log = (workdir / "streamlit.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


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
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=20_000)


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
