"""Which exercises to give a couple next: a pure, deterministic ranking.

`suggest_exercises(profile, catalogue, k=3)` scores every exercise in the
catalogue for the couple described by `profile` and returns the best `k`, each
with a one-line reason a counsellor can read.

Rules, in the order they apply:

1. **Skip** exercises already assigned (open) or done (`taken_slugs`).
2. **Roles present**: an exercise meant for the hurt partner needs a partner
   whose role is "hurt" or "both"; one meant for the partner who broke trust
   needs "broke_trust" or "both". "both"/"either" exercises fit every couple.
   A role that fits earns +2.
3. **Safety first**: while a safety concern is open, gated exercises (joint, or
   asking the hurt partner to be vulnerable) are never suggested. Self-care and
   support exercises earn +6 then, so individual stabilising work comes first.
4. **Phase by weeks in care** (Snyder, Baucom & Gordon; Gottman):
   weeks 0-5 impact (steps 1-2: apology, cooling-off, self-care, needs),
   weeks 6-15 meaning (steps 2-3), week 16 on moving on (steps 4-5 and the
   joint "together" work). A step of the current phase earns +3, and an
   exercise whose own `phase` is the current one +2.
5. **Lowest repair step not yet completed** (1-5) earns +3; a step the couple
   has already completed loses 2.
6. **Repeated pattern** favours reflecting on what led here and boundaries (+6).
7. **Infidelity or lying** breaches favour transparency and honest answers (+4).
8. **Ties** break by repair step (1..5, then together), then slug: the same
   profile and catalogue always give the same list.

Themes (self-care, transparency, reflection, boundaries) are recognised from
the exercise's slug and title, so custom exercises can join them by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from core.domain import NUMBERED_STEPS, PHASE_NAMES, REPAIR_STEPS, STEP_NAMES
from core.homework_rules import is_gated

IMPACT_UNTIL_WEEK = 6
MEANING_UNTIL_WEEK = 16
PHASE_STEPS: dict[str, frozenset[str]] = {
    "impact": frozenset({"1", "2"}),
    "meaning": frozenset({"2", "3"}),
    "moving_on": frozenset({"4", "5", "together"}),
}

THEMES: dict[str, tuple[str, ...]] = {
    "self_care": ("self-care", "support"),
    "transparency": ("transparen", "honest"),
    "reflection": ("what-led", "what led", "what left"),
    "boundaries": ("boundar",),
}
TRUST_BREACH_PREFIXES = ("infidelity", "lying")

SAFETY_WEIGHT = 6
PHASE_STEP_WEIGHT = 3
PHASE_OWN_WEIGHT = 2
NEXT_STEP_WEIGHT = 3
COMPLETED_STEP_PENALTY = -2
PATTERN_WEIGHT = 6
BREACH_WEIGHT = 4
ROLE_WEIGHT = 2

# The reason line names the two first of these that apply: what is specific to
# the couple before what is generic.
REASON_ORDER = ("safety", "pattern", "breach", "next_step", "phase", "role")


class Reason(NamedTuple):
    kind: str  # one of REASON_ORDER, or "" for a score adjustment without words
    weight: int
    text: str


class ExerciseLike(Protocol):
    """What the ranking reads of an exercise (a CatalogueExercise or an ExerciseView)."""

    @property
    def slug(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def repair_step(self) -> str: ...
    @property
    def intended_role(self) -> str: ...
    @property
    def joint(self) -> bool: ...
    @property
    def asks_vulnerability(self) -> bool: ...
    @property
    def phase(self) -> str | None: ...


@dataclass(frozen=True)
class CoupleProfile:
    """What the ranking knows of a couple."""

    partner_roles: tuple[str, ...] = ("hurt", "broke_trust")  # "hurt", "broke_trust", "both"
    breach_types: frozenset[str] = field(default_factory=frozenset)  # BreachType values
    repeated: bool = False  # repeated pattern rather than a one-time event
    weeks_in_care: int = 0
    completed_steps: frozenset[str] = field(default_factory=frozenset)  # "1".."5", "together"
    taken_slugs: frozenset[str] = field(default_factory=frozenset)  # assigned or done
    safety_concern: bool = False

    @property
    def phase(self) -> str:
        return care_phase(self.weeks_in_care)

    @property
    def next_step(self) -> str | None:
        """The lowest of the five repair steps without a completed exercise."""
        return next((s for s in NUMBERED_STEPS if s not in self.completed_steps), None)


@dataclass(frozen=True)
class Suggestion:
    slug: str
    title: str
    reason: str
    score: int = 0


def care_phase(weeks_in_care: int) -> str:
    if weeks_in_care < IMPACT_UNTIL_WEEK:
        return "impact"
    if weeks_in_care < MEANING_UNTIL_WEEK:
        return "meaning"
    return "moving_on"


def has_theme(exercise: ExerciseLike, theme: str) -> bool:
    words = f"{exercise.slug} {exercise.title}".casefold()
    return any(keyword in words for keyword in THEMES[theme])


def suggest_exercises(
    profile: CoupleProfile, catalogue: Iterable[ExerciseLike], *, k: int = 3
) -> list[Suggestion]:
    """The best `k` exercises for `profile` (fewer when fewer fit); see the module rules."""
    ranked: list[tuple[tuple[int, int, str], Suggestion]] = []
    for exercise in catalogue:
        scored = _score(profile, exercise)
        if scored is None:
            continue
        score, reasons = scored
        suggestion = Suggestion(exercise.slug, exercise.title, _reason_line(reasons), score)
        ranked.append(((-score, _step_index(exercise.repair_step), exercise.slug), suggestion))
    ranked.sort(key=lambda pair: pair[0])
    return [suggestion for _key, suggestion in ranked[: max(k, 0)]]


def _step_index(step: str) -> int:
    return REPAIR_STEPS.index(step) if step in REPAIR_STEPS else len(REPAIR_STEPS)


def _fits_roles(profile: CoupleProfile, intended_role: str) -> bool | None:
    """True: meant for a role present; None: for anyone; False: no such partner."""
    if intended_role not in ("hurt", "broke_trust"):
        return None
    return intended_role in profile.partner_roles or "both" in profile.partner_roles


def _score(profile: CoupleProfile, exercise: ExerciseLike) -> tuple[int, list[Reason]] | None:
    """(score, reasons) or None when the exercise must not be suggested."""
    if exercise.slug in profile.taken_slugs:
        return None
    role_fit = _fits_roles(profile, exercise.intended_role)
    if role_fit is False or (profile.safety_concern and is_gated(exercise)):
        return None
    reasons: list[Reason] = []
    if profile.safety_concern and has_theme(exercise, "self_care"):
        reasons.append(
            Reason("safety", SAFETY_WEIGHT, "safety concern open: self-care and support")
        )
    elif profile.safety_concern:
        reasons.append(Reason("safety", 0, "individual work, safe while a safety concern is open"))
    phase, step = profile.phase, exercise.repair_step
    phase_text = f"fits week {profile.weeks_in_care} ({PHASE_NAMES[phase]})"
    if step in PHASE_STEPS[phase]:
        reasons.append(Reason("phase", PHASE_STEP_WEIGHT, phase_text))
    if exercise.phase == phase:
        reasons.append(Reason("phase", PHASE_OWN_WEIGHT, phase_text))
    if step == profile.next_step:
        next_text = f"next repair step not yet completed (step {step}: {STEP_NAMES[step]})"
        reasons.append(Reason("next_step", NEXT_STEP_WEIGHT, next_text))
    elif step in profile.completed_steps and step in NUMBERED_STEPS:
        reasons.append(Reason("", COMPLETED_STEP_PENALTY, ""))
    if profile.repeated and has_theme(exercise, "reflection"):
        reasons.append(
            Reason("pattern", PATTERN_WEIGHT, "repeated pattern: reflect on what led here")
        )
    elif profile.repeated and has_theme(exercise, "boundaries"):
        reasons.append(
            Reason("pattern", PATTERN_WEIGHT, "repeated pattern: clear, kept boundaries")
        )
    if _trust_breach(profile) and has_theme(exercise, "transparency"):
        breach_text = "infidelity or lying: transparency and honest answers"
        reasons.append(Reason("breach", BREACH_WEIGHT, breach_text))
    if role_fit:
        who = "hurt partner" if exercise.intended_role == "hurt" else "partner who broke trust"
        reasons.append(Reason("role", ROLE_WEIGHT, f"for the {who}"))
    return sum(reason.weight for reason in reasons), reasons


def _trust_breach(profile: CoupleProfile) -> bool:
    return any(breach.startswith(TRUST_BREACH_PREFIXES) for breach in profile.breach_types)


def _reason_line(reasons: list[Reason]) -> str:
    """The first two kinds of reason that apply, in REASON_ORDER."""
    texts = {reason.kind: reason.text for reason in reasons if reason.text}
    chosen = [texts[kind] for kind in REASON_ORDER if kind in texts][:2]
    line = "; ".join(chosen) or "a further exercise for this couple"
    return line[0].upper() + line[1:] + "."
