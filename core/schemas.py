"""Pydantic input models: the one place where user input is validated.

Services call `parse(Model, data, today=...)`, which turns pydantic's errors into a
`core.errors.ValidationError` whose message names the field in plain words.

"Today" has one meaning: the counsellor's local date, which the page reads from the
browser (`pages.ui.local_today`) and passes down. A date after it is in the future
(`not_in_future`). Callers without a browser (scripts, the demo generator, tests that
do not care) get the server's date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

import pydantic
from pydantic import (
    AfterValidator,
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
    ReportVersion,
    Role,
    SafetyDecision,
    TraumaFollowUpKind,
)
from core.errors import ValidationError
from core.homework_rules import answered

EARLIEST_INTAKE = date(2000, 1, 1)
MIN_PASSWORD_LENGTH = 12
NOTE_LIMIT = 20_000  # each DAP section and each addendum
REASON_LIMIT = 1000  # override, skip and closing reasons
COMMENT_LIMIT = 2000  # the counsellor's homework review comment
ANSWER_LIMIT = 5000  # one reflection answer
SEARCH_LIMIT = 200  # a search of the notes or the caseload
STEP_LIMIT = 1000  # one instruction of a custom exercise
PROMPT_LIMIT = 300  # one question of a custom exercise (answers are keyed by it)
RECORD_ID_LIMIT = 2**31 - 1  # the largest id either engine's integer keys hold

FIELD_LABELS = {
    "partner_a": "Partner A",
    "partner_b": "Partner B",
    "name": "name",
    "pronouns": "pronouns",
    "role": "role",
    "contact": "contact",
    "breach_types": "What broke trust",
    "pattern": "One-time or repeated",
    "intake_date": "Intake date",
    "goals": "Goals",
    "username": "Username",
    "display_name": "Display name",
    "password": "Password",
    "reason": "Reason",
    "target": "New status",
    "session_date": "Session date",
    "screened_on": "Screening date",
    "assigned_on": "Assignment date",
    "due_on": "Due date",
    "completed_on": "Completion date",
    "personal_note": "Personal note",
    "safety_override_reason": "Override reason",
    "skip_reason": "Reason for skipping",
    "comment": "Review comment",
    "answers": "Answer",
    "text": "Addendum",
    "partner_label": "Partner",
    "duration_minutes": "Duration",
    "ptsd_answers": "PC-PTSD-5",
    "outcome": "Follow-up",
    "followed_up_on": "Follow-up date",
    "note": "Note",
    "case_code": "Case code",
    "status": "Status",
    "rated_on": "Rating date",
    "instrument": "Measure",
    "query": "Search",
}

Model = TypeVar("Model", bound=BaseModel)


def _clean_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


Name = Annotated[str, Field(min_length=1, max_length=80)]
# A record's id or version as a form carries it: within the databases' integer column.
RecordNumber = Annotated[int, Field(ge=0, le=2**31 - 1)]


# Control characters have no place in a clinical record (PostgreSQL cannot even store
# NUL); tab, line feed and carriage return are ordinary text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refuse_control_characters(value: Any) -> Any:
    """Any string inside `value` (also in lists and dicts) with a control character is
    refused with a clear message, before it reaches the database."""
    if isinstance(value, str):
        if CONTROL_CHARACTERS.search(value):
            raise ValueError("contains a control character (such as NUL) that cannot be stored")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            refuse_control_characters(key)
            refuse_control_characters(item)
    elif isinstance(value, list | tuple):
        for item in value:
            refuse_control_characters(item)
    return value


class Strict(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return refuse_control_characters(value)


def today_of(info: ValidationInfo) -> date:
    """The counsellor's "today" given to `parse`, else the server's date."""
    given = (info.context or {}).get("today")
    return given if isinstance(given, date) else date.today()


def not_in_future(value: date, info: ValidationInfo) -> date:
    """The one "not in the future" rule, against the counsellor's today."""
    if value > today_of(info):
        raise ValueError("cannot be in the future")
    return value


NotInFuture = Annotated[date, AfterValidator(not_in_future)]


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
    answers: dict[str, Answer] = Field(default_factory=dict)

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
    answers: dict[Literal["A", "B"], dict[str, Answer]] = Field(default_factory=dict)
    comment: str = Field(default="", max_length=COMMENT_LIMIT)
    expected_version: RecordNumber

    @model_validator(mode="after")
    def _skipped_has_no_answers(self) -> HomeworkReviewIn:
        if self.status == "skipped" and answered(self.answers):
            raise ValueError("A skipped exercise has no answers; mark it done or clear them")
        return self


# --- search ---


class SearchIn(Strict):
    """Words to find (notes, caseload): bounded, and storable-text only, so no search
    reaches the database with NUL or a pattern too long for it."""

    query: str = Field(default="", max_length=SEARCH_LIMIT)


