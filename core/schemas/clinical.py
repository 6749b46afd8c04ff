"""Input models of the clinical record: couples, accounts, sessions, safety screens, the
exercise library and homework."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.catalogue import Frequency, IntendedRole, Phase, RepairStep
from core.domain import (
    CONCERN_LABELS,
    AssignmentStatus,
    AssignmentTarget,
    Attendees,
    BreachPattern,
    BreachType,
    CoupleStatus,
    Modality,
    PartnerRole,
    Role,
    SafetyDecision,
    TraumaFollowUpKind,
)
from core.homework_rules import answered
from core.schemas.fields import (
    ANSWER_LIMIT,
    COMMENT_LIMIT,
    EARLIEST_INTAKE,
    MIN_PASSWORD_LENGTH,
    NOTE_LIMIT,
    PROMPT_LIMIT,
    REASON_LIMIT,
    STEP_LIMIT,
    Name,
    NotInFuture,
    RecordNumber,
    Strict,
    _clean_text,
    not_in_future,
    refuse_control_characters,
    shown,
)


class PartnerIn(Strict):
    name: Name
    pronouns: str = Field(default="", max_length=30)
    role: PartnerRole
    contact: str = Field(default="", max_length=120)


class CoupleIn(Strict):
    partner_a: PartnerIn
    partner_b: PartnerIn
    breach_types: list[BreachType] = Field(min_length=1)
    pattern: BreachPattern
    intake_date: date
    goals: str = Field(default="", max_length=2000)

    @field_validator("breach_types")
    @classmethod
    def _no_repeated_breach(cls, value: list[BreachType]) -> list[BreachType]:
        return list(dict.fromkeys(value))

    @field_validator("intake_date")
    @classmethod
    def _intake_in_range(cls, value: date, info: ValidationInfo) -> date:
        not_in_future(value, info)
        if value < EARLIEST_INTAKE:
            raise ValueError(f"must be on or after {EARLIEST_INTAKE:%d %b %Y}")
        return value

    @model_validator(mode="after")
    def _two_distinct_partners(self) -> CoupleIn:
        if self.partner_a.name.casefold() == self.partner_b.name.casefold():
            raise ValueError(
                "Partner A and Partner B have the same name: the same person is listed twice"
            )
        roles = {self.partner_a.role, self.partner_b.role}
        if roles == {PartnerRole.BROKE_TRUST}:
            raise ValueError(
                "At least one partner must be the hurt partner (or 'both' for mutual breaches)"
            )
        return self


class StatusChangeIn(Strict):
    target: CoupleStatus
    reason: str = Field(default="", max_length=REASON_LIMIT)

    @model_validator(mode="after")
    def _closing_needs_reason(self) -> StatusChangeIn:
        if self.target is CoupleStatus.CLOSED and not self.reason:
            raise ValueError("Closing a case needs a reason")
        return self


USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")


class PasswordIn(BaseModel):
    # Passwords are taken exactly as typed: stripping spaces would store a
    # different secret from the one the user will type at login.
    model_config = ConfigDict(str_strip_whitespace=False, extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return refuse_control_characters(value)

    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=200)


class AccountIn(PasswordIn):
    username: str = Field(max_length=40)
    display_name: Name
    role: Role

    @field_validator("username", "display_name", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return _clean_text(value)

    @field_validator("username")
    @classmethod
    def _username_shape(cls, value: str) -> str:
        value = value.lower()
        if not USERNAME_PATTERN.match(value):
            raise ValueError(
                "must be 3-40 lower-case letters, digits, dots, dashes or underscores, "
                "starting with a letter or digit"
            )
        return value


# --- sessions ---

# Strict numbers: True or "3" is a data-entry error, not a rating.
Ratings = dict[Literal["A", "B"], dict[str, dict[str, StrictInt | StrictFloat | None]]]
NoteText = Annotated[str, Field(default="", max_length=NOTE_LIMIT)]


class SessionIn(Strict):
    session_date: NotInFuture
    duration_minutes: int = Field(ge=5, le=300)
    modality: Modality
    attendees: Attendees
    note_data: NoteText = ""
    note_assessment: NoteText = ""
    note_plan: NoteText = ""
    risk_raised: bool = False
    risk_text: str = Field(default="", max_length=5000)
    ratings: Ratings = Field(default_factory=dict)

    @model_validator(mode="after")
    def _risk_described(self) -> SessionIn:
        if self.risk_raised and not self.risk_text:
            raise ValueError("Describe the safety concern raised in the session")
        return self


class AddendumIn(Strict):
    text: str

    @field_validator("text")
    @classmethod
    def _some_text_within_limit(cls, value: str) -> str:
        if not value:
            raise ValueError("needs text")
        if len(value) > NOTE_LIMIT:
            raise ValueError(f"is limited to {NOTE_LIMIT} characters")
        return value


# --- safety ---


class ScreenIn(Strict):
    partner_label: str = Field(pattern="^[AB]$")
    screened_on: NotInFuture
    violence: bool = False
    coercive_control: bool = False
    emotional_abuse: bool = False
    self_harm_risk: bool = False
    # PC-PTSD-5 answers (exposure + five items, 0/1); None when the screen is left out.
    # An included screen may carry None for a question nobody answered: scoring refuses
    # it (a rating nobody gave is never saved), except the five past-month questions
    # after a "no" to the exposure question, where the published screen ends.
    ptsd_answers: dict[str, int | None] | None = None
    notes: str = Field(default="", max_length=5000)
    plan: str = Field(default="", max_length=5000)

    @field_validator("ptsd_answers")
    @classmethod
    def _some_answer(cls, value: dict[str, int | None] | None) -> dict[str, int | None] | None:
        if value is not None and all(answer is None for answer in value.values()):
            raise ValueError(
                "is included but no question is answered: answer each question, or "
                "leave the screen out"
            )
        return value

    @model_validator(mode="after")
    def _plan_for_concerns(self) -> ScreenIn:
        if self.has_concern and not self.plan:
            raise ValueError("A screen with a concern needs a safety plan")
        return self

    @property
    def has_concern(self) -> bool:
        return any(getattr(self, flag) for flag in CONCERN_LABELS)


class ResolutionIn(Strict):
    """Why an open safety concern is resolved."""

    note: str = Field(default="", max_length=5000)

    @model_validator(mode="after")
    def _written(self) -> ResolutionIn:
        if not self.note:
            raise ValueError("Resolving a safety concern needs a note on what changed.")
        return self


class TraumaFollowUpIn(Strict):
    """How a positive trauma screen was followed up."""

    outcome: TraumaFollowUpKind
    followed_up_on: NotInFuture
    note: str = Field(min_length=1, max_length=REASON_LIMIT)


# --- the exercise library ---


def _lines(value: Any) -> Any:
    """Text typed one item per line becomes a list; list items are stripped;
    leading numbering ("1.", "2)", "-") is dropped because the UI numbers them."""
    if isinstance(value, str):
        value = value.splitlines()
    if isinstance(value, list | tuple):
        items = [re.sub(r"^\s*(\d+[.)]|[-*•])\s*", "", str(item)).strip() for item in value]
        return [item for item in items if item]
    return value


class ExerciseIn(Strict):
    """A custom exercise (or a new version of one): the catalogue's fields but the slug."""

    title: str = Field(min_length=1, max_length=120)
    repair_step: RepairStep
    intended_role: IntendedRole
    joint: bool = False
    asks_vulnerability: bool = False
    frequency: Frequency
    minutes: int = Field(ge=1, le=240)
    purpose: str = Field(min_length=1, max_length=2000)
    instructions: list[Annotated[str, Field(max_length=STEP_LIMIT)]] = Field(max_length=12)
    prompts: list[Annotated[str, Field(max_length=PROMPT_LIMIT)]] = Field(max_length=8)
    review_guidance: str = Field(min_length=1, max_length=2000)
    phase: Phase | None = None

    @field_validator("instructions", "prompts", mode="before")
    @classmethod
    def _split_lines(cls, value: Any) -> Any:
        return _lines(value)

    @field_validator("instructions")
    @classmethod
    def _some_instructions(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("needs at least one step (one per line)")
        return value

    @field_validator("prompts")
    @classmethod
    def _some_prompts(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("needs at least one question the client answers (one per line)")
        if len(set(value)) != len(value):
            raise ValueError("repeat the same question; each one must be different")
        return value

    def version_fields(self) -> dict[str, Any]:
        return self.model_dump()


# --- homework ---

Answer = Annotated[str, Field(max_length=ANSWER_LIMIT)]
# Answers are keyed by their question, whose own limit bounds the key.
Answers = dict[Annotated[str, Field(max_length=PROMPT_LIMIT)], Answer]
Reason = Annotated[str, Field(max_length=REASON_LIMIT)]


class AssignmentIn(Strict):
    exercise_id: RecordNumber
    target: AssignmentTarget
    assigned_on: NotInFuture
    due_on: date
    personal_note: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _due_after_assigned(self) -> AssignmentIn:
        if self.due_on < self.assigned_on:
            raise ValueError(
                f"The due date ({self.due_on:%d %b %Y}) cannot be before the assignment "
                f"date ({self.assigned_on:%d %b %Y})"
            )
        return self


class SafetyOverrideIn(Strict):
    """Why a gated exercise is given despite an open safety concern (blank: no override)."""

    safety_override_reason: Reason | None = None

    @field_validator("safety_override_reason")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class SafetyDecisionIn(Strict):
    """Pause or continue homework given before a safety concern opened; continuing
    needs a reason (it is what an override at assigning would have needed)."""

    decision: SafetyDecision | None = None
    reason: Reason | None = None

    @field_validator("reason")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _continue_needs_reason(self) -> SafetyDecisionIn:
        if self.decision is None:
            raise ValueError("Choose whether to pause the homework or continue it.")
        if self.decision is SafetyDecision.CONTINUE and not self.reason:
            raise ValueError("Continuing under an open safety concern needs a reason.")
        return self


class StatusUpdateIn(Strict):
    status: AssignmentStatus
    skip_reason: Reason | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _known_status(cls, value: Any) -> Any:
        if not isinstance(value, str) or value not in {s.value for s in AssignmentStatus}:
            raise ValueError(f"{shown(repr(value))} is not a homework status")
        return value

    @field_validator("skip_reason")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _skipping_needs_reason(self) -> StatusUpdateIn:
        if self.status is AssignmentStatus.SKIPPED and self.skip_reason is None:
            raise ValueError("Skipping an exercise needs a reason (what got in the way?)")
        return self


class CommentIn(Strict):
    comment: str = Field(max_length=COMMENT_LIMIT)

    @field_validator("comment")
    @classmethod
    def _written(cls, value: str) -> str:
        if not value:
            raise ValueError("Write a review comment first")
        return value


class CompletionIn(Strict):
    partner_label: str
    completed_on: NotInFuture
    answers: Answers = Field(default_factory=dict)

    @field_validator("partner_label")
    @classmethod
    def _a_or_b(cls, value: str) -> str:
        if value not in ("A", "B"):
            raise ValueError("is unknown: choose partner A or B")
        return value


class HomeworkReviewIn(Strict):
    """One assignment reviewed in a session: answers each partner reported, an
    outcome (None keeps the status), and the counsellor's comment."""

    assignment_id: RecordNumber
    status: Literal["done", "skipped"] | None = None
    skip_reason: Reason | None = None
    answers: dict[Literal["A", "B"], Answers] = Field(default_factory=dict)
    comment: str = Field(default="", max_length=COMMENT_LIMIT)
    expected_version: RecordNumber

    @model_validator(mode="after")
    def _skipped_has_no_answers(self) -> HomeworkReviewIn:
        if self.status == "skipped" and answered(self.answers):
            raise ValueError("A skipped exercise has no answers; mark it done or clear them")
        return self
