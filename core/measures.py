"""Rating instruments: items, ranges, scoring, direction and reliable-change constants.

Every instrument is data (an `Instrument`), kept in `INSTRUMENTS`; pages and
analytics loop over the registry, so a clinic adds an instrument here (or in
the YAML file named by MEND_INSTRUMENTS_FILE) without touching any page.

Reliable change follows Jacobson & Truax (1991), J Consult Clin Psychol 59(1):12-19:
RCI = (after - before) / (SD * sqrt(2) * sqrt(1 - r)); |RCI| >= 1.96 is reliable.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from core.errors import ValidationError

RELIABLE_CHANGE_THRESHOLD = 1.96


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    minimum: int
    maximum: int
    anchors: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Instrument:
    key: str
    name: str
    short_name: str
    instructions: str
    items: tuple[Item, ...]
    higher_is_better: bool
    # Constants for reliable change (None: the instrument is a screen, not tracked by RCI).
    default_sd: float | None
    reliability: float | None
    constants_source: str
    # Scores below (or, if not higher_is_better, at or above) this are in the clinical range.
    cutoff: float | None = None
    cutoff_label: str = ""
    # An item whose "no" (0) sets the whole score to 0 (PC-PTSD-5's exposure question).
    gate_item: str | None = None
    estimate_from_clinic: bool = False
    every_session: bool = True
    # Where the reliability alone comes from (constants_source covers SD and reliability).
    reliability_source: str = ""
    # A screen with a gate item: what stands between the gate and the scored items
    # ("In the past month, have you..."), and a short note on reading a positive result.
    items_intro: str = ""
    note: str = ""
    # "primary" outcomes (relationship satisfaction, trust) decide a status; "secondary"
    # ones (weekly distress) only corroborate it (core.progress.status).
    outcome: str = "secondary"
    # The smallest standard error of measurement (SD * sqrt(1 - r), in points) that
    # clinic-estimated constants may reach: a homogeneous clinic sample must not make
    # tiny changes "reliable". None: no clinic estimate, no floor needed.
    sem_floor: float | None = None

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.key != self.gate_item)

    @property
    def total_range(self) -> tuple[int, int]:
        items = self.scored_items
        return sum(i.minimum for i in items), sum(i.maximum for i in items)

    def score(self, answers: Mapping[str, float | int | None]) -> float:
        """Validate every item and return the total; refuse anything out of range."""
        if self._gate_closed(answers):
            # A "no" at the gate question ends the screen: score 0. Later items are
            # not required, but any that were given must still be valid.
            answers = {k: v for k, v in answers.items() if v is not None}
            if problems := self._problems(answers, required=[]):
                raise ValidationError(f"{self.short_name}: " + "; ".join(problems))
            return 0.0
        missing = [item for item in self.items if answers.get(item.key) is None]
        if len(missing) == len(self.items):
            raise ValidationError(f"{self.short_name}: not rated")
        if problems := self._problems(answers, required=self.items):
            raise ValidationError(f"{self.short_name}: " + "; ".join(problems))
        if self.gate_item is not None and not answers[self.gate_item]:
            return 0.0
        return float(sum(float(answers[item.key] or 0) for item in self.scored_items))

    def _gate_closed(self, answers: Mapping[str, float | int | None]) -> bool:
        if self.gate_item is None:
            return False
        value = answers.get(self.gate_item)
        return not isinstance(value, bool) and value == 0

    def _problems(
        self, answers: Mapping[str, float | int | None], required: Sequence[Item]
    ) -> list[str]:
        missing = [item for item in required if answers.get(item.key) is None]
        problems = [
            p
            for item in self.items
            if answers.get(item.key) is not None and (p := _item_problem(item, answers[item.key]))
        ]
        if missing:
            problems.append("not answered: " + "; ".join(f"'{i.text}'" for i in missing))
        unknown = sorted(set(answers) - {item.key for item in self.items})
        if unknown:
            problems.append(
                f"unknown {'item' if len(unknown) == 1 else 'items'} {', '.join(unknown)}"
            )
        return problems

    def in_clinical_range(self, total: float) -> bool | None:
        if self.cutoff is None:
            return None
        return total < self.cutoff if self.higher_is_better else total >= self.cutoff


def _item_problem(item: Item, value: float | int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return f"'{item.text}' must be a number"
    if not item.minimum <= value <= item.maximum or value != int(value):
        return f"'{item.text}' must be a whole number from {item.minimum} to {item.maximum}"
    return None


def _scale(
    keys_texts: list[tuple[str, str]], low: int, high: int, anchors: Mapping[int, str] | None = None
) -> tuple[Item, ...]:
    return tuple(Item(k, t, low, high, dict(anchors or {})) for k, t in keys_texts)


TRUE_ANCHORS = {
    0: "Not at all true",
    1: "A little true",
    2: "Somewhat true",
    3: "Mostly true",
    4: "Almost completely true",
    5: "Completely true",
}
EXTENT_ANCHORS = {
    0: "Not at all",
    1: "A little",
    2: "Somewhat",
    3: "Mostly",
    4: "Almost completely",
    5: "Completely",
}
HAPPINESS_ANCHORS = {
    0: "Extremely unhappy",
    1: "Fairly unhappy",
    2: "A little unhappy",
    3: "Happy",
    4: "Very happy",
    5: "Extremely happy",
    6: "Perfect",
}
YES_NO = {0: "No", 1: "Yes"}

FIVE_CS = Instrument(
    key="five_cs",
    name="Five C's trust check-in",
    short_name="Five C's",
    instructions="How much do you trust your partner right now on each of these? "
    "0 = not at all, 10 = completely.",
    items=_scale(
        [
            ("care", "Care: my partner has my wellbeing at heart"),
            ("communication", "Communication: my partner is open and honest with me"),
            ("character", "Character: my partner acts with integrity"),
            ("consistency", "Consistency: my partner does what they say, time after time"),
            ("competence", "Competence: my partner is able to do what they promise"),
        ],
        0,
        10,
    ),
    higher_is_better=True,
    # Mend's own instrument: no published norms. Mend's assumption until the clinic has
    # data: SD 8 of a 0-50 total (a wide, cautious spread) and r .80 (the usual floor
    # for a scale used with individuals), one assumed sample. Once 30 partners of a
    # role (hurt, broke trust, both) have an intake rating and a second one within
    # 3 weeks, SD and a test-retest-type r are estimated from those same pairs, within
    # that role (core.progress.constants.clinic_constants), never below sem_floor.
    default_sd=8.0,
    reliability=0.80,
    constants_source="Mend's assumption (no published norms): SD 8.0 and r .80; "
    "estimated per partner role from the clinic's retest pairs once 30 exist",
    estimate_from_clinic=True,
    reliability_source="Mend's assumption (r .80) until the clinic has 30 retest pairs per role",
    outcome="primary",
    # Mend's assumption: about one point of day-to-day wobble on each C, sqrt(5) * 0.9.
    sem_floor=2.0,
)

CSI4 = Instrument(
    key="csi4",
    name="Couples Satisfaction Index (CSI-4)",
    short_name="CSI-4",
    instructions="Relationship satisfaction. Answer for your relationship as it is now.",
    items=(
        # Items 1, 12, 19 and 22 of the CSI-32 (Funk & Rogge, 2007, J Fam Psychol
        # 21(4):572-583; free for research and clinical use by its authors).
        Item(
            "q1",
            "Please indicate the degree of happiness, all things considered, of your relationship.",
            0,
            6,
            HAPPINESS_ANCHORS,
        ),
        Item(
            "q2", "I have a warm and comfortable relationship with my partner.", 0, 5, TRUE_ANCHORS
        ),
        Item("q3", "How rewarding is your relationship with your partner?", 0, 5, EXTENT_ANCHORS),
        Item(
            "q4", "In general, how satisfied are you with your relationship?", 0, 5, EXTENT_ANCHORS
        ),
    ),
    higher_is_better=True,
    # One sample for both constants (Jacobson & Truax need SD and r from the same one):
    # Cronbach's alpha .94 for the CSI-4 is from Funk & Rogge (2007), 5,315 online
    # participants. Mend could not check the SD that paper gives for the CSI-4 total, so
    # SD 4.0 (of 0-21) is Mend's assumption for the spread in that same community
    # sample; the reliable-change threshold is then 1.96 * 4.0 * sqrt(2 * .06) = 2.72
    # points. The clinic's own baseline SD is never combined with this alpha (a
    # clinical intake sample is narrower, which made the threshold too small). alpha is
    # internal consistency, not test-retest: a test-retest r would be lower and the
    # threshold larger, so statuses also ask for persistence (core.progress.status).
    default_sd=4.0,
    reliability=0.94,
    constants_source="alpha .94: Funk & Rogge (2007); SD 4.0 for that sample: Mend's "
    "assumption (the paper's SD not checked)",
    # Scores below 13.5 indicate notable relationship dissatisfaction (Funk & Rogge, 2007).
    cutoff=13.5,
    cutoff_label="distress cut-off (below 13.5)",
    reliability_source="Cronbach's alpha, Funk & Rogge (2007)",
    outcome="primary",
)

DISTRESS = Instrument(
    key="distress",
    name="Hurt and upset this week",
    short_name="Distress",
    instructions="How hurt and upset have you felt about the relationship this week? "
    "0 = not at all, 10 = the most I can imagine.",
    items=(Item("distress", "Hurt and upset this week", 0, 10),),
    higher_is_better=False,
    # Single item: no internal consistency and no published norms. Test-retest r .70
    # and SD 2.5 are Mend's assumption for a single 0-10 rating (one assumed sample);
    # a secondary outcome: it corroborates a status, never decides one.
    default_sd=2.5,
    reliability=0.70,
    constants_source="Mend's assumption for a single 0-10 rating (r .70, SD 2.5)",
    reliability_source="Mend's assumption: test-retest r .70 for a single 0-10 rating",
)

PCPTSD5_DEFAULT_CUTOFF = 3

PCPTSD5 = Instrument(
    key="pcptsd5",
    name="Primary Care PTSD Screen for DSM-5 (PC-PTSD-5)",
    short_name="PC-PTSD-5",
    # Prins et al. (2016), J Gen Intern Med 31(10):1206-1211; US National Center for
    # PTSD, public domain, so its own wording is used, in its published order: the
    # examples of traumatic events, the lifetime exposure question, then "In the past
    # month, have you..." and the five items.
    instructions="Sometimes things happen to people that are unusually or especially "
    "frightening, horrible, or traumatic. For example: a serious accident or fire; a "
    "physical or sexual assault or abuse; an earthquake or flood; a war; seeing someone "
    "be killed or seriously injured; having a loved one die through homicide or suicide.",
    items_intro="If no, the screen ends here (score 0): leave the questions below "
    "unanswered. If yes, answer each of them. In the past month, have you...",
    note="A positive screen after a betrayal means follow up (ask more, assess further "
    "or refer), not a diagnosis: a betrayal may not meet the DSM-5 definition of a "
    "traumatic event.",
    items=(
        Item("exposure", "Have you ever experienced this kind of event?", 0, 1, YES_NO),
        Item(
            "nightmares",
            "had nightmares about the event(s) or thought about the event(s) "
            "when you did not want to?",
            0,
            1,
            YES_NO,
        ),
        Item(
            "avoidance",
            "tried hard not to think about the event(s) or went out of your way "
            "to avoid situations that reminded you of the event(s)?",
            0,
            1,
            YES_NO,
        ),
        Item("on_guard", "been constantly on guard, watchful, or easily startled?", 0, 1, YES_NO),
        Item(
            "numb",
            "felt numb or detached from people, activities, or your surroundings?",
            0,
            1,
            YES_NO,
        ),
        Item(
            "guilt",
            "felt guilty or unable to stop blaming yourself or others for the "
            "event(s) or any problems the event(s) may have caused?",
            0,
            1,
            YES_NO,
        ),
    ),
    higher_is_better=False,
    default_sd=None,
    reliability=None,
    constants_source="screen: positive at the configured cut-point, not tracked by RCI",
    # 3 is the more sensitive cut-point; 4 was the most efficient in the validation
    # study (Prins et al., 2016). MEND_PCPTSD5_CUTOFF changes it.
    cutoff=float(os.environ.get("MEND_PCPTSD5_CUTOFF", PCPTSD5_DEFAULT_CUTOFF)),
    cutoff_label="positive screen",
    gate_item="exposure",
    every_session=False,
)


def _load_extra(path: str | None) -> tuple[Instrument, ...]:
    """Clinic-specific instruments from YAML (same fields as Instrument)."""
    if not path:
        return ()
    try:
        entries = yaml.safe_load(Path(path).read_text()) or []
        return tuple(
            Instrument(**{**entry, "items": tuple(Item(**item) for item in entry["items"])})
            for entry in entries
        )
    except (OSError, yaml.YAMLError, TypeError, KeyError) as error:
        raise ValidationError(f"Instrument file {path} could not be read: {error}") from None


INSTRUMENTS: dict[str, Instrument] = {
    instrument.key: instrument
    for instrument in (
        FIVE_CS,
        CSI4,
        DISTRESS,
        PCPTSD5,
        *_load_extra(os.environ.get("MEND_INSTRUMENTS_FILE")),
    )
}


def instrument(key: str) -> Instrument:
    try:
        return INSTRUMENTS[key]
    except KeyError:
        raise ValidationError(f"Unknown instrument {key!r}.") from None


def session_instruments() -> list[Instrument]:
    """The ratings asked of each attending partner at every session."""
    return [i for i in INSTRUMENTS.values() if i.every_session]


def reliable_change_index(before: Any, after: Any, sd: Any, reliability: Any) -> Any:
    """Jacobson & Truax RCI; scalars or pandas Series (vectorised).

    The sign follows the raw scale: for an instrument where lower is better, a
    negative RCI is improvement.
    """
    standard_error_of_difference = sd * math.sqrt(2) * (1 - reliability) ** 0.5
    return (after - before) / standard_error_of_difference


def is_reliable(rci: Any) -> Any:
    """|RCI| >= 1.96, for a scalar or a Series."""
    return abs(rci) >= RELIABLE_CHANGE_THRESHOLD


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha of item columns (rows: respondents); NaN with < 2 rows or items."""
    items = items.dropna()
    k = items.shape[1]
    if k < 2 or len(items) < 2:
        return float("nan")
    total_variance = items.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - items.var(ddof=1).sum() / total_variance))
