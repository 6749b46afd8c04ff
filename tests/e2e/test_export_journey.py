"""The Progress tab's chart data downloads as a CSV in Chromium, made on the click and
audited then as an export (`chart_data`), like the couple's other exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.db import Database
from core.models import AuditEvent
from tests.e2e.conftest import log_in, settle

pytestmark = pytest.mark.e2e
CASE = "C-0004"


def _chart_exports(url: str) -> list[dict[str, object]]:
    db = Database.from_url(url)
    try:
        with db.read() as session:
            details = session.scalars(
                select(AuditEvent.detail).where(
                    AuditEvent.action == "export", AuditEvent.actor_username == "counsellor1"
                )
            ).all()
    finally:
        db.dispose()
    return [d for d in map(json.loads, details) if d.get("what") == "chart_data"]


def test_the_chart_data_downloads_and_is_audited_as_an_export(
    page: Page, app_url: str, e2e_database_url: str, tmp_path: Path
) -> None:
    page.set_default_timeout(60_000)  # a loaded machine: every rerun is slow
    page.goto(app_url)
    expect(page.get_by_label("Username", exact=True)).to_be_visible(timeout=120_000)
    log_in(page, f"{app_url}/couple?case={CASE}", "counsellor1", "counsel-demo-1")
    expect(page.get_by_role("heading", name=f"{CASE} ·")).to_be_visible()
    settle(page)
    tab = page.get_by_role("tab", name="Progress")
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    button = page.get_by_role("button", name="Download chart data (CSV)")
    expect(button).to_be_visible(timeout=120_000)
    before = len(_chart_exports(e2e_database_url))
    settle(page)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    lines = saved.read_text().splitlines()
    assert saved.name == f"{CASE}-ratings.csv"
    assert lines[0].startswith("Case,Partner,Name,Measure,Date") and len(lines) > 1
    assert all(line.startswith(CASE) for line in lines[1:])
    exported = _chart_exports(e2e_database_url)
    assert len(exported) == before + 1
    assert exported[-1]["case_code"] == CASE and exported[-1]["rows"] == len(lines) - 1
