"""Synthetic-caseload data: invented names, trajectories and note lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.domain import (
    BreachType,
)

COUPLES_PER_EXTRA_COUNSELLOR = 25


FIRST_NAMES = (
    "Alex",
    "Sam",
    "Jordan",
    "Casey",
    "Morgan",
    "Taylor",
    "Riley",
    "Jamie",
    "Quinn",
    "Avery",
    "Rowan",
    "Sasha",
    "Drew",
    "Kai",
    "Noor",
    "Ira",
    "Lee",
    "Rene",
    "Toni",
    "Eli",
    "Mika",
    "Nico",
    "Pat",
    "Robin",
    "Shay",
    "Teo",
    "Uma",
    "Vic",
    "Wren",
    "Zan",
    "Ari",
    "Bo",
    "Cam",
    "Dee",
    "Emery",
    "Finn",
    "Gale",
    "Hollis",
    "Indy",
    "Jess",
)


PRONOUNS = ("she/her", "he/him", "they/them", "she/her", "he/him")


GOALS = (
    "Decide together whether to continue; rebuild day-to-day honesty.",
    "Understand what led to the breach and agree new boundaries.",
    "Restore a sense of safety at home and reduce arguments about the past.",
    "Rebuild emotional closeness and plan the next year together.",
    "Learn to talk about hard topics without shutting down.",
)


FIVE_CS = ("care", "communication", "character", "consistency", "competence")


CSI4_ITEMS = ("q1", "q2", "q3", "q4")


CSI4_MAX = {"q1": 6, "q2": 5, "q3": 5, "q4": 5}


@dataclass(frozen=True)
class Trajectory:
    """How a couple's ratings move: share of the possible gain reached by week 26."""

    name: str
    gain_at_26: float
    drop_out_week: int | None = None


TRAJECTORIES = (
    (0.58, Trajectory("improving", 0.65)),
    (0.17, Trajectory("plateau", 0.08)),
    (0.12, Trajectory("worsening", -0.35)),
    (0.13, Trajectory("drop-out", 0.15, drop_out_week=8)),
)


@dataclass
class DemoSummary:
    counsellors: int = 0
    couples: int = 0
    sessions: int = 0
    measurements: int = 0
    screens: int = 0
    extra: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    couple: dict[str, Any]
    partners: tuple[dict[str, Any], dict[str, Any]]
    breaches: list[BreachType]
    trajectory: Trajectory
    interval_weeks: int
    weeks_seen: int
    open_concern: bool


HOMEWORK_PHASES = ((6, "impact"), (16, "meaning"), (10_000, "moving_on"))


ANSWER_LINES = (
    "It was harder than I expected, but we did it.",
    "I noticed I wanted to explain myself instead of listening.",
    "We talked for longer than planned and it felt calmer.",
    "I wrote it down and read it back twice.",
)


PTSD_ITEMS = ("nightmares", "avoidance", "on_guard", "numb", "guilt")


DATA_LINES = (
    "Both partners attended on time. {a} described a week with fewer arguments.",
    "{b} reported feeling on edge after a reminder of the breach midweek.",
    "{a} and {b} practised the check-in conversation with prompting.",
    "Session focused on the timeline of events; {b} answered questions calmly.",
)


ASSESSMENT_LINES = (
    "Engaged; early signs of turning toward each other.",
    "Trust remains fragile; defensiveness when the past comes up.",
    "Progress consistent with the current phase of repair work.",
    "Tension high; homework only partly completed.",
)


PLAN_LINES = (
    "Continue weekly check-ins; review boundary agreement next time.",
    "Introduce the apology letter; individual check-in with {a}.",
    "Keep cooling-off agreement; revisit goals in two weeks.",
    "Practise I-statements daily; review kept-promises log.",
)
