"""The ratings readers (core.queries.ratings) on a real database (SQLite and PostgreSQL):
one long frame per read, limited by the caseload scope; the clinic-wide frame without
identities; the per-couple stamps that key the progress cache; and the whole progress pipeline on a
60-couple demo caseload."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from core import caseload_charts, charts
from core.db import Database
from core.demo import load_demo
from core.models import Counsellor, Measurement
from core.progress import (
    MEASURE_COLUMNS,
    STATUSES,
    caseload_summary,
    change_table,
    clinic_constants,
    empirical_band,
    outcomes_by_counsellor,
)
from core.queries.ratings import clinic_frame, couple_stamps, measures_frame
from core.services import couples
from core.services.access import Actor, caseload_scope
from tests.conftest import Team, intake_form


def visible(db: Database, actor: Actor, **options: Any) -> pd.DataFrame:
    """measures_frame within the actor's caseload scope, as the services call it."""
    with db.read() as session:
        return measures_frame(session, caseload_scope(actor), **options)


def whole_clinic(db: Database) -> pd.DataFrame:
    with db.read() as session:
        return clinic_frame(session)


def add_rating(
    db: Database,
    by: Actor,
    couple: couples.CoupleView,
    label: str,
    on: date,
    total: float,
    instrument: str = "csi4",
) -> None:
    partner = next(p for p in couple.partners if p.label == label)
    items = (
        {"q1": 3, "q2": 3, "q3": 2, "q4": total - 8}
        if instrument == "csi4"
        else dict.fromkeys(("care", "communication", "character", "consistency", "competence"), 4)
    )
    with db.transaction() as session:
        session.add(
            Measurement(
                couple_id=couple.id,
                partner_id=partner.id,
                session_id=None,
                instrument=instrument,
                measured_on=on,
                items=items,
                total=total,
                recorded_by_id=by.id,
            )
        )


def test_measures_frame_reads_one_long_frame_with_access(db: Database, team: Team) -> None:
    intake = date(2026, 9, 1)
    ours = couples.create_couple(db, team.alice, intake_form(intake_date=intake))
    theirs = couples.create_couple(db, team.bruno, intake_form(intake_date=intake))
    add_rating(db, team.alice, ours, "A", intake, 10)
    add_rating(db, team.alice, ours, "A", intake + timedelta(days=17), 12)
    add_rating(db, team.alice, ours, "B", intake + timedelta(days=14), 9)
    add_rating(db, team.bruno, theirs, "A", intake + timedelta(days=7), 11)

    frame = visible(db, team.alice)
    assert list(frame.columns) == MEASURE_COLUMNS
    assert set(frame["couple_id"]) == {ours.id}
    assert frame["week"].tolist() == [0.0, 17 / 7, 2.0]  # A, A, B: days since intake / 7
    assert str(frame["measured_on"].dtype).startswith("datetime64")
    first = frame.iloc[0]
    assert (first.case_code, first.partner_label, first.partner_name) == (
        ours.case_code,
        "A",
        "Kit",
    )
    assert (first.status, first.role, first.counsellor_id) == ("intake", "hurt", team.alice.id)
    assert first["items"] == {"q1": 3, "q2": 3, "q3": 2, "q4": 2}

    assert set(visible(db, team.bruno)["couple_id"]) == {theirs.id}
    assert visible(db, team.bruno, couple_ids=[ours.id]).empty
    assert len(visible(db, team.supervisor)) == 4
    assert len(visible(db, team.admin, couple_ids=[theirs.id])) == 1
    assert visible(db, team.alice, instruments=["five_cs"]).empty

    without_items = visible(db, team.alice, with_items=False)
    assert without_items["items"].isna().all()
    assert without_items.drop(columns="items").equals(frame.drop(columns="items"))

    add_rating(db, team.bruno, theirs, "B", intake, 20, instrument="five_cs")
    clinic = whole_clinic(db)
    assert len(clinic) == 5 and "case_code" not in clinic.columns
    # Items only where the clinic estimates reliability from them (the five C's).
    five = clinic.loc[clinic["instrument"] == "five_cs", "items"].iloc[0]
    assert five == dict.fromkeys(
        ("care", "communication", "character", "consistency", "competence"), 4
    )
    assert clinic.loc[clinic["instrument"] == "csi4", "items"].isna().all()
    changes = change_table(frame, clinic_constants(clinic))
    assert changes.set_index("partner_label").loc["A", "change"] == 2


