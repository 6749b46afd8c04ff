"""The clinic's reference snapshot on the pages: its date on the Progress tab and the
Supervision page, unchanged by a new rating, and the confirm-then-recompute button."""

from __future__ import annotations

from datetime import timedelta

from streamlit.testing.v1 import AppTest

from core.db import Database
from core.formatting import format_date
from core.models import ReferenceSnapshot
from core.services import accounts, sessions
from tests.conftest import Team
from tests.homework_support import TODAY
from tests.pages.conftest import OpenApp, open_expander, texts
from tests.pages.homework_pages import click
from tests.pages.test_progress_pages import COUPLE, rated_couple
from tests.pages.test_sessions_pages import RATINGS
from tests.reference_support import stored_snapshots as stored

SUPERVISION = "pages/supervision.py"
RECOMPUTE = "Recompute the clinic's reference now"


def day_of(db: Database, snapshot_id: int) -> str:
    """The snapshot's date as the page writes it (AppTest: no locale, no zone -> ISO, UTC)."""
    with db.read() as session:
        moment = session.get(ReferenceSnapshot, snapshot_id).computed_at  # type: ignore[union-attr]
    return format_date(moment.date(), None)


def captions(at: AppTest) -> list[str]:
    return [caption.value for caption in at.caption if caption.value.startswith("Constants of")]


def test_the_progress_tab_dates_its_constants_and_a_new_rating_changes_nothing(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    couple = rated_couple(page_db, page_team)
    at = open_app(page_team.alice, COUPLE, case=couple.case_code)
    [(snapshot_id, reason, by)] = stored(page_db)
    assert (reason, by) == ("first computed", None)
    [caption] = captions(at)
    assert caption.startswith(f"Constants of {day_of(page_db, snapshot_id)} (snapshot #1)")
    assert "from 24 ratings of 1 couple; first computed." in caption
    assert not [b for b in at.button if b.label == RECOMPUTE]  # counsellors do not recompute

    sessions.record_session(
        page_db,
        page_team.alice,
        couple.id,
        {
            "session_date": TODAY - timedelta(days=1),
            "duration_minutes": 50,
            "modality": "in_person",
            "attendees": "joint",
            "note_data": "Later.",
            "note_assessment": "Fine.",
            "note_plan": "Continue.",
            "ratings": {"A": RATINGS, "B": RATINGS},
        },
    )
    again = open_app(page_team.alice, COUPLE, case=couple.case_code)
    assert captions(again) == [caption]  # same snapshot, same counts
    assert len(stored(page_db)) == 1


def test_supervision_shows_the_date_and_recomputes_after_confirming(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    rated_couple(page_db, page_team)
    at = open_app(page_team.supervisor, SUPERVISION)
    [caption] = captions(at)
    assert caption.startswith(f"Constants of {day_of(page_db, 1)} (snapshot #1)")

    click(at, RECOMPUTE)
    assert any("Recompute the constants" in w for w in texts(at, "warning"))
    assert len(stored(page_db)) == 1  # asking stores nothing

    click(at, "Yes, recompute")
    assert stored(page_db)[-1] == (2, "requested by super1", page_team.supervisor.id)
    assert any("snapshot #2" in message for message in texts(at, "success"))
    assert captions(at)[0].startswith(f"Constants of {day_of(page_db, 2)} (snapshot #2)")
    assert "requested by super1" in captions(at)[0]


def test_cancel_stores_nothing(open_app: OpenApp, page_team: Team, page_db: Database) -> None:
    at = open_app(page_team.admin, SUPERVISION)
    click(click(at, RECOMPUTE), "Cancel")
    assert [snapshot_id for snapshot_id, _, _ in stored(page_db)] == [1]
    assert not texts(at, "warning")
    assert captions(at)[0].endswith("first computed.")


def test_a_supervisor_deactivated_meanwhile_is_refused(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    at = click(open_app(page_team.supervisor, SUPERVISION), RECOMPUTE)
    accounts.set_active(page_db, page_team.admin, page_team.supervisor.id, False)
    click(at, "Yes, recompute")
    assert any("no longer active" in error for error in texts(at, "error"))
    assert len(stored(page_db)) == 1


def test_supervision_lists_the_snapshots_once_its_section_is_opened(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    rated_couple(page_db, page_team)
    at = open_app(page_team.supervisor, SUPERVISION)
    assert [e.label for e in at.expander] == ["Constants behind these statuses"]
    assert "Snapshots, newest first" not in texts(at, "caption")  # closed: nothing read
    tables = len(at.dataframe)
    open_expander(at, "supervision_constants_open")
    assert "Snapshots, newest first" in texts(at, "caption")
    assert len(at.dataframe) == tables + 2  # the constants and the snapshots
    [snapshots] = [t.value for t in at.dataframe if "reason" in t.value.columns]
    assert snapshots["reason"].tolist() == ["first computed"]
