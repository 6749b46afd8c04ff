"""A couple whose partner names and goals are markdown and HTML payloads, opened in a real
browser as its counsellor: the names and goals show as typed, the browser fetches no
outside image and the page holds no link to the payloads' addresses (Progress charts too)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, Request, expect

from core.db import Database
from core.formatting import JOINER
from core.services import accounts, couples, safety, sessions
from tests.e2e.conftest import log_in, settle
from tests.sessions_support import RATINGS_A, RATINGS_B

pytestmark = pytest.mark.e2e

NAME_A = "![x](http://127.0.0.1:9/beacon.png) <img src=http://127.0.0.1:9/x.png>"
NAME_B = '<a href="http://evil.example">x</a> [click](http://evil.example)'
GOALS = "\n".join(
    [
        "![x](http://127.0.0.1:9/beacon.png)",
        "[click](http://evil.example)",
        "<http://evil.example>",
        "# BIG",
        "<img src=http://127.0.0.1:9/x.png>",
        '<a href="http://evil.example">x</a>',
        "$\\frac{1}{2}$",
        ":red[alert]",
    ]
)
OUTSIDE = re.compile(r"127\.0\.0\.1:9|evil\.example")


def _poisoned_couple(db: Database) -> str:
    """counsellor1's new couple with payload names and goals, two rated sessions and an
    open safety concern (so the banner names a partner too); its case code."""
    counsellor = accounts.authenticate(db, "counsellor1", "counsel-demo-1")
    today = date.today()
    intake = today - timedelta(days=40)
    couple = couples.create_couple(
        db,
        counsellor,
        {
            "partner_a": {"name": NAME_A, "role": "hurt"},
            "partner_b": {"name": NAME_B, "role": "broke_trust"},
            "breach_types": ["lying_money"],
            "pattern": "one_time",
            "intake_date": intake,
            "goals": GOALS,
        },
        today=today,
    )
    for day in (intake + timedelta(days=7), today - timedelta(days=1)):
        sessions.record_session(
            db,
            counsellor,
            couple.id,
            {
                "session_date": day,
                "duration_minutes": 50,
                "modality": "in_person",
                "attendees": "joint",
                "note_data": GOALS,
                "ratings": {"A": RATINGS_A, "B": RATINGS_B},
            },
            today=today,
        )
    safety.record_screen(
        db,
        counsellor,
        couple.id,
        {"partner_label": "A", "screened_on": today, "coercive_control": True, "plan": GOALS},
    )
    return couple.case_code


def test_payload_names_and_goals_show_as_text_with_no_outside_request(
    page: Page, app_url: str, e2e_database_url: str
) -> None:
    db = Database.from_url(e2e_database_url)
    try:
        case_code = _poisoned_couple(db)
    finally:
        db.dispose()
    outside: list[str] = []

    def watch(request: Request) -> None:
        if OUTSIDE.search(request.url):
            outside.append(request.url)

    page.on("request", watch)
    # Logged out, the couple's address shows the login form, then opens the couple.
    log_in(page, f"{app_url}/couple?case={case_code}", "counsellor1", "counsel-demo-1")
    expect(page.get_by_role("heading", name=re.compile(re.escape(case_code)))).to_be_visible()
    page.get_by_role("tab", name="Progress").click()
    settle(page)
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    page.wait_for_timeout(1500)  # let any image or chart finish loading

    # Shown as typed: the title, the goals and the banner carry the payloads' words.
    heading = page.get_by_role("heading", name=re.compile(re.escape(case_code)))
    title = heading.inner_text().replace(JOINER, "")  # the joiner that stops bare links
    assert "![x](http://127.0.0.1:9/beacon.png)" in title
    assert '<a href="http://evil.example">x</a>' in title
    expect(page.get_by_text(":red[alert]").first).to_be_visible()
    expect(page.get_by_text("$\\frac{1}{2}$").first).to_be_visible()
    body = page.locator("body").inner_text()
    assert "# BIG" in body
    assert page.locator("h1:has-text('BIG'), h2:has-text('BIG')").count() == 0
    # Nothing live: no link, no image, no formula from what a person typed.
    assert page.locator('a[href*="evil"]').count() == 0
    assert page.locator('img[src*="beacon"], img[src*="127.0.0.1:9"]').count() == 0
    assert page.locator(".katex").count() == 0
    legend = " ".join(page.locator(".legendtext").all_text_contents())
    assert "<img src=http://127.0.0.1:9/x.png>" in legend
    assert page.locator(".js-plotly-plot a").count() == 0
    assert outside == []
