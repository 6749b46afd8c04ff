"""A caseload whose every user-entered text is one markdown/HTML payload, stored through the
services, and the check that a rendered page shows each as text: no element's markdown
keeps a live image, link, HTML tag, heading, formula or directive, and no chart keeps HTML.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from google.protobuf.json_format import MessageToDict
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from core.db import Database
from core.models import Counsellor
from core.services import couples, exercises, homework, safety, sessions
from core.services.access import Actor
from tests.conftest import Team, intake_form
from tests.sessions_support import RATINGS_A, RATINGS_B

PAYLOADS = {
    "image": "![x](http://127.0.0.1:9/beacon.png)",
    "link": "[click](http://evil.example)",
    "autolink": "<http://evil.example>",
    "heading": "# BIG",
    "html_image": "<img src=http://127.0.0.1:9/x.png>",
    "html_link": '<a href="http://evil.example">x</a>',
    "latex": "$\\frac{1}{2}$",
    "directive": ":red[alert]",
}
# Each payload's words, which must still be on the page (escaped, not dropped).
WORDS = {
    "image": "beacon",
    "link": "click",
    "autolink": "evil",
    "heading": "BIG",
    "html_image": "127",
    "html_link": "evil",
    "latex": "frac",
    "directive": "alert",
}
LIVE_MARKDOWN = re.compile(
    r"(?<!\\)(?:\]\(|<img|<a |<http|\$\\frac|:red\\?\[alert)|(?m:^\s*#+ *BIG)|https?://"
)
LIVE_CHART = re.compile(r"<a\b|<img\b|<http", re.IGNORECASE)
# Widget values and plain-text options are what the person typed, shown as text.
NOT_MARKDOWN = {"value", "default", "rawValues", "placeholder", "formId", "id", "spec"}
PLAIN_OPTIONS = {"selectbox", "multiselect"}
TODAY = date.today()


@dataclass(frozen=True)
class World:
    payload: str
    couple: couples.CoupleView
    closed: couples.CoupleView
    exercise_id: int
    assignments: tuple[int, ...]
    alice: Actor


def _fit(payload: str, limit: int) -> str:
    """The payload where it fits the field, else the shortest live one (still markdown)."""
    return payload if len(payload) <= limit else ":red[alert]"


def build(db: Database, team: Team, payload: str) -> World:
    """Every text field of a couple's record holds `payload`, stored through the services."""
    with db.transaction() as session:
        session.execute(
            update(Counsellor).where(Counsellor.id == team.alice.id).values(display_name=payload)
        )
    with db.read() as session:  # the logged-in user as the app holds it, new name and all
        alice = Actor.of(session.get(Counsellor, team.alice.id))
    intake = TODAY - timedelta(days=70)
    partner = {"name": payload, "pronouns": _fit(payload, 30), "contact": payload}
    form = intake_form(
        partner_a={**partner, "role": "hurt"},
        partner_b={**partner, "name": f"{payload} B", "role": "broke_trust"},
        intake_date=intake,
        goals=f"{payload}\n{payload}",
    )
    couple = couples.create_couple(db, alice, form, today=TODAY)
    closed = couples.create_couple(db, alice, form, today=TODAY)
    couples.change_status(
        db, alice, closed.id, {"target": "closed", "reason": payload}, expected_version=1
    )
    note = {
        "duration_minutes": 50,
        "modality": "in_person",
        "attendees": "joint",
        "note_data": f"{payload}\n{payload}",
        "note_assessment": payload,
        "note_plan": payload,
        "risk_raised": True,
        "risk_text": payload,
        "ratings": {"A": RATINGS_A, "B": RATINGS_B},
    }
    first = sessions.record_session(
        db, alice, couple.id, {**note, "session_date": intake + timedelta(days=7)}, sign=True
    )
    sessions.add_addendum(db, alice, first.id, payload)
    sessions.record_session(
        db, alice, couple.id, {**note, "session_date": TODAY - timedelta(days=1)}
    )
    safety.record_screen(
        db,
        alice,
        couple.id,
        {
            "partner_label": "A",
            "screened_on": TODAY - timedelta(days=2),
            "coercive_control": True,
            "notes": payload,
            "plan": payload,
        },
    )
    positive = {"exposure": 1, "nightmares": 1, "avoidance": 1, "on_guard": 1, "numb": 1}
    safety.record_screen(
        db,
        alice,
        couple.id,
        {
            "partner_label": "B",
            "screened_on": TODAY - timedelta(days=2),
            "ptsd_answers": {**positive, "guilt": 0},
            "notes": payload,
        },
    )
    exercise = exercises.create_custom(
        db,
        alice,
        {
            "title": _fit(payload, 120),
            "repair_step": "1",
            "intended_role": "either",
            "joint": True,
            "frequency": "once",
            "minutes": 20,
            "purpose": payload,
            "instructions": f"{payload}\n{payload}",
            "prompts": f"{payload}\nWhat did {payload} mean?",
            "review_guidance": payload,
        },
    )
    given = [
        homework.assign(
            db,
            alice,
            couple.id,
            {
                "exercise_id": exercise.id,
                "target": "both",
                "assigned_on": TODAY - timedelta(days=1),
                "due_on": TODAY + timedelta(days=days),
                "personal_note": payload,
            },
            safety_override_reason=payload,
            today=TODAY,
        )
        for days in (0, 7)
    ]
    done = given[1]
    answers = dict.fromkeys(exercise.prompts, payload)
    homework.record_completion(db, alice, done.id, "A", TODAY, answers, today=TODAY)
    reviewed = homework.review(db, alice, done.id, payload, expected_version=2)
    homework.set_status(
        db, alice, done.id, "skipped", skip_reason=payload, expected_version=reviewed.version
    )
    return World(payload, couple, closed, exercise.id, tuple(g.id for g in given), alice)


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _nodes(child)


def _strings(value: Any, skip: set[str]) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from _strings(item, skip)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, skip)


def rendered(at: AppTest) -> tuple[list[str], list[str]]:
    """(every markdown source on the page: bodies, labels, radio options; every chart spec)."""
    markdown: list[str] = []
    charts: list[str] = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        kind = getattr(node, "type", "")
        if kind == "plotly_chart":
            charts.append(proto.spec)
            continue
        if kind in ("arrow_data_frame", "dataframe", "table", "text", "code"):
            continue  # shown as text: cells, st.text, st.code
        skip = NOT_MARKDOWN | ({"options"} if kind in PLAIN_OPTIONS else set())
        markdown += _strings(MessageToDict(proto), skip)
    return markdown, charts


def assert_shown_as_text(at: AppTest, payload_name: str, *, shown: bool = True) -> None:
    """The payload's words are on the page (unless `shown` is False), and nowhere live."""
    assert not at.exception, at.exception
    markdown, charts = rendered(at)
    live = [text for text in markdown if LIVE_MARKDOWN.search(text)]
    assert live == [], live
    if shown:
        assert any(WORDS[payload_name] in text for text in markdown), "the payload is not shown"
    for spec in charts:
        json.loads(spec)
        assert not LIVE_CHART.search(spec), LIVE_CHART.search(spec)
