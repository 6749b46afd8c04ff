"""Trauma screen as a follow-up, not a resolution (issue 9, deliver 4): a positive
PC-PTSD-5 opens a "trauma symptoms: follow up" item on that partner, listed on the
caseload until the counsellor records the follow-up (audited); an included screen with an
unanswered question is refused; the totals over time per partner. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core import charts
from core.db import Database
from core.domain import ScreenStatus, TraumaFollowUpKind
from core.errors import NotFound, PermissionDenied, ValidationError
from core.models import AuditEvent, Measurement, SafetyScreen, TraumaFollowUp
from core.services import caseload_views, progress_views, safety
from core.services.couples import CoupleView
from tests.conftest import Team
from tests.unit.test_safety import SCREEN_DAY, ptsd, screen_form

LATER = SCREEN_DAY + timedelta(days=14)


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _actions(db: Database) -> list[tuple[str, dict[str, Any]]]:
    with db.read() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(row.action, json.loads(row.detail or "{}")) for row in rows]


def positive(db: Database, team: Team, couple: CoupleView, **overrides: Any) -> Any:
    form = screen_form(ptsd_answers=ptsd(exposure=1, yes=4), **overrides)
    return safety.record_screen(db, team.alice, couple.id, form, today=date.today())


def follow_up_form(**overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "outcome": "referral",
        "followed_up_on": LATER,
        "note": "Referred to the GP for a trauma assessment; she agreed.",
    }
    form.update(overrides)
    return form


def _caseload_row(db: Database, team: Team) -> Any:
    table = caseload_views.caseload_progress(
        db, team.alice, today=date.today(), reference=progress_views.clinic_reference(db)
    )
    return table.set_index("case_code").loc["C-0001"]


def test_lifecycle_open_listed_recorded_closed_and_audited(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    screen = positive(db, team, kit_and_lou)
    # Not a violence/coercion/abuse/self-harm concern: the screen gates nothing...
    assert screen.status is ScreenStatus.RESOLVED and screen.ptsd_positive
    # ...but a follow-up is open on Kit.
    (item,) = safety.follow_ups(db, team.alice, kit_and_lou.id)
    assert item.is_open and (item.partner_label, item.partner_name) == ("A", "Kit")
    assert (item.opened_on, item.ptsd_score) == (SCREEN_DAY, 4)
    row = _caseload_row(db, team)
    assert row["trauma_follow_up"] == 1
    assert "Trauma: follow up" in row["safety"]
    assert "trauma symptoms: follow up" in row["attention_reasons"]
    assert row["attention"] >= 64

    done = safety.record_follow_up(db, team.alice, item.id, follow_up_form(), today=date.today())
    assert not done.is_open
    assert done.outcome is TraumaFollowUpKind.REFERRAL and done.followed_up_on == LATER
    row = _caseload_row(db, team)
    assert row["trauma_follow_up"] == 0 and list(row["safety"]) == []
    assert "trauma" not in row["attention_reasons"]
    with db.read() as session:
        stored = session.get(TraumaFollowUp, item.id)
        assert stored is not None and stored.recorded_by_id == team.alice.id
        assert stored.recorded_at is not None
    actions = _actions(db)
    assert ("trauma_follow_up_opened", {"case_code": "C-0001", "partner": "A", "score": 4}) in (
        actions
    )
    assert (
        "trauma_follow_up_recorded",
        {"case_code": "C-0001", "partner": "A", "outcome": "referral"},
    ) in actions


@pytest.mark.parametrize(("yes", "opens"), [(2, False), (3, True), (5, True)])
def test_only_a_positive_screen_opens_a_follow_up(
    db: Database, team: Team, kit_and_lou: CoupleView, yes: int, opens: bool
) -> None:
    safety.record_screen(
        db, team.alice, kit_and_lou.id, screen_form(ptsd_answers=ptsd(exposure=1, yes=yes))
    )
    assert _count(db, TraumaFollowUp) == int(opens)


def test_a_positive_screen_with_a_concern_opens_both(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    screen = positive(db, team, kit_and_lou, coercive_control=True, plan="Safety plan made.")
    assert screen.status is ScreenStatus.OPEN
    assert _count(db, TraumaFollowUp) == 1


def test_one_open_follow_up_per_partner(db: Database, team: Team, kit_and_lou: CoupleView) -> None:
    positive(db, team, kit_and_lou)
    positive(db, team, kit_and_lou, screened_on=SCREEN_DAY + timedelta(days=1))
    positive(db, team, kit_and_lou, partner_label="B")
    items = safety.follow_ups(db, team.alice, kit_and_lou.id)
    assert sorted(i.partner_label for i in items) == ["A", "B"]
    # Once recorded, a new positive screen opens a new item.
    first = next(i for i in items if i.partner_label == "A")
    safety.record_follow_up(db, team.alice, first.id, follow_up_form(outcome="monitored"))
    positive(db, team, kit_and_lou, screened_on=SCREEN_DAY + timedelta(days=2))
    assert len(safety.follow_ups(db, team.alice, kit_and_lou.id)) == 3


BAD_FOLLOW_UPS: dict[str, tuple[dict[str, Any], str]] = {
    "no outcome": ({"outcome": None}, "Follow-up"),
    "unknown outcome": ({"outcome": "cured"}, "Follow-up"),
    "no note": ({"note": "  "}, "Note is required"),
    "future": ({"followed_up_on": date.today() + timedelta(days=1)}, "in the future"),
    "before the screen": ({"followed_up_on": SCREEN_DAY - timedelta(days=1)}, "before the screen"),
}


@pytest.mark.parametrize(("overrides", "message"), BAD_FOLLOW_UPS.values(), ids=BAD_FOLLOW_UPS)
def test_bad_follow_ups_are_refused_and_it_stays_open(
    db: Database, team: Team, kit_and_lou: CoupleView, overrides: dict[str, Any], message: str
) -> None:
    positive(db, team, kit_and_lou)
    (item,) = safety.follow_ups(db, team.alice, kit_and_lou.id)
    with pytest.raises(ValidationError, match=message):
        safety.record_follow_up(db, team.alice, item.id, follow_up_form(**overrides))
    assert safety.follow_ups(db, team.alice, kit_and_lou.id)[0].is_open


def test_recording_twice_unknown_or_by_others_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    positive(db, team, kit_and_lou)
    (item,) = safety.follow_ups(db, team.alice, kit_and_lou.id)
    with pytest.raises(PermissionDenied):
        safety.record_follow_up(db, team.bruno, item.id, follow_up_form())
    with pytest.raises(PermissionDenied):
        safety.record_follow_up(db, team.supervisor, item.id, follow_up_form())
    with pytest.raises(PermissionDenied):
        safety.follow_ups(db, team.bruno, kit_and_lou.id)
    assert safety.follow_ups(db, team.supervisor, kit_and_lou.id)[0].is_open
    with pytest.raises(NotFound):
        safety.record_follow_up(db, team.alice, 9999, follow_up_form())
    safety.record_follow_up(db, team.alice, item.id, follow_up_form())
    with pytest.raises(ValidationError, match="already recorded"):
        safety.record_follow_up(db, team.alice, item.id, follow_up_form())


def test_a_deactivated_counsellor_cannot_record(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    from core.services import accounts

    positive(db, team, kit_and_lou)
    (item,) = safety.follow_ups(db, team.alice, kit_and_lou.id)
    accounts.set_active(db, team.admin, team.alice.id, False)
    with pytest.raises(PermissionDenied):
        safety.record_follow_up(db, team.alice, item.id, follow_up_form())


# --- an included screen is answered in full -------------------------------------------------


UNANSWERED: dict[str, tuple[dict[str, int | None], str]] = {
    "nothing answered": (dict.fromkeys(ptsd(1, 0)), "no question is answered"),
    "exposure unanswered": ({**ptsd(1, 3), "exposure": None}, "ever experienced"),
    "one item unanswered": ({**ptsd(1, 3), "numb": None}, "felt numb"),
}


@pytest.mark.parametrize(("answers", "message"), UNANSWERED.values(), ids=UNANSWERED)
def test_an_included_screen_with_unanswered_questions_is_refused(
    db: Database, team: Team, kit_and_lou: CoupleView, answers: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        safety.record_screen(db, team.alice, kit_and_lou.id, screen_form(ptsd_answers=answers))
    assert (_count(db, SafetyScreen), _count(db, Measurement), _count(db, TraumaFollowUp)) == (
        0,
        0,
        0,
    )


def test_no_exposure_ends_the_screen_and_saves_only_what_was_given(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    answers = {"exposure": 0, **dict.fromkeys(list(ptsd(0, 0))[1:])}
    view = safety.record_screen(db, team.alice, kit_and_lou.id, screen_form(ptsd_answers=answers))
    assert view.ptsd_score == 0 and not view.ptsd_positive
    with db.read() as session:
        (measurement,) = session.scalars(select(Measurement)).all()
        assert measurement.items == {"exposure": 0}


# --- totals over time -------------------------------------------------------------------------


def test_totals_over_time_per_partner_and_their_chart(
    db: Database, team: Team, kit_and_lou: CoupleView
) -> None:
    safety.record_screen(db, team.alice, kit_and_lou.id, screen_form(ptsd_answers=ptsd(1, 4)))
    safety.record_screen(
        db,
        team.alice,
        kit_and_lou.id,
        screen_form(screened_on=LATER, ptsd_answers=ptsd(1, 2)),
    )
    safety.record_screen(
        db, team.alice, kit_and_lou.id, screen_form(partner_label="B", ptsd_answers=ptsd(0, 0))
    )
    totals = safety.ptsd_totals(db, team.alice, kit_and_lou.id)
    assert list(totals["partner_label"]) == ["A", "A", "B"]
    assert list(totals["total"]) == [4.0, 2.0, 0.0]
    assert list(totals["positive"]) == [True, False, False]  # the instrument's own cut-off
    assert [d.date() for d in totals["measured_on"]] == [SCREEN_DAY, LATER, SCREEN_DAY]
    with pytest.raises(PermissionDenied):
        safety.ptsd_totals(db, team.bruno, kit_and_lou.id)
    figure = charts.ptsd_over_time(totals, cutoff=3, case_code="C-0001")
    summary = charts.figure_summary(figure)
    assert summary["traces"] == [("scatter", "Kit (A)", 2), ("scatter", "Lou (B)", 1)]
    assert summary["hlines"] == [3]
    assert list(figure.data[0].y) == [4.0, 2.0]
