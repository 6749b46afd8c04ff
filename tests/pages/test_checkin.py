"""The partner's check-in page through app.py, logged out (AppTest): a valid token opens
it and nothing of Mend; a wrong or revoked one gets the neutral message; answers and
reflections land; a flag shows the crisis line; "Exit quickly" leaves for a neutral page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.domain import CHECK_IN_NEUTRAL_PAGE, CHECK_IN_REFUSED
from core.models import AssignmentCompletion, Measurement
from core.services import checkins, couples, homework
from core.services.couples import CoupleView
from tests.conftest import Team, intake_form
from tests.homework_support import homework_form
from tests.pages.conftest import OpenApp, by_label, texts


@pytest.fixture
def kit(page_db: Database, page_team: Team) -> CoupleView:
    return couples.create_couple(
        page_db, page_team.alice, intake_form(intake_date=date.today() - timedelta(days=30))
    )


def token_for(db: Database, team: Team, couple: CoupleView, **form: object) -> str:
    data = {"partner_label": "A", "instruments": ["distress"], **form}
    return checkins.create_link(db, team.alice, couple.id, data).token


def everything(at: AppTest) -> str:
    kinds = ("title", "markdown", "caption", "info", "error", "success", "subheader")
    return " ".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def test_a_valid_token_opens_the_check_in_and_nothing_of_mend(
    open_app: OpenApp, page_db: Database, page_team: Team, kit: CoupleView
) -> None:
    at = open_app(None, t=token_for(page_db, page_team, kit))
    assert at.title[0].value == "Hello Kit"
    shown = everything(at)
    assert "Lou" not in shown and "Mend" not in shown and "C-0001" not in shown
    assert "relationship" not in at.title[0].value.lower()
    assert not [w for w in at.text_input if w.label in ("Username", "Password")]
    assert [b.label for b in at.button][:1] == ["Exit quickly"]


@pytest.mark.parametrize("spoil", ["wrong", "revoked"])
def test_a_wrong_or_revoked_token_shows_the_one_neutral_message(
    open_app: OpenApp, page_db: Database, page_team: Team, kit: CoupleView, spoil: str
) -> None:
    token = token_for(page_db, page_team, kit)
    if spoil == "revoked":
        link = checkins.links(page_db, page_team.alice, kit.id)[0]
        checkins.revoke_link(page_db, page_team.alice, link.id)
    at = open_app(None, t=token if spoil == "revoked" else "not-a-token")
    assert texts(at, "info") == [CHECK_IN_REFUSED]
    assert at.title[0].value == "Check-in" and "Kit" not in everything(at)


def test_a_revoked_link_stops_at_the_next_rerun_of_an_open_tab(
    open_app: OpenApp, page_db: Database, page_team: Team, kit: CoupleView
) -> None:
    at = open_app(None, t=token_for(page_db, page_team, kit))
    assert at.title[0].value == "Hello Kit"
    checkins.revoke_link(
        page_db, page_team.alice, checkins.links(page_db, page_team.alice, kit.id)[0].id
    )
    at.run()
    assert texts(at, "info") == [CHECK_IN_REFUSED] and "Kit" not in everything(at)


def test_answers_land_as_a_check_in_and_top_distress_shows_the_crisis_line(
    open_app: OpenApp,
    page_db: Database,
    page_team: Team,
    kit: CoupleView,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEND_CRISIS_LINE", "Call the Example Line on 0800 000 000.")
    at = open_app(None, t=token_for(page_db, page_team, kit))
    by_label(at.radio, "Hurt and upset this week (0–10)").set_value(10)
    by_label(at.radio, "Do you feel safe at home this week? (optional)").set_value("No")
    next(b for b in at.button if b.label == "Send").click()
    at.run()
    assert not at.exception
    assert any("0800 000 000" in e for e in texts(at, "error"))
    assert any("already" in s or "is in" in s for s in texts(at, "success"))
    with page_db.read() as session:
        row = session.execute(select(Measurement.source, Measurement.total)).one()
    assert tuple(row) == ("check-in", 10.0)
    at.run()  # a second visit the same day: no form to send again
    assert not [b for b in at.button if b.label == "Send"]


def test_a_reflection_from_the_phone_lands_on_the_assignment(
    open_app: OpenApp, page_db: Database, page_team: Team, kit: CoupleView
) -> None:
    given = homework.assign(
        page_db,
        page_team.alice,
        kit.id,
        homework_form(page_db, "self-care-support-plan", target="A"),
    )
    at = open_app(None, t=token_for(page_db, page_team, kit))
    assert any(
        e.label == "Self-care and support plan" or "elf-care" in e.label for e in at.expander
    )
    by_label(at.radio, "How did it go?").set_value("I did it")
    at.text_area[0].input("Slept earlier three nights.")
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert not at.exception
    assert "Saved. Thank you." in texts(at, "success")
    with page_db.read() as session:
        done = session.scalars(select(AssignmentCompletion)).one()
    assert done.assignment_id == given.id and done.source == "check-in"
    assert list(done.answers.values()) == ["Slept earlier three nights."]


def test_exit_quickly_replaces_the_page_with_a_neutral_one(
    open_app: OpenApp, page_db: Database, page_team: Team, kit: CoupleView
) -> None:
    at = open_app(None, t=token_for(page_db, page_team, kit))
    next(b for b in at.button if b.label == "Exit quickly").click()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Today"
    assert CHECK_IN_NEUTRAL_PAGE in texts(at, "markdown")
    assert "Kit" not in everything(at) and "t" not in at.query_params
