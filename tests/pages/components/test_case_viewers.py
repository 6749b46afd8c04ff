"""Reads audited per page view through the real app.py, and the couple page's "Who
looked at this case" panel (pages/components/case_viewers.py); the Admin audit log by
couple."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

import pages
from core.db import Database
from core.domain import ACCESS_REFUSED, CASE_VIEWED
from core.models import AuditEvent
from core.services import couples
from core.services.access import Actor
from tests.conftest import Team, intake_form
from tests.pages.conftest import APP, OpenApp, by_label, texts

COUPLE = "pages/couple.py"
TITLE = "Who looked at this case"  # pages/components/case_viewers.py
MEMORY_KEY = "audit_page_reads"  # pages/components/page_reads.py


@pytest.fixture(autouse=True)
def _restore_ui_module(monkeypatch: pytest.MonkeyPatch) -> None:
    if "pages.ui" in sys.modules:
        monkeypatch.setitem(sys.modules, "pages.ui", sys.modules["pages.ui"])
        monkeypatch.setattr(pages, "ui", sys.modules["pages.ui"])


def _open_couple(
    user: Actor,
    case: str = "C-0001",
    memory: Any = None,
    tab: str | None = None,
    opened: str | None = None,
) -> AppTest:
    """A run of app.py landing on the couple page (on `tab`, else the first), as every run
    in the browser is (AppTest runs a page directly after its first run). `memory`: the
    browser session's record of what it already logged. The app imports pages/ui.py
    afresh each time, as a new server process does (Streamlit's legacy pages/ mode is
    left by pages/components/legacy_mode.py at every run that starts in it). `opened`:
    the key of a closed-until-asked expander the tab has opened."""
    sys.modules.pop("pages.ui", None)
    vars(pages).pop("ui", None)
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["user"] = user
    if memory is not None:
        at.session_state[MEMORY_KEY] = memory
    at.query_params["case"] = case
    if tab is not None:
        at.query_params["tab"] = tab
    if opened is not None:
        at.session_state[opened] = True
    at.switch_page(COUPLE)  # before the first run: the page whose address was asked for
    at.run()
    assert not at.exception, at.exception
    return at


def _reads(db: Database) -> list[tuple[str, str, dict[str, object]]]:
    with db.read() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.actor_username, AuditEvent.detail)
            .where(AuditEvent.action.in_([CASE_VIEWED, ACCESS_REFUSED]))
            .order_by(AuditEvent.id)
        ).all()
    return [(action, who, json.loads(detail)) for action, who, detail in rows]


def test_opening_a_couple_is_one_event_listing_what_its_open_tab_read(
    page_team: Team, page_db: Database
) -> None:
    """Only the open tab runs (and is read): the header's details and safety marks, and
    the tab's own part."""
    couples.create_couple(page_db, page_team.alice, intake_form())
    at = _open_couple(page_team.supervisor)
    assert at.title[0].value == "C-0001 · Kit & Lou"
    viewed = {"case_code": "C-0001", "viewed": ["details", "progress", "safety"]}
    assert _reads(page_db) == [(CASE_VIEWED, "super1", viewed)]
    memory = at.session_state[MEMORY_KEY]
    _open_couple(page_team.supervisor, memory=memory)  # a click
    assert len(_reads(page_db)) == 1  # the same page view: nothing new
    _open_couple(page_team.supervisor, memory=memory, tab="Sessions")  # another part read
    notes = {"case_code": "C-0001", "viewed": ["details", "notes", "safety"]}
    assert _reads(page_db)[1:] == [(CASE_VIEWED, "super1", notes)]
    _open_couple(page_team.supervisor)  # another browser tab: a new page view
    assert len(_reads(page_db)) == 3


def test_a_route_to_another_counsellors_case_is_audited(page_team: Team, page_db: Database) -> None:
    couples.create_couple(page_db, page_team.alice, intake_form())
    at = _open_couple(page_team.bruno)
    # The one refusal for a case code one may not open (it never says the code exists),
    # and the attempt audited all the same.
    assert any("There is no couple with case code" in e for e in texts(at, "error"))
    assert _reads(page_db) == [(ACCESS_REFUSED, "bruno", {"case_code": "C-0001", "doing": "open"})]


def test_the_counsellor_sees_who_looked_at_the_case(page_team: Team, page_db: Database) -> None:
    couple = couples.create_couple(page_db, page_team.alice, intake_form())
    _open_couple(page_team.supervisor)
    _open_couple(page_team.bruno)
    at = _open_couple(page_team.alice)

    assert TITLE in [e.label for e in at.expander]
    assert not [d for d in at.dataframe if "what" in d.value.columns]  # closed: not read
    memory = at.session_state[MEMORY_KEY]
    # The click that opens it: the same page view, already listed by then.
    at = _open_couple(page_team.alice, memory=memory, opened=f"case_viewers_open_{couple.id}")
    (panel,) = [d.value for d in at.dataframe if "what" in d.value.columns]
    assert list(panel["name"]) == ["Alice", "Bruno", "Super1"]
    assert list(panel["role"]) == ["Counsellor", "Counsellor", "Supervisor"]
    assert list(panel["what"]) == [
        "Details, Progress, Safety screens",
        "Refused: tried to open the case",
        "Details, Progress, Safety screens",  # the first tab's, the one opened
    ]
    assert str(panel["at"].dt.tz) == "UTC"  # AppTest's browser has no time zone


def test_the_admin_filters_the_audit_log_by_couple(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couples.create_couple(page_db, page_team.alice, intake_form())
    couples.create_couple(page_db, page_team.bruno, intake_form())
    _open_couple(page_team.supervisor, "C-0002")
    at = open_app(page_team.admin, "pages/admin.py", tab="Audit log")
    by_label(at.text_input, "Couple").set_value("c-0002")
    at.run()
    log = at.dataframe[-1].value
    assert list(log["action"]) == ["Case viewed", "Couple recorded"]  # in words
    assert list(log["username"]) == ["super1", "bruno"]
