"""Limits, field labels and the shared rules of every input model: text without control
characters, stripped and bounded; dates not in the counsellor's future."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

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


def shown(text: str, limit: int = 40) -> str:
    """Typed text as a refusal quotes it: control characters escaped, cut short (a
    million typed characters are not read back to the counsellor)."""
    text = CONTROL_CHARACTERS.sub(lambda match: repr(match.group())[1:-1], text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(error: Mapping[str, Any]) -> tuple[str, str]:
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
