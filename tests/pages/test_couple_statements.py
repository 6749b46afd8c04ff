"""The couple page reads a fixed number of SQL statements, however many notes the couple
has, on each of its tabs (only the open one runs): counted on the engine the page itself
uses (pages.ui.database)."""

from __future__ import annotations

import streamlit as st

from core.db import Database
from core.services import couples, homework, progress_cache
from core.services.couples import CoupleView
from tests.conftest import Team, intake_form
from tests.homework_support import homework_form
from tests.notes_support import ada_and_ben, add_notes, statements
from tests.pages.conftest import OpenApp

COUPLE = "pages/couple.py"


TABS = ["Progress", "Sessions", "Homework", "Safety", "Check-ins", "Edit details", "Status"]


def _statements_for_couple_page(
    open_app: OpenApp, page_team: Team, page_db: Database, couple: CoupleView, tab: str
) -> int:
    at = open_app(page_team.alice, COUPLE, case=couple.case_code, tab=tab)  # the page's engine
    assert [t.label for t in at.tabs] == TABS
    from pages import ui  # imported by the run above; the page's cached Database

    engine = ui.database().engine
    assert engine.url == page_db.engine.url
    st.cache_data.clear()  # every read counted, none served from a previous run's cache
    progress_cache.clear(page_db)  # nor from the analyses kept per couple
    with statements(engine) as seen:
        at.run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith(couple.case_code)
    return len(seen)


def test_couple_page_statements_do_not_grow_with_the_notes(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    many = couples.create_couple(page_db, page_team.alice, intake_form())
    few = ada_and_ben(page_db, page_team.alice)
    for couple, notes in ((many, 40), (few, 4)):
        add_notes(page_db, page_team.alice, couple, notes)
        # Homework too, so the Homework and Progress tabs draw their tables and charts.
        homework.assign(
            page_db, page_team.alice, couple.id, homework_form(page_db, "state-of-the-union")
        )

    for tab in TABS:
        with_40 = _statements_for_couple_page(open_app, page_team, page_db, many, tab)
        with_4 = _statements_for_couple_page(open_app, page_team, page_db, few, tab)
        assert with_40 > 0, tab
        assert with_40 == with_4, tab