def ratings_version(db: Database, actor: Actor, couple_id: int) -> int:
    with db.read() as session:
        return couple_stamps(session, caseload_scope(actor))[couple_id][0]


def test_couple_stamps_change_with_every_change_to_that_couples_ratings_only(
    db: Database, team: Team
) -> None:
    ours = couples.create_couple(db, team.alice, intake_form())
    other = couples.create_couple(db, team.alice, intake_form())
    with db.read() as session:
        stamps = couple_stamps(session, caseload_scope(team.alice))
    assert stamps[ours.id][0] == 0 and stamps[ours.id][2] == ours.status
    assert ours.id not in [*visible_stamps(db, team.bruno)]  # another caseload: not in scope

    seen = {ratings_version(db, team.alice, ours.id)}
    add_rating(db, team.alice, ours, "A", date(2026, 9, 1), 10)
    seen.add(ratings_version(db, team.alice, ours.id))
    with db.read() as session:
        highest = session.scalar(select(func.max(Measurement.id)))
    # Any writer is covered (the triggers of migration 0014), even a bare SQL statement.
    with db.transaction() as session:
        session.execute(
            Measurement.__table__.update().where(Measurement.id == highest).values(total=11)
        )
    seen.add(ratings_version(db, team.alice, ours.id))
    with db.transaction() as session:
        session.delete(session.get(Measurement, highest))
    seen.add(ratings_version(db, team.alice, ours.id))
    assert len(seen) == 4  # insert, update and delete each gave a new version
    assert ratings_version(db, team.alice, other.id) == 0


def visible_stamps(db: Database, actor: Actor) -> dict[int, tuple[Any, ...]]:
    with db.read() as session:
        return couple_stamps(session, caseload_scope(actor))


# --- the demo caseload -------------------------------------------------------------------------


def test_demo_caseload_runs_end_to_end(sqlite_db: Database) -> None:
    today = date(2026, 11, 24)
    load_demo(sqlite_db, couples=60, seed=1, today=today)
    with sqlite_db.read() as session:
        supervisor = Actor.of(
            session.scalars(select(Counsellor).where(Counsellor.username == "supervisor")).one()
        )
        counsellor = Actor.of(
            session.scalars(select(Counsellor).where(Counsellor.username == "counsellor1")).one()
        )
    clinic = whole_clinic(sqlite_db)
    constants = clinic_constants(clinic)
    band = empirical_band(clinic, constants)
    general = constants.loc[constants["role"] == "all"]
    assert (general["n_baselines"] == 60).all()  # published/assumed constants for every role
    five = constants.loc[(constants["instrument"] == "five_cs") & (constants["role"] == "hurt")]
    assert five["source"].str.contains("retest r").all()  # estimated within the role
    for actor in (supervisor, counsellor):
        frame = visible(sqlite_db, actor)
        roster = couples.caseload(sqlite_db, actor, today=today)
        summary = caseload_summary(frame, constants, couples=roster, band=band, today=today)
        assert len(summary) == len(roster) and summary["progress_reason"].str.len().gt(0).all()
        assert set(summary["progress_status"]) <= set(STATUSES)
        assert summary["progress_status"].nunique() >= 3
        outcomes = outcomes_by_counsellor(summary)
        assert outcomes["past_26"].sum() > 0
        caseload_charts.caseload_overview(summary)
        caseload_charts.outcomes_by_counsellor_chart(outcomes)
        for code in summary["case_code"].head(5):
            charts.trend(frame, "csi4", band, case_code=code)
            charts.five_cs_profile(frame, case_code=code)
    supervisor_view = visible(sqlite_db, supervisor)
    counsellor_view = visible(sqlite_db, counsellor)
    assert set(counsellor_view["counsellor_id"]) == {counsellor.id}
    assert len(counsellor_view) < len(supervisor_view)
