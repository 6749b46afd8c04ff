"""Progress tab, supervision page, the caseload's progress columns, and reviewing
homework inside the log-session form."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from core.db import Database
from core.domain import AssignmentStatus
from core.services import couples, homework, sessions
from tests.conftest import Team, intake_form
from tests.homework_support import TODAY, homework_form
from tests.pages.conftest import OpenApp, open_expander, texts
from tests.pages.test_sessions_pages import RATINGS, click, fill_ratings

COUPLE = "pages/couple.py"


def rated_couple(db: Database, team: Team, sessions_count: int = 4) -> couples.CoupleView:
    """A couple seen weekly since 10 weeks ago, with both partners rated each time."""
    intake = TODAY - timedelta(weeks=10)
    couple = couples.create_couple(db, team.alice, intake_form(intake_date=intake))
    for week in range(sessions_count):
        better = dict(RATINGS, distress={"distress": max(0, 8 - 2 * week)})
        sessions.record_session(
            db,
            team.alice,
            couple.id,
            {
                "session_date": intake + timedelta(weeks=week),
                "duration_minutes": 50,
                "modality": "in_person",
                "attendees": "joint",
                "note_data": "Week note.",
                "note_assessment": "Fine.",
                "note_plan": "Continue.",
                "ratings": {"A": better, "B": RATINGS},
            },
        )
    return couple


def chart_specs(at) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_progress_tab_shows_status_trend_with_the_six_month_marker_and_csv(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = rated_couple(page_db, page_team)
    at = open_app(page_team.alice, COUPLE, case=couple.case_code)
    trend = chart_specs(at)[0]
    shapes = trend["layout"].get("shapes", [])
    assert any(shape.get("x0") == 26 for shape in shapes)
    assert {t.get("name") for t in trend["data"]} >= {"Kit (A)", "Lou (B)"}
    assert at.get("download_button")
    assert any(h.value.startswith("### :") for h in at.markdown)


def test_the_progress_tab_draws_one_chart_at_a_time_and_offers_every_one(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = rated_couple(page_db, page_team)
    homework.assign(
        page_db, page_team.alice, couple.id, homework_form(page_db, "state-of-the-union")
    )
    at = open_app(page_team.alice, COUPLE, case=couple.case_code)
    (chart,) = at.segmented_control
    assert chart.label == "Chart"
    assert chart.options == [
        "Five C's",
        "CSI-4",
        "Distress",
        "Five C's profile",
        "Homework adherence",
    ]
    (first,) = chart_specs(at)  # the first measure's trend only
    titles = [first["layout"]["title"]["text"]]
    for key in ["csi4", "distress", "five_cs_profile", "adherence"]:
        at.segmented_control[0].set_value(key).run()
        (spec,) = chart_specs(at)  # one chart drawn, whichever is chosen
        titles.append(spec["layout"]["title"]["text"])
    assert len(set(titles)) == 5, titles
    assert "Five C's" in titles[0] and "adherence" in titles[-1].lower()


def test_the_couple_pages_closed_sections_send_their_labels_only(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    """The report, the constants, the exports and who looked: closed until asked for, so a
    navigation sends the browser none of their widgets and tables; opening one shows it."""
    couple = rated_couple(page_db, page_team)
    at = open_app(page_team.alice, COUPLE, case=couple.case_code)
    labels = [e.label for e in at.expander]
    for label in (
        "Progress report (PDF)",
        "Constants behind these figures",
        "Export this couple's records",
        "Who looked at this case",
    ):
        assert label in labels
    assert not at.selectbox and not at.checkbox
    assert [b.proto.label for b in at.get("download_button")] == ["Download chart data (CSV)"]
    assert len(at.dataframe) == 1  # the milestones
    open_expander(at, f"constants_open_{couple.id}")
    assert len(at.dataframe) == 2
    open_expander(at, f"export_open_{couple.id}")
    assert len(at.get("download_button")) == 1 + 6  # ratings, sessions, homework: CSV, Excel
    assert [c.label for c in at.checkbox] == ["Include the session notes' text"]


def test_progress_tab_without_ratings_says_what_to_do(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_app(page_team.alice, COUPLE, case=couple.case_code)
    assert any("No ratings yet" in message for message in texts(at, "info"))
    assert not at.get("plotly_chart")


def test_caseload_lists_progress_and_reasons(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    rated_couple(page_db, page_team)
    at = open_app(page_team.alice)
    table = at.dataframe[0].value
    assert {"progress_status", "attention_reasons", "overdue_homework"} <= set(table.columns)
    assert table["progress_status"].iloc[0] in {
        "improved",
        "on track",
        "not on track",
        "recovered",
        "deteriorated",
        "too early",
    }


def test_supervision_page_draws_the_overview_and_outcomes(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    rated_couple(page_db, page_team)
    at = open_app(page_team.supervisor, "pages/supervision.py")
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2
    assert [t.value for t in at.title] == ["Supervision"]


def test_counsellors_have_no_supervision_page(open_app: OpenApp, page_team: Team) -> None:
    at = open_app(page_team.alice)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/supervision.py")


def log_form_with_due_homework(open_app: OpenApp, team: Team, db: Database):  # type: ignore[no-untyped-def]
    """A couple whose daily exercise for B fell due yesterday, and the log-session form."""
    couple = couples.create_couple(
        db, team.alice, intake_form(intake_date=TODAY - timedelta(days=30))
    )
    given = homework.assign(
        db,
        team.alice,
        couple.id,
        homework_form(
            db,
            "kept-promises-log",
            target="B",
            assigned_on=TODAY - timedelta(days=8),
            due_on=TODAY - timedelta(days=1),
        ),
    )
    return couple, given, open_app(team.alice, "pages/log_session.py", case=couple.case_code)


def test_session_form_reviews_due_homework_in_the_same_save(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple, given, at = log_form_with_due_homework(open_app, page_team, page_db)
    key = f"log{couple.id}_new"
    at.text_area[0].set_value("Reviewed the promises log together.")
    fill_ratings(at, key, "A")
    fill_ratings(at, key, "B")
    at.radio(key=f"review_{given.id}_status").set_value("done")
    at.text_area(key=f"review_{given.id}_comment").set_value("Kept every small promise.")
    at = click(at, "Save draft")
    assert not texts(at, "error"), texts(at, "error")
    reviewed = homework.assignment(page_db, page_team.alice, given.id)
    assert reviewed.status is AssignmentStatus.DONE
    assert reviewed.counsellor_comment == "Kept every small promise."
    assert len(sessions.list_sessions(page_db, page_team.alice, couple.id)) == 1


def test_a_failing_homework_review_saves_no_note(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple, given, at = log_form_with_due_homework(open_app, page_team, page_db)
    key = f"log{couple.id}_new"
    at.text_area[0].set_value("Note.")
    fill_ratings(at, key, "A")
    fill_ratings(at, key, "B")
    at.radio(key=f"review_{given.id}_status").set_value("skipped")  # no reason given
    at = click(at, "Save draft")
    assert texts(at, "error")
    assert sessions.list_sessions(page_db, page_team.alice, couple.id) == []
    assert (
        homework.assignment(page_db, page_team.alice, given.id).status
        is not AssignmentStatus.SKIPPED
    )
    assert date.today() >= given.due_on
