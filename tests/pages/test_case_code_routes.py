"""A case code in the address (issue 11, issue 14 item 12): another counsellor's couple
gets exactly the refusal an unknown code gets, on the couple page and on the
log-session page, and nothing of the couple is shown."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.services import couples
from tests.conftest import Team, intake_form
from tests.pages.conftest import OpenApp, texts

PAGES = ["pages/couple.py", "pages/log_session.py"]


def _refusal(code: str) -> str:
    return f"There is no couple with case code {code!r} that you may open."


def _shown(at: AppTest) -> str:
    """Everything on the page a person reads, but the refusal itself."""
    parts = [e.value for e in at.title] + [e.value for e in at.markdown]
    parts += [e.value for e in at.caption] + [w.label for w in at.text_input]
    return " ".join(str(part) for part in parts)


@pytest.fixture
def alices_couple(page_db: Database, page_team: Team) -> str:
    couples.create_couple(
        page_db,
        page_team.alice,
        intake_form(partner_a={"name": "Orla", "role": "hurt"}, goals="Secret goals"),
    )
    return "C-0001"


@pytest.mark.parametrize("page", PAGES)
def test_another_counsellors_case_code_reads_as_an_unknown_one(
    open_app: OpenApp, page_team: Team, alices_couple: str, page: str
) -> None:
    theirs = open_app(page_team.bruno, page, case=alices_couple)
    unknown = open_app(page_team.bruno, page, case="C-0999")
    assert texts(theirs, "error") == [_refusal(alices_couple)]
    assert texts(unknown, "error") == [_refusal("C-0999")]
    # the same words either way, but for the code quoted back
    assert texts(theirs, "error")[0].replace(alices_couple, "C-0999") == texts(unknown, "error")[0]
    shown = _shown(theirs)
    assert "Orla" not in shown and "Lou" not in shown and "Secret goals" not in shown
    assert not theirs.tabs and not theirs.get("form")


@pytest.mark.parametrize("page", PAGES)
def test_a_reassigned_away_counsellor_is_refused_like_anyone_else(
    open_app: OpenApp, page_db: Database, page_team: Team, alices_couple: str, page: str
) -> None:
    couple = couples.find_by_case_code(page_db, page_team.alice, alices_couple)
    couples.reassign(
        page_db, page_team.supervisor, couple.id, page_team.bruno.id, expected_version=1
    )
    at = open_app(page_team.alice, page, case=alices_couple)
    assert texts(at, "error") == [_refusal(alices_couple)]
    assert "Orla" not in _shown(at)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("code", ["C-0001\x00", "C-" + "9" * 5000, "' OR 1=1 --"])
def test_unreadable_codes_get_the_same_refusal(
    open_app: OpenApp, page_team: Team, alices_couple: str, page: str, code: str
) -> None:
    at = open_app(page_team.bruno, page, case=code)
    [error] = texts(at, "error")
    assert error.startswith("There is no couple with case code") and len(error) < 200
    assert error.endswith("that you may open.")


@pytest.mark.parametrize("page", PAGES)
def test_the_couples_own_counsellor_opens_it(
    open_app: OpenApp, page_team: Team, alices_couple: str, page: str
) -> None:
    at = open_app(page_team.alice, page, case=alices_couple)
    assert not texts(at, "error")
    assert alices_couple in at.title[0].value


def test_a_supervisor_opens_any_couple(
    open_app: OpenApp, page_team: Team, alices_couple: str
) -> None:
    at = open_app(page_team.supervisor, PAGES[0], case=alices_couple)
    assert not texts(at, "error")
    assert at.title[0].value == f"{alices_couple} · Orla & Lou"
