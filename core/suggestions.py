"""Which exercises to give a couple next: a pure, deterministic ranking.

`suggest_exercises(profile, exercises, k=3, tags=...)` scores every exercise for the
couple described by `profile` and returns the best `k`, each with a one-line reason a
counsellor can read. Every reason is true of the exercise it explains: each names a
field of the exercise (tags, phase, repair step, intended role, joint or not) that the
rule checked, and `Suggestion.grounds` lists the rules the line names.

What an exercise is for comes from its tags (core.domain.EXERCISE_TAGS): the built-in
catalogue's, looked up by slug (`tags`, from core.catalogue.catalogue_tags); an
exercise not in it uses its own `tags` attribute if it has one, else
`homework_rules.default_tags` ("repair", plus "vulnerability" when it asks for it) and
the themes transparency, reflection and boundaries recognised from its slug and title.
Safety work is never recognised by name: only the reviewed catalogue can offer it.

Rules, in the order they apply:

1. **Skip** exercises already assigned (open) or done (`taken_slugs`).
2. **Roles present**: an exercise meant for the hurt partner needs a partner whose
   role is "hurt" or "both"; one for the partner who broke trust needs "broke_trust"
   or "both"; "both"/"either" exercises fit every couple. A role that fits earns +2.
3. **Safety first** (DOMAIN.md; the concern types of the open safety screens):
   - any open concern: gated exercises (joint, or asking the hurt partner to be
     vulnerable: `homework_rules.is_gated`) are never suggested;
   - violence, coercive control or emotional abuse: only safety work is suggested,
     to either partner: tagged "safety", "de_escalation" or "support", and none of
     repair, apology, forgiveness, crediting, vulnerability or a stay-or-leave
     decision (the catalogue makes safety work individual);
   - self-harm risk (decided for issue 9): the safety plan and individual support
     come first; apology, forgiveness and stay-or-leave work, the heaviest (shame,
     loss), wait while the risk is open; other individual work may follow;
   - an open screen without a concern type: the gate only; safety plan and support
     first.
   Safety work under an open concern ranks above everything else (a tier of its
   own, not a weight; the safety plan, then de-escalation, then support): safety
   outranks progress in every list. The safety plan is suggested only while a
   concern is open.
4. **Progress** (optional `progress_status`, the couple's status from core.progress,
   which the couple page passes): "not on track" or "deteriorated" favours
   stabilising work (+6) and holds back moving-on work (an exercise whose phase is
   moving on); the one exception is a stay-or-leave decision from week 6 on, since a
   couple off track after the first weeks is at a decision point (+6).
5. **Phase by weeks in care** (Snyder, Baucom & Gordon; Gottman): weeks 0-5 impact,
   6-15 meaning, week 16 on moving on. Only an exercise whose own phase is the
   current one earns phase points (+5); one without a phase (custom) earns +3 when
   its repair step belongs to the phase (core.domain.PHASE_STEPS). Forgiveness waits
   for the moving-on phase; a stay-or-leave decision comes in its own phase or at a
   decision point (rule 4), never in the impact phase (no big decisions in the first
   weeks).
6. **Lowest repair step not yet completed** (1-5) earns +3; a completed step loses 2.
7. **Positive trauma screen** (a partner's latest PC-PTSD-5 at or above the cut-off):
   support work meant for that partner's role earns +8.
8. **Repeated pattern** favours reflection and boundaries (+6).
9. **Infidelity or lying** breaches favour transparency (+4).
10. **Ties** break by repair step (1..5, then together), then slug: the same profile
    and exercises always give the same list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from core.domain import (
    ABUSE_CONCERNS,
    CONCERN_LABELS,
    NUMBERED_STEPS,
    PHASE_NAMES,
    PHASE_STEPS,
    REPAIR_STEPS,
    STEP_NAMES,
)
from core.homework_rules import default_tags, is_gated

IMPACT_UNTIL_WEEK = 6
MEANING_UNTIL_WEEK = 16

# Themes a custom exercise can join by its slug or title (never safety work).
THEME_WORDS: dict[str, tuple[str, ...]] = {
    "transparency": ("transparen", "honest"),
    "reflection": ("what-led", "what led", "what left"),
    "boundaries": ("boundar",),
}
TRUST_BREACH_PREFIXES = ("infidelity", "lying")
SELF_HARM = "self_harm_risk"
OFF_TRACK = frozenset({"not on track", "deteriorated"})

# What each open concern puts first, and what it holds back.
SAFETY_FIRST_UNDER_ABUSE = frozenset({"safety", "de_escalation", "support"})
SAFETY_FIRST = frozenset({"safety", "support"})
HELD_UNDER_ABUSE = frozenset(
    {"repair", "apology", "forgiveness", "crediting", "vulnerability", "decision"}
)
HELD_UNDER_SELF_HARM = frozenset({"apology", "forgiveness", "decision"})
# What each kind of safety work is, for the reason line (first tag that applies).
SAFETY_WORK_TEXT = (
    ("safety", "a safety plan made with the counsellor, individually"),
    ("de_escalation", "de-escalation and time-out, planned individually"),
    ("support", "individual support and self-care"),
)

PROGRESS_WEIGHT = 6
DECISION_WEIGHT = 6
PHASE_WEIGHT = 5
PHASE_STEP_WEIGHT = 3
NEXT_STEP_WEIGHT = 3
COMPLETED_STEP_PENALTY = -2
TRAUMA_WEIGHT = 8
PATTERN_WEIGHT = 6
BREACH_WEIGHT = 4
ROLE_WEIGHT = 2

# The reason line names the two first of these that apply: what is specific to the
# couple before what is generic.
REASON_ORDER = (
    "safety",
    "progress",
    "decision",
    "trauma",
    "pattern",
    "breach",
    "next_step",
    "phase",
    "role",
)
ROLE_NAMES = {"hurt": "hurt partner", "broke_trust": "partner who broke trust"}


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
    safety_concern: bool = False  # an open safety screen (of any kind): the gate applies
    # Concern types of the open screens (CONCERN_LABELS keys: violence, coercive_control,
    # emotional_abuse, self_harm_risk). Any of them also makes the gate apply.
    concerns: frozenset[str] = field(default_factory=frozenset)
    # The couple's progress status (core.progress STATUSES), when the caller has it.
    progress_status: str | None = None
    # Roles of the partners whose latest PC-PTSD-5 total is at or above the cut-off.
    trauma_positive_roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def phase(self) -> str:
        return care_phase(self.weeks_in_care)

    @property
    def next_step(self) -> str | None:
        """The lowest of the five repair steps without a completed exercise."""
        return next((s for s in NUMBERED_STEPS if s not in self.completed_steps), None)

    @property
    def concern_open(self) -> bool:
        return self.safety_concern or bool(self.concerns)

    @property
    def abuse_concerns(self) -> tuple[str, ...]:
        """The open violence, coercive-control or emotional-abuse concerns, in label order."""
        return tuple(c for c in CONCERN_LABELS if c in ABUSE_CONCERNS and c in self.concerns)

    @property
    def off_track(self) -> bool:
        return _status(self.progress_status) in OFF_TRACK


@dataclass(frozen=True)
class Suggestion:
    slug: str
    title: str
    reason: str
    score: int = 0
    grounds: tuple[str, ...] = ()  # the rules (REASON_ORDER kinds) the reason line names


def care_phase(weeks_in_care: int) -> str:
    if weeks_in_care < IMPACT_UNTIL_WEEK:
        return "impact"
    if weeks_in_care < MEANING_UNTIL_WEEK:
        return "meaning"
    return "moving_on"


def exercise_tags(
    exercise: ExerciseLike, known: Mapping[str, Iterable[str]] | None = None
) -> frozenset[str]:
    """The exercise's tags: the catalogue's by slug, its own, or the default for a custom one."""
    if known is not None and exercise.slug in known:
        return frozenset(known[exercise.slug])
    own = getattr(exercise, "tags", None)
    if own:
        return frozenset(own)
    words = f"{exercise.slug} {exercise.title}".casefold()
    themes = {tag for tag, keys in THEME_WORDS.items() if any(key in words for key in keys)}
    return default_tags(exercise.asks_vulnerability) | themes


def suggest_exercises(
    profile: CoupleProfile,
    catalogue: Iterable[ExerciseLike],
    *,
    k: int = 3,
    tags: Mapping[str, Iterable[str]] | None = None,
) -> list[Suggestion]:
    """The best `k` exercises for `profile` (fewer when fewer fit); see the module rules.
    `tags`: tags by slug (the built-in catalogue's), for exercises that carry none."""
    ranked: list[tuple[tuple[int, int, int, str], Suggestion]] = []
    for exercise in catalogue:
        scored = _score(profile, exercise, exercise_tags(exercise, tags))
        if scored is None:
            continue
        first, score, reasons = scored
        line, grounds = _reason_line(reasons)
        suggestion = Suggestion(exercise.slug, exercise.title, line, score, grounds)
        key = (-first, -score, _step_index(exercise.repair_step), exercise.slug)
        ranked.append((key, suggestion))
    ranked.sort(key=lambda pair: pair[0])
    return [suggestion for _key, suggestion in ranked[: max(k, 0)]]


def _status(progress_status: str | None) -> str:
    return (progress_status or "").strip().casefold().replace("_", " ")


def _step_index(step: str) -> int:
    return REPAIR_STEPS.index(step) if step in REPAIR_STEPS else len(REPAIR_STEPS)


def _fits_roles(profile: CoupleProfile, intended_role: str) -> bool | None:
    """True: meant for a role present; None: for anyone; False: no such partner."""
    if intended_role not in ("hurt", "broke_trust"):
        return None
    return intended_role in profile.partner_roles or "both" in profile.partner_roles


def _held_back(profile: CoupleProfile, exercise: ExerciseLike, tags: frozenset[str]) -> bool:
    """True when the safety, progress or phase rules keep the exercise off the list."""
    if profile.concern_open and is_gated(exercise):
        return True
    if "safety" in tags and not profile.concern_open:
        return True
    if profile.abuse_concerns and (not tags & SAFETY_FIRST_UNDER_ABUSE or tags & HELD_UNDER_ABUSE):
        return True
    if SELF_HARM in profile.concerns and tags & HELD_UNDER_SELF_HARM:
        return True
    if "decision" in tags:
        return profile.phase == "impact" or (
            not profile.off_track and exercise.phase != profile.phase
        )
    if "forgiveness" in tags and profile.phase != "moving_on":
        return True
    return profile.off_track and _moving_on_work(exercise)


def _moving_on_work(exercise: ExerciseLike) -> bool:
    """Its phase is moving on; without a phase (custom), its step is 4 or 5."""
    if exercise.phase is None:
        return exercise.repair_step in PHASE_STEPS["moving_on"] - {"together"}
    return exercise.phase == "moving_on"


def _safety_reason(profile: CoupleProfile, tags: frozenset[str]) -> tuple[int, Reason | None]:
    """(tier, reason) while a concern is open: the tier puts safety work first, the safety
    plan before de-escalation before support; (0, None) without a concern."""
    if not profile.concern_open:
        return 0, None
    first = SAFETY_FIRST_UNDER_ABUSE if profile.abuse_concerns else SAFETY_FIRST
    kinds = [(tag, text) for tag, text in SAFETY_WORK_TEXT if tag in first]
    tier, what = next(
        ((len(kinds) - i, text) for i, (tag, text) in enumerate(kinds) if tag in tags), (0, "")
    )
    if not tier:
        text = "individual work, nothing joint or vulnerable while a concern is open"
        return 0, Reason("safety", 0, text)
    if profile.abuse_concerns:
        labels = [CONCERN_LABELS[c].lower() for c in profile.abuse_concerns]
        names = " and ".join([", ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels)
        return tier, Reason("safety", 0, f"open {names} concern: {what}")
    if SELF_HARM in profile.concerns:
        return tier, Reason("safety", 0, f"self-harm risk open, so first: {what}")
    return tier, Reason("safety", 0, f"safety concern open, so first: {what}")


def _score(
    profile: CoupleProfile, exercise: ExerciseLike, tags: frozenset[str]
) -> tuple[int, int, list[Reason]] | None:
    """(safety tier, score, reasons), or None when the exercise must not be suggested."""
    if exercise.slug in profile.taken_slugs:
        return None
    role_fit = _fits_roles(profile, exercise.intended_role)
    if role_fit is False or _held_back(profile, exercise, tags):
        return None
    reasons: list[Reason] = []
    first, safety = _safety_reason(profile, tags)
    if safety is not None:
        reasons.append(safety)
    reasons += _progress_reasons(profile, exercise, tags)
    reasons += _phase_reasons(profile, exercise)
    step = exercise.repair_step
    if step == profile.next_step:
        next_text = f"next repair step not yet completed (step {step}: {STEP_NAMES[step]})"
        reasons.append(Reason("next_step", NEXT_STEP_WEIGHT, next_text))
    elif step in profile.completed_steps and step in NUMBERED_STEPS:
        reasons.append(Reason("", COMPLETED_STEP_PENALTY, ""))
    if "support" in tags and (who := _trauma_partner(profile, exercise.intended_role)):
        trauma_text = f"positive trauma screen ({who}): self-care and support during follow-up"
        reasons.append(Reason("trauma", TRAUMA_WEIGHT, trauma_text))
    if profile.repeated and "reflection" in tags:
        reflect = "repeated pattern: reflect on what led here"
        reasons.append(Reason("pattern", PATTERN_WEIGHT, reflect))
    elif profile.repeated and "boundaries" in tags:
        bounds = "repeated pattern: clear, kept boundaries"
        reasons.append(Reason("pattern", PATTERN_WEIGHT, bounds))
    if _trust_breach(profile) and "transparency" in tags:
        breach_text = "infidelity or lying: transparency and honest answers"
        reasons.append(Reason("breach", BREACH_WEIGHT, breach_text))
    if role_fit:
        reasons.append(Reason("role", ROLE_WEIGHT, f"for the {ROLE_NAMES[exercise.intended_role]}"))
    return first, sum(reason.weight for reason in reasons), reasons


def _progress_reasons(
    profile: CoupleProfile, exercise: ExerciseLike, tags: frozenset[str]
) -> list[Reason]:
    if not profile.off_track:
        return []
    status, week = _status(profile.progress_status), profile.weeks_in_care
    if "decision" in tags:
        text = f"{status} at week {week}: a decision point, weighing whether to stay or leave"
        return [Reason("decision", DECISION_WEIGHT, text)]
    if "stabilising" in tags:
        text = f"{status}: stabilising work, not moving on yet"
        return [Reason("progress", PROGRESS_WEIGHT, text)]
    return []


def _phase_reasons(profile: CoupleProfile, exercise: ExerciseLike) -> list[Reason]:
    phase, week, step = profile.phase, profile.weeks_in_care, exercise.repair_step
    if exercise.phase == phase:
        return [Reason("phase", PHASE_WEIGHT, f"fits week {week} ({PHASE_NAMES[phase]})")]
    if exercise.phase is None and step in PHASE_STEPS[phase]:
        text = f"step {step} fits week {week} ({PHASE_NAMES[phase]})"
        return [Reason("phase", PHASE_STEP_WEIGHT, text)]
    return []


def _trauma_partner(profile: CoupleProfile, intended_role: str) -> str:
    """Who the trauma reason names: a partner with a positive screen the exercise is for."""
    positive = profile.trauma_positive_roles
    if intended_role in ROLE_NAMES:
        fits = intended_role in positive or "both" in positive
        return ROLE_NAMES[intended_role] if fits else ""
    if len(positive) == 1 and (only := next(iter(positive))) in ROLE_NAMES:
        return ROLE_NAMES[only]
    return "a partner" if positive else ""


def _trust_breach(profile: CoupleProfile) -> bool:
    return any(breach.startswith(TRUST_BREACH_PREFIXES) for breach in profile.breach_types)


def _reason_line(reasons: list[Reason]) -> tuple[str, tuple[str, ...]]:
    """The first two kinds of reason that apply, in REASON_ORDER, and those kinds."""
    texts = {reason.kind: reason.text for reason in reasons if reason.text}
    kinds = tuple(kind for kind in REASON_ORDER if kind in texts)[:2]
    line = "; ".join(texts[kind] for kind in kinds) or "a further exercise for this couple"
    return line[0].upper() + line[1:] + ".", kinds
