"""The couple page runs only its open tab (pages/couple.py): each tab label opens its own
content, a hidden tab does none of its work, the header and what follows the tabs run on
every tab, and a save inside a tab reruns on that tab (it is in the address, ?tab=...)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core import charts
from core.db import Database
from core.domain import AssignmentStatus
from core.services import couples, homework, progress_views, safety, sessions
from core.services.couples import CoupleView
from pages.tabs.homework import work_key
from tests.conftest import Team
from tests.homework_support import add_couple, homework_form
from tests.pages.conftest import OpenApp, open_expander, open_tab, texts
from tests.pages.homework_pages import click
from tests.pages.test_progress_pages import rated_couple
from tests.pages.test_sessions_pages import RATINGS

COUPLE = "pages/couple.py"


def _info(words: str) -> Callable[[AppTest], bool]:
    return lambda at: any(words in message for message in texts(at, "info"))


def _button(label: str) -> Callable[[AppTest], bool]:
    return lambda at: any(button.label == label for button in at.button)


# What only each tab shows, for a couple with nothing recorded yet.
OWN_CONTENT: dict[str, Callable[[AppTest], bool]] = {
    "Progress": _info("No ratings yet."),
    "Sessions": _info("No sessions yet."),
    "Homework": lambda at: "#### Current homework" in texts(at, "markdown"),
    "Safety": _info("No safety screen recorded yet."),
    "Check-ins": _button("Make link"),
    "Edit details": lambda at: any(area.key == "edit1_goals" for area in at.text_area),
    "Status": _button("Continue…"),
    "Reassign": _button("Reassign"),
}
AROUND_THE_TABS = ["Export this couple's records", "Who looked at this case"]


def _assert_only(at: AppTest, label: str, couple: CoupleView) -> None:
    assert not at.exception, at.exception
    assert at.title[0].value.startswith(couple.case_code)  # the header runs on every tab
    assert [tab.label for tab in at.tabs if tab.children] == [label]
    shown = [name for name, found in OWN_CONTENT.items() if found(at)]
    assert shown == [label], f"{label}: {shown}"
    labels = [expander.label for expander in at.expander]
    assert all(title in labels for title in AROUND_THE_TABS), labels


def test_each_tab_label_opens_its_own_content_and_nothing_else(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = add_couple(page_db, page_team.alice)
    for user, labels in (
        (page_team.alice, ["Progress", "Sessions", "Homework", "Safety", "Check-ins"]),
        (page_team.alice, ["Edit details", "Status"]),
        (page_team.supervisor, ["Reassign"]),
    ):
        for label in labels:  # a link or a reload with ?tab=<label>
            _assert_only(open_app(user, COUPLE, case=couple.case_code, tab=label), label, couple)
    at = open_app(page_team.alice, COUPLE, case=couple.case_code)  # no tab asked: the first
    _assert_only(at, "Progress", couple)
    for label in ["Status", "Homework", "Check-ins", "Progress"]:  # clicks on the tabs
        _assert_only(open_tab(at, label), label, couple)


def test_an_unknown_or_refused_tab_in_the_address_opens_the_first(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = add_couple(page_db, page_team.alice)
    for user, tab in ((page_team.alice, "Nonsense"), (page_team.supervisor, "Edit details")):
        at = open_app(user, COUPLE, case=couple.case_code, tab=tab)
        _assert_only(at, "Progress", couple)
        assert "tab" not in at.query_params


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each tab's main work runs (the real functions, counted)."""
    counted: Counter[str] = Counter()
    targets: list[tuple[Any, str]] = [
        (progress_views, "couple_progress"),
        (progress_views, "progress_charts"),
        (charts, "trend"),
        (sessions, "timeline_page"),
        (homework, "homework_tab"),
        (safety, "ptsd_totals"),
    ]
    for module, name in targets:
        real = getattr(module, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            counted[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    return counted


def test_a_hidden_tab_does_none_of_its_work(
    open_app: OpenApp, page_team: Team, page_db: Database, calls: Counter[str]
) -> None:
    couple = rated_couple(page_db, page_team)  # ratings, so the Progress tab has charts
    homework.assign(
        page_db, page_team.alice, couple.id, homework_form(page_db, "state-of-the-union")
    )
    at = open_app(page_team.alice, COUPLE, case=couple.case_code, tab="Homework")
    assert at.dataframe  # the Homework tab's table
    assert not at.get("plotly_chart")
    assert calls["homework_tab"] == 1
    # No analysis shown, no figure built, no notes or trauma screens read.
    assert calls["couple_progress"] == calls["progress_charts"] == calls["trend"] == 0
    assert calls["timeline_page"] == calls["ptsd_totals"] == 0

    calls.clear()
    open_tab(at, "Progress")
    assert len(at.get("plotly_chart")) == 1  # the trend; the others one click away each
    assert calls["couple_progress"] == calls["progress_charts"] == 1
    assert calls["homework_tab"] == calls["timeline_page"] == calls["ptsd_totals"] == 0
    assert calls["trend"] == 1
    at.run()
    assert calls["couple_progress"] == calls["progress_charts"] == 2
    assert calls["trend"] == 1  # the figure is kept: nothing it draws changed

    calls.clear()
    open_tab(at, "Sessions")
    open_tab(at, "Safety")
    assert calls["timeline_page"] == calls["ptsd_totals"] == 1
    assert calls["couple_progress"] == calls["homework_tab"] == 0


def test_a_save_in_the_homework_tab_reruns_on_the_homework_tab(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = add_couple(page_db, page_team.alice)
    given = homework.assign(
        page_db, page_team.alice, couple.id, homework_form(page_db, "state-of-the-union")
    )
    at = open_app(page_team.alice, COUPLE, case=couple.case_code, tab="Homework")
    open_expander(at, work_key(couple.id))  # the section working on one assignment
    at.selectbox(key=f"hw_status_value_{given.id}").set_value(AssignmentStatus.DONE)
    at = click(at, "Save status")  # saves, flashes and reruns (st.rerun)
    assert any("is done" in message for message in texts(at, "success"))
    assert at.query_params["tab"] in ("Homework", ["Homework"])
    _assert_only(at, "Homework", couple)
    assert homework.assignment(page_db, page_team.alice, given.id).status is AssignmentStatus.DONE
    at.run()  # a reload keeps it too
    _assert_only(at, "Homework", couple)


def test_a_new_rating_shows_on_the_next_run_of_the_progress_tab(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    """The Progress tab's analysis and figures are kept per couple between runs, keyed by
    the couple's ratings stamp: a rating saved (here in another browser tab) is on the
    very next run."""
    couple = rated_couple(page_db, page_team, sessions_count=2)  # weeks 0 and 1
    at = open_app(page_team.alice, COUPLE, case=couple.case_code)
    weeks, trend = _milestone_weeks(at), _trend_spec(at)
    assert "6" not in weeks
    at.run()
    assert (_milestone_weeks(at), _trend_spec(at)) == (weeks, trend)  # kept, unchanged
    intake = couples.get_couple(page_db, page_team.alice, couple.id).intake_date
    sessions.record_session(
        page_db,
        page_team.alice,
        couple.id,
        {
            "session_date": intake + timedelta(weeks=6),
            "duration_minutes": 50,
            "modality": "in_person",
            "attendees": "joint",
            "note_data": "Week six.",
            "ratings": {"A": RATINGS, "B": RATINGS},
        },
    )
    at.run()
    assert "6" in _milestone_weeks(at)  # the six-week milestone is reached now
    assert _trend_spec(at) != trend


def _milestone_weeks(at: AppTest) -> set[str]:
    (table,) = [d.value for d in at.dataframe if "Milestone" in d.value.columns]
    return set(table["Week"])


def _trend_spec(at: AppTest) -> str:
    return str(at.get("plotly_chart")[0].proto.spec)
