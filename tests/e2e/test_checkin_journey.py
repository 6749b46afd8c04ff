"""A partner's check-in on a phone: the counsellor makes a link on the couple page, a
logged-out phone-sized browser opens it, answers and reflects on a homework exercise, the
counsellor sees the new point on the Progress tab marked as a check-in, and a revoked link
then shows the neutral message."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select

from core.db import Database
from core.domain import CHECK_IN_INSTRUMENTS, CHECK_IN_REFUSED, CoupleStatus
from core.measures import INSTRUMENTS
from core.models import AssignmentCompletion, CheckIn, CheckInLink, Counsellor, Couple, Exercise
from core.queries.safety import open_concern_couples
from core.services import homework
from core.services.access import Actor
from tests.e2e.conftest import SHOTS, log_in, settle

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def _couple_with_own_homework(url: str) -> tuple[str, str]:
    """An active couple of counsellor1 (case code, partner A's name) with a self-care plan
    given to partner A, so the phone has an exercise to reflect on."""
    db = Database.from_url(url)
    with db.read() as session:
        user = session.scalars(select(Counsellor).where(Counsellor.username == "counsellor1")).one()
        couple = session.scalars(
            select(Couple)
            .where(
                Couple.counsellor_id == user.id,
                Couple.status == CoupleStatus.ACTIVE,
                Couple.id.not_in(open_concern_couples()),  # AppTest covers the reason
            )
            .order_by(Couple.case_code)
        ).first()
        exercise = session.scalars(
            select(Exercise.id).where(Exercise.slug == "self-care-support-plan")
        ).one()
        actor, case_code, name = Actor.of(user), couple.case_code, couple.partners[0].name
        couple_id = couple.id
    homework.assign(
        db,
        actor,
        couple_id,
        {
            "exercise_id": exercise,
            "target": "A",
            "assigned_on": date.today(),
            "due_on": date.today() + timedelta(days=7),
            "personal_note": "",
        },
        confirm_role_mismatch=True,
        safety_override_reason="Individual self-care only.",
    )
    db.dispose()
    return case_code, name


def _latest_from_phone(url: str) -> tuple[CheckIn, dict[str, str]]:
    """The newest check-in and the newest homework reflection's answers."""
    db = Database.from_url(url)
    with db.read() as session:
        check_in = session.scalars(select(CheckIn).order_by(CheckIn.id.desc())).first()
        done = session.scalars(
            select(AssignmentCompletion).order_by(AssignmentCompletion.id.desc())
        ).first()
        assert check_in is not None and done is not None
        session.expunge(check_in)
        answers = dict(done.answers)
    db.dispose()
    return check_in, answers


def _open_tab(page: Page, name: str) -> None:
    settle(page)
    tab = page.get_by_role("tab", name=name)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    settle(page)


def _make_link(page: Page) -> str:
    _open_tab(page, "Check-ins")
    make = page.get_by_test_id("stFormSubmitButton").filter(has_text="Make link")
    expect(make).to_be_visible(timeout=60_000)
    reason = page.get_by_role("textbox", name="Why this partner's channel is private and safe")
    if reason.count():  # the couple has an open abuse concern: the reason is required
        reason.click()
        reason.fill("Own phone; confirmed alone at the individual session.")
        reason.press("Tab")
        expect(reason).to_have_value("Own phone; confirmed alone at the individual session.")
    make.click()
    settle(page)
    expect(page.get_by_test_id("stImage").first).to_be_visible(timeout=60_000)  # the QR code
    return page.get_by_test_id("stCode").first.inner_text().strip()


def _tap_answer(question: Locator, option: int) -> None:
    """Tap an answer's words, as a thumb does (the round input itself is hidden)."""
    question.get_by_test_id("stRadioOption").nth(option).tap()
    expect(question.get_by_role("radio").nth(option)).to_be_checked()


def test_a_partner_checks_in_from_a_phone(
    page: Page, browser: Browser, app_url: str, e2e_database_url: str
) -> None:
    case_code, name = _couple_with_own_homework(e2e_database_url)
    page.set_default_timeout(90_000)  # the couple page is long; a loaded machine is slow
    first_name = name.split()[0]
    log_in(page, f"{app_url}/couple?case={case_code}", "counsellor1", "counsel-demo-1")
    link = _make_link(page)
    assert "/?t=" in link and len(link.split("/?t=")[1]) >= 43

    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    phone.set_default_timeout(60_000)
    phone.goto(link)
    settle(phone)
    expect(phone.get_by_text(f"Hello {first_name}")).to_be_visible()
    assert phone.title() == "Check-in"
    expect(phone.get_by_label("Username", exact=True)).to_have_count(0)
    form = phone.get_by_test_id("stForm").first
    # The page draws the form after the greeting: wait for every question (each item of
    # the measures the link asks, which are all by default, then the safety question).
    radios = form.get_by_test_id("stRadio")
    items = sum(len(INSTRUMENTS[key].items) for key in CHECK_IN_INSTRUMENTS)
    expect(radios).to_have_count(items + 1)
    for item in range(items):
        _tap_answer(radios.nth(item), 3)
    _tap_answer(radios.last, 1)  # safe at home: yes
    SHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SHOTS / "checkin-phone.png"), full_page=True)
    form.get_by_role("button", name="Send").click()
    settle(phone)
    expect(phone.get_by_text("Today's check-in is in. Thank you.")).to_be_visible()

    exercise = phone.get_by_test_id("stExpander").filter(has_text="self-care").first
    _tap_answer(exercise.get_by_test_id("stRadio").first, 0)  # "I did it"
    reflection = exercise.get_by_role("textbox").first
    reflection.tap()
    phone.keyboard.type("Walked with a friend twice.")
    exercise.get_by_role("button", name="Save").click()
    settle(phone)
    expect(phone.get_by_text("Saved. Thank you.")).to_be_visible()
    # What the thumb gave is what the counsellor's database holds.
    check_in, answers = _latest_from_phone(e2e_database_url)
    assert check_in.safe_at_home is True
    assert "Walked with a friend twice." in answers.values()
    phone.screenshot(path=str(SHOTS / "checkin-phone-done.png"), full_page=True)

    page.goto(f"{app_url}/couple?case={case_code}")
    settle(page)
    chart = page.get_by_test_id("stPlotlyChart").first
    expect(chart).to_contain_text("· check-in")
    page.screenshot(path=str(SHOTS / "checkin-progress.png"), full_page=True)

    _open_tab(page, "Check-ins")
    page.get_by_role("button", name="Revoke").click()
    settle(page)
    phone.reload()
    settle(phone)
    expect(phone.get_by_text(CHECK_IN_REFUSED)).to_be_visible()
    expect(phone.get_by_text(first_name)).to_have_count(0)
    phone_context.close()


def test_a_safe_channel_reason_typed_before_make_link_is_stored(
    page: Page, app_url: str, e2e_database_url: str
) -> None:
    """Under an abuse concern the link needs the reason: typed and sent straight away
    with "Make link" (no Tab first), it reaches the database as typed."""
    page.set_default_timeout(90_000)
    log_in(page, f"{app_url}/couple?case=C-0004", "counsellor1", "counsel-demo-1")
    _open_tab(page, "Check-ins")
    reason = page.get_by_role("textbox", name="Why this partner's channel is private and safe")
    expect(reason).to_be_visible()
    typed = "Own phone; confirmed alone at the individual session (synthetic)."
    reason.click()
    page.keyboard.type(typed)
    page.get_by_test_id("stFormSubmitButton").filter(has_text="Make link").click()
    settle(page)
    expect(page.get_by_test_id("stImage").first).to_be_visible(timeout=60_000)  # the QR code
    db = Database.from_url(e2e_database_url)
    with db.read() as session:
        newest = session.scalars(select(CheckInLink).order_by(CheckInLink.id.desc())).first()
        assert newest is not None
        assert newest.safe_channel_reason == typed
    db.dispose()
