"""Input models around the record: search, addresses, check-in links, reports and the
rows of an import file."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from core.domain import (
    CoupleStatus,
    ReportVersion,
)
from core.schemas.clinical import (
    Answers,
    CoupleIn,
    Reason,
)
from core.schemas.fields import (
    RECORD_ID_LIMIT,
    SEARCH_LIMIT,
    NotInFuture,
    Strict,
)

# --- search ---


class SearchIn(Strict):
    """Words to find (notes, caseload): bounded, and storable-text only, so no search
    reaches the database with NUL or a pattern too long for it."""

    query: str = Field(default="", max_length=SEARCH_LIMIT)


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
    answers: Answers = Field(default_factory=dict)
    skip_reason: Reason | None = None

    @model_validator(mode="after")
    def _skip_needs_reason(self) -> CheckInReflectionIn:
        if not self.done and not self.skip_reason:
            raise ValueError("Say in a few words why it was skipped")
        if not self.done and any(v.strip() for v in self.answers.values()):
            raise ValueError("A skipped exercise has no answers")
        return self


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
    instrument: str = Field(max_length=32)  # the column holds 32
    rated_on: NotInFuture
    items: dict[str, float]
