"""Pydantic input models: the one place where user input is validated.

Services call `parse(Model, data)`, which turns pydantic's errors into a
`core.errors.ValidationError` whose message names the field in plain words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.domain import BreachPattern, BreachType, CoupleStatus, PartnerRole, Role
from core.errors import ValidationError

EARLIEST_INTAKE = date(2000, 1, 1)
MIN_PASSWORD_LENGTH = 10

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
}

Model = TypeVar("Model", bound=BaseModel)


def _clean_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


Name = Annotated[str, Field(min_length=1, max_length=80)]


class Strict(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", frozen=True)


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
    def _intake_in_range(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("cannot be in the future")
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
    reason: str = Field(default="", max_length=1000)

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


def _describe(error: Mapping[str, Any]) -> tuple[str, str]:
    location = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
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
        message = f"is not one of the allowed choices ({error.get('input')!r} is unknown)"
    elif kind == "missing":
        message = "is required"
    if not label:
        return "form", message
    return field, f"{label[0].upper()}{label[1:]} {message}".replace("  ", " ")


def parse(model: type[Model], data: Model | Mapping[str, Any]) -> Model:
    """Validate `data` into `model`, or raise a readable ValidationError."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(dict(data))
    except pydantic.ValidationError as exc:
        field_errors = dict(_describe(error) for error in exc.errors())
        message = "; ".join(dict.fromkeys(field_errors.values()))
        raise ValidationError(message, field_errors=field_errors) from None
