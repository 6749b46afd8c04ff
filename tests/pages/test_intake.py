from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.models import AuditEvent, Couple
from tests.conftest import Team
from tests.pages.conftest import OpenApp, texts

INTAKE = "pages/intake.py"


def fill(at, a_name: str = "Kit", b_name: str = "Lou", breaches=("lying_money",)):  # type: ignore[no-untyped-def]
    at.text_input(key="intake_a_name").set_value(a_name)
    at.text_input(key="intake_b_name").set_value(b_name)
    at.text_input(key="intake_a_pronouns").set_value("they/them")
    at.multiselect(key="intake_breaches").set_value(list(breaches))
    at.text_area(key="intake_goals").set_value("Rebuild honesty.")
    return at


def submit(at):  # type: ignore[no-untyped-def]
    next(b for b in at.button if b.label == "Save intake").click()
    return at.run()


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_good_intake_saves_the_couple_and_opens_it(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    at = submit(fill(open_app(page_team.alice, INTAKE)))
    assert not texts(at, "error")
    assert count(page_db, Couple) == 1
    assert at.query_params["case"] in ("C-0001", ["C-0001"])


def test_same_partner_twice_is_refused_and_input_kept(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    at = fill(open_app(page_team.alice, INTAKE), a_name="Kit", b_name="kit")
    events_before = count(page_db, AuditEvent)  # after opening: the first page stores a reference
    at = submit(at)
    assert any("listed twice" in e for e in texts(at, "error"))
    assert count(page_db, Couple) == 0
    assert count(page_db, AuditEvent) == events_before
    assert at.text_input(key="intake_b_name").value == "kit"
    assert at.text_area(key="intake_goals").value == "Rebuild honesty."


def test_empty_name_and_no_breach_are_explained(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    at = submit(fill(open_app(page_team.alice, INTAKE), a_name="  ", breaches=()))
    errors = " ".join(texts(at, "error"))
    assert "Partner A name is required" in errors
    assert "What broke trust needs at least one choice" in errors
    assert count(page_db, Couple) == 0


def test_supervisor_has_no_intake_page(open_app: OpenApp, page_team: Team) -> None:
    at = open_app(page_team.supervisor)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(INTAKE)


def test_future_intake_date_is_refused_with_a_message_and_kept(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    """Issue 14 item 6: the field no longer clamps a future date to today (which saved
    silently); the service refuses it and the typed date stays in the form."""
    future = date.today() + timedelta(days=28)
    at = fill(open_app(page_team.alice, INTAKE))
    at.date_input(key="intake_intake").set_value(future)
    at = submit(at)
    assert any("Intake date" in e and "future" in e for e in texts(at, "error")), texts(at, "error")
    assert count(page_db, Couple) == 0
    assert at.date_input(key="intake_intake").value == future
