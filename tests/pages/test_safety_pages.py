"""Safety as a counsellor sees it: the caseload's Safety column (red chips with words,
open concerns first), badges beside the status, the crisis lines (a self-harm line of its
own, a region default, never a setting's name), the PC-PTSD-5 form (unanswered until
answered) and the trauma follow-up on the Safety tab; the Admin page's crisis lines."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from core import charts
from core.db import Database
from core.services import couples, safety
from tests.conftest import Team, intake_form
from tests.pages.conftest import OpenApp, texts

COUPLE = "pages/couple.py"
SCREEN_DAY = date(2026, 9, 8)
PLAN = "Individual sessions; safety plan made together."
TEXT_KINDS = ("error", "warning", "info", "success", "markdown", "caption", "text", "title")


def two_couples(db: Database, team: Team) -> tuple[couples.CoupleView, couples.CoupleView]:
    calm = couples.create_couple(db, team.alice, intake_form())
    worried = couples.create_couple(
        db,
        team.alice,
        intake_form(
            partner_a={"name": "Nell", "role": "hurt"}, partner_b={"name": "Oz", "role": "both"}
        ),
    )
    return calm, worried


def concern(db: Database, team: Team, couple: couples.CoupleView, **flags: Any) -> None:
    safety.record_screen(
        db,
        team.alice,
        couple.id,
        {"partner_label": "A", "screened_on": SCREEN_DAY, "plan": PLAN, **flags},
    )


def every_text(at: Any) -> str:
    found = [str(v) for kind in TEXT_KINDS for v in texts(at, kind)]
    found += [str(e.label) for e in at.button] + [str(e.label) for e in at.radio]
    return "\n".join(found)


def click(at: Any, label: str) -> Any:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_caseload_shows_open_concerns_first_as_red_chips_with_words(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    _calm, worried = two_couples(page_db, page_team)
    concern(page_db, page_team, worried, coercive_control=True, emotional_abuse=True)
    at = open_app(page_team.alice)
    table = at.dataframe[0]
    frame = table.value
    assert list(frame["case_code"]) == ["C-0002", "C-0001"]  # needs attention first
    assert list(frame["safety"].iloc[0]) == ["⚠ Coercive control", "⚠ Emotional abuse"]
    assert list(frame["safety"].iloc[1]) == []
    reasons = frame["attention_reasons"].iloc[0]
    assert reasons.startswith("open safety concern: coercive control, emotional abuse")
    config = json.loads(table.proto.columns)
    safety_column = config["safety"]
    assert safety_column["type_config"]["type"] == "multiselect"
    assert safety_column["label"] == "Open safety concern"
    chips = {o["value"]: o.get("color") for o in safety_column["type_config"]["options"]}
    assert chips["⚠ Coercive control"] == "red"
    assert "safety_concern" not in config or config["safety_concern"].get("hidden")
    order = list(table.proto.column_order)
    assert order.index("safety") == order.index("progress_status") + 1  # beside the status


def test_couple_header_and_progress_status_carry_the_concern(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    _calm, worried = two_couples(page_db, page_team)
    concern(page_db, page_team, worried, coercive_control=True)
    at = open_app(page_team.alice, COUPLE, case=worried.case_code)
    badges = [m for m in texts(at, "markdown") if "Open safety concern: coercive control" in m]
    assert len(badges) >= 2  # in the header and beside the progress status


@pytest.mark.parametrize("region", [None, "GB", "US", "XX"])
def test_crisis_lines_never_name_a_setting(
    open_app: OpenApp,
    page_team: Team,
    page_db: Database,
    monkeypatch: pytest.MonkeyPatch,
    region: str | None,
) -> None:
    for name in ("MEND_CRISIS_LINE", "MEND_SELF_HARM_LINE", "MEND_REGION"):
        monkeypatch.delenv(name, raising=False)
    if region:
        monkeypatch.setenv("MEND_REGION", region)
    _calm, worried = two_couples(page_db, page_team)
    concern(page_db, page_team, worried, violence=True, self_harm_risk=True)
    at = open_app(page_team.alice, COUPLE, case=worried.case_code)
    (banner,) = [e.replace("\\", "") for e in texts(at, "error") if "Open safety concern" in e]
    assert "MEND" not in every_text(at)
    assert "If anyone is in immediate danger, call" in banner
    assert "thoughts of harming themselves" in banner
    if region == "GB":
        assert "0808 2000 247" in banner and "116 123" in banner
        assert "Mend's default for the United Kingdom" in banner


def test_self_harm_shows_its_own_line_and_not_the_violence_line(
    open_app: OpenApp, page_team: Team, page_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEND_CRISIS_LINE", "Domestic abuse line: 0100 000")
    monkeypatch.setenv("MEND_SELF_HARM_LINE", "Crisis team: 0200 000")
    _calm, worried = two_couples(page_db, page_team)
    concern(page_db, page_team, worried, self_harm_risk=True)
    at = open_app(page_team.alice, COUPLE, case=worried.case_code)
    (banner,) = [e.replace("\\", "") for e in texts(at, "error") if "Open safety concern" in e]
    assert "Crisis team: 0200 000" in banner
    assert "0100 000" not in banner
    concern(page_db, page_team, worried, coercive_control=True)
    at.run()
    (banner,) = [e.replace("\\", "") for e in texts(at, "error") if "Open safety concern" in e]
    assert "0100 000" in banner and "0200 000" in banner


def test_ptsd_questions_start_unanswered_and_must_all_be_answered(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    calm, _worried = two_couples(page_db, page_team)
    at = open_app(page_team.alice, COUPLE, case=calm.case_code, tab="Safety")
    prefix = f"ptsd_{calm.id}"
    assert not [r for r in at.radio if str(r.key).startswith(prefix)]  # not included yet
    at.toggle(key=f"{prefix}_include").set_value(True).run()
    questions = [r for r in at.radio if str(r.key).startswith(prefix)]
    # The published order: the exposure question, then the five past-month items.
    assert [str(r.key).removeprefix(prefix + "_") for r in questions] == [
        "exposure", "nightmares", "avoidance", "on_guard", "numb", "guilt"
    ]  # fmt: skip
    assert all(r.value is None for r in questions)
    captions = texts(at, "caption")
    examples = next(i for i, c in enumerate(captions) if "serious accident" in c)
    past_month = next(i for i, c in enumerate(captions) if "In the past month" in c)
    assert examples < past_month
    assert any("not a diagnosis" in c for c in captions)
    at.radio(key=f"{prefix}_exposure").set_value(1)
    for item in ("nightmares", "avoidance", "on_guard"):
        at.radio(key=f"{prefix}_{item}").set_value(1)
    at = click(at, "Save screen")
    assert any("not answered" in e and "felt numb" in e for e in texts(at, "error"))
    assert safety.screens(page_db, page_team.alice, calm.id) == []
    for item in ("numb", "guilt"):
        at.radio(key=f"{prefix}_{item}").set_value(0)
    at = click(at, "Save screen")
    at.run()
    (screen,) = safety.screens(page_db, page_team.alice, calm.id)
    assert screen.ptsd_score == 3 and screen.ptsd_positive
    assert any("Trauma symptoms: follow up" in m for m in texts(at, "markdown"))
    assert at.query_params["tab"] in ("Safety", ["Safety"])  # the save's rerun kept the tab


def test_trauma_follow_up_is_recorded_from_the_safety_tab(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    calm, _worried = two_couples(page_db, page_team)
    answers = {"exposure": 1, "nightmares": 1, "avoidance": 1, "on_guard": 1, "numb": 1, "guilt": 0}
    safety.record_screen(
        page_db,
        page_team.alice,
        calm.id,
        {"partner_label": "A", "screened_on": SCREEN_DAY, "ptsd_answers": answers},
    )
    (item,) = safety.follow_ups(page_db, page_team.alice, calm.id)
    at = open_app(page_team.alice, COUPLE, case=calm.case_code, tab="Safety")
    assert at.get("plotly_chart")  # the PC-PTSD-5 over time
    assert any("PC-PTSD-5 4/5: positive screen" in m for m in texts(at, "markdown"))
    at = click(at, "Record follow-up")
    assert any("Follow-up is required" in e for e in texts(at, "error"))
    at.radio(key=f"follow_up_{item.id}_outcome").set_value("further_assessment")
    at.text_area(key=f"follow_up_{item.id}_note").set_value("Booked a full assessment.")
    at = click(at, "Record follow-up")
    at.run()
    (done,) = safety.follow_ups(page_db, page_team.alice, calm.id)
    assert not done.is_open and done.note == "Booked a full assessment."
    assert any("Further assessment" in t for t in texts(at, "text"))


def test_admin_sees_the_crisis_lines_and_where_they_are_set(
    open_app: OpenApp, page_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEND_REGION", "NZ")
    monkeypatch.delenv("MEND_CRISIS_LINE", raising=False)
    monkeypatch.setenv("MEND_SELF_HARM_LINE", "Clinic crisis team: 0300")
    at = open_app(page_team.admin, "pages/admin.py", tab="Crisis lines")
    shown = texts(at, "text")
    assert any("Shown now" in t and "0800 733 843" in t for t in shown)
    assert "Shown now: Clinic crisis team: 0300" in shown
    assert any("Comes from" in t and "MEND_CRISIS_LINE is not set" in t for t in shown)
    assert any(t.startswith("Comes from: MEND_SELF_HARM_LINE") for t in shown)
    assert any("MEND_REGION=NZ" in t for t in texts(at, "text"))


def test_the_ptsd_chart_is_built_once_per_what_it_draws(
    open_app: OpenApp, page_team: Team, page_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calm, _worried = two_couples(page_db, page_team)
    answers = {"exposure": 1, "nightmares": 1, "avoidance": 0, "on_guard": 0, "numb": 0, "guilt": 0}
    screen = {"partner_label": "A", "screened_on": SCREEN_DAY, "ptsd_answers": answers}
    safety.record_screen(page_db, page_team.alice, calm.id, screen)
    built: list[int] = []
    real = charts.ptsd_over_time

    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(charts, "ptsd_over_time", counted)
    at = open_app(page_team.alice, COUPLE, case=calm.case_code, tab="Safety")
    at.run()
    assert len(at.get("plotly_chart")) == 1 and len(built) == 1  # kept for the rerun
    later = {**screen, "screened_on": date(2026, 10, 6), "partner_label": "B"}
    safety.record_screen(page_db, page_team.alice, calm.id, later)
    at.run()
    assert len(built) == 2  # a new screen: drawn again, with both partners
    (figure,) = at.get("plotly_chart")
    assert len(json.loads(figure.proto.spec)["data"]) == 2