def shown(text: str, limit: int = 40) -> str:
    """Typed text as a refusal quotes it: control characters escaped, cut short (a
    million typed characters are not read back to the counsellor)."""
    text = CONTROL_CHARACTERS.sub(lambda match: repr(match.group())[1:-1], text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RecordLinkIn(BaseModel):
    """A record's id as it arrives in an address (`?session=12`): digits only, in range."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: int = Field(ge=1, le=RECORD_ID_LIMIT, strict=False)

    @field_validator("id", mode="before")
    @classmethod
    def _digits(cls, value: Any) -> Any:
        if isinstance(value, str) and not (value.isascii() and value.isdigit()):
            raise ValueError("is not a record number")
        return value


class CheckInLinkIn(Strict):
    """A new check-in link for one partner: the measures asked, whether the partner sees
    their own progress, and (under an abuse concern) why their channel is safe."""

    partner_label: Literal["A", "B"]
    instruments: list[Literal["five_cs", "csi4", "distress"]] = Field(min_length=1)
    show_progress: bool = False
    safe_channel_reason: Reason | None = None


class CheckInReflectionIn(Strict):
    """A partner's own homework reflection through a link: done with answers, or
    skipped with a reason."""

    assignment_id: int
    done: bool
    answers: dict[str, Answer] = Field(default_factory=dict)
    skip_reason: Reason | None = None

    @model_validator(mode="after")
    def _skip_needs_reason(self) -> CheckInReflectionIn:
        if not self.done and not self.skip_reason:
            raise ValueError("Say in a few words why it was skipped")
        if not self.done and any(v.strip() for v in self.answers.values()):
            raise ValueError("A skipped exercise has no answers")
        return self


def _describe(error: Mapping[str, Any]) -> tuple[str, str]:
    location = [shown(str(part)) for part in error.get("loc", ()) if not isinstance(part, int)]
    if "answers" in location:  # the keys after it are partners and whole questions
        location = location[: location.index("answers") + 1]
    field = ".".join(location)
    label = " ".join(FIELD_LABELS.get(part, part.replace("_", " ")) for part in location)
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    kind = error.get("type", "")
    if kind == "string_too_short" and error.get("ctx", {}).get("min_length") == 1:
        message = "is required"
    elif kind == "too_short" and "breach" in field:
        message = "needs at least one choice"
    elif kind == "string_too_short":
        message = f"is too short (at least {error['ctx']['min_length']} characters)"
    elif kind == "string_too_long":
        message = f"is too long (at most {error['ctx']['max_length']} characters)"
    elif kind == "enum":
        unknown = shown(repr(error.get("input")))
        message = f"is not one of the allowed choices ({unknown} is unknown)"
    elif kind == "missing":
        message = "is required"
    if not label:
        return "form", message
    return field, f"{label[0].upper()}{label[1:]} {message}".replace("  ", " ")


class ReportIn(Strict):
    """Which progress report to draw: its version, the partner for the one-partner version
    (and only for it), and whether the clinician version names the partners."""

    version: ReportVersion
    partner: Literal["A", "B"] | None = None
    with_names: bool = False

    @model_validator(mode="after")
    def _partner_for_partner_version(self) -> ReportIn:
        if (self.version is ReportVersion.PARTNER) != (self.partner is not None):
            raise ValueError("a partner is chosen for the one-partner report, and only for it")
        if self.with_names and self.version is not ReportVersion.CLINICIAN:
            raise ValueError("names are a choice of the clinician report only")
        return self


def parse(
    model: type[Model], data: Model | Mapping[str, Any], *, today: date | None = None
) -> Model:
    """Validate `data` into `model`, or raise a readable ValidationError.

    `today` is the counsellor's local date (see the module docstring). An instance
    of `model` was validated when it was built and is returned as it is."""
    if isinstance(data, model):
        return data
    if not isinstance(data, Mapping):
        raise ValidationError("The form was not sent in a shape Mend can read; nothing was saved.")
    try:
        return model.model_validate(dict(data), context={"today": today})
    except pydantic.ValidationError as exc:
        field_errors = dict(_describe(error) for error in exc.errors())
        message = "; ".join(dict.fromkeys(field_errors.values()))
        raise ValidationError(message, field_errors=field_errors) from None


# --- import from CSV (core.importing): one model per row ------------------------------

CASE_CODE_PATTERN = r"^C-\d{4,8}$"
IMPORT_STATUSES = (CoupleStatus.INTAKE, CoupleStatus.ACTIVE, CoupleStatus.PAUSED)


class ImportCoupleRow(CoupleIn):
    """One row of a couples file: an intake plus its case code and status."""

    case_code: str = Field(pattern=CASE_CODE_PATTERN)
    status: CoupleStatus = CoupleStatus.ACTIVE

    @field_validator("status")
    @classmethod
    def _open_status(cls, value: CoupleStatus) -> CoupleStatus:
        if value not in IMPORT_STATUSES:
            raise ValueError(
                "must be intake, active or paused (close a case in Mend, with a reason)"
            )
        return value


class ImportRatingRow(Strict):
    """One historical rating: a partner's answers to one measure on one day."""

    case_code: str = Field(pattern=CASE_CODE_PATTERN)
    partner: Literal["A", "B"]
    instrument: str
    rated_on: NotInFuture
    items: dict[str, float]
