"""Pydantic input models: the one place where user input is validated (this package:
`fields` holds the shared rules, `clinical` and `links` the models).

Services call `parse(Model, data, today=...)`, which turns pydantic's errors into a
`core.errors.ValidationError` whose message names the field in plain words.

"Today" has one meaning: the counsellor's local date, which the page reads from the
browser (`pages.ui.local_today`) and passes down. A date after it is in the future
(`not_in_future`). Callers without a browser (scripts, the demo generator, tests that
do not care) get the server's date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pydantic

from core.errors import ValidationError
from core.schemas.clinical import (
    USERNAME_PATTERN,
    AccountIn,
    AddendumIn,
    Answer,
    Answers,
    AssignmentIn,
    CommentIn,
    CompletionIn,
    CoupleIn,
    ExerciseIn,
    HomeworkReviewIn,
    NoteText,
    PartnerIn,
    PasswordIn,
    Ratings,
    Reason,
    ResolutionIn,
    SafetyDecisionIn,
    SafetyOverrideIn,
    ScreenIn,
    SessionIn,
    StatusChangeIn,
    StatusUpdateIn,
    TraumaFollowUpIn,
)
from core.schemas.fields import (
    ANSWER_LIMIT,
    COMMENT_LIMIT,
    CONTROL_CHARACTERS,
    EARLIEST_INTAKE,
    FIELD_LABELS,
    MIN_PASSWORD_LENGTH,
    NOTE_LIMIT,
    PROMPT_LIMIT,
    REASON_LIMIT,
    RECORD_ID_LIMIT,
    SEARCH_LIMIT,
    STEP_LIMIT,
    Model,
    Name,
    NotInFuture,
    RecordNumber,
    Strict,
    describe,
    not_in_future,
    refuse_control_characters,
    shown,
    today_of,
)
from core.schemas.links import (
    CASE_CODE_PATTERN,
    IMPORT_STATUSES,
    CheckInLinkIn,
    CheckInReflectionIn,
    ImportCoupleRow,
    ImportRatingRow,
    RecordLinkIn,
    ReportIn,
    SearchIn,
)


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
        field_errors = dict(describe(error) for error in exc.errors())
        message = "; ".join(dict.fromkeys(field_errors.values()))
        raise ValidationError(message, field_errors=field_errors) from None


__all__ = [
    "ANSWER_LIMIT",
    "CASE_CODE_PATTERN",
    "COMMENT_LIMIT",
    "CONTROL_CHARACTERS",
    "EARLIEST_INTAKE",
    "FIELD_LABELS",
    "IMPORT_STATUSES",
    "MIN_PASSWORD_LENGTH",
    "NOTE_LIMIT",
    "PROMPT_LIMIT",
    "REASON_LIMIT",
    "RECORD_ID_LIMIT",
    "SEARCH_LIMIT",
    "STEP_LIMIT",
    "USERNAME_PATTERN",
    "AccountIn",
    "AddendumIn",
    "Answer",
    "Answers",
    "AssignmentIn",
    "CheckInLinkIn",
    "CheckInReflectionIn",
    "CommentIn",
    "CompletionIn",
    "CoupleIn",
    "ExerciseIn",
    "HomeworkReviewIn",
    "ImportCoupleRow",
    "ImportRatingRow",
    "Model",
    "Name",
    "NotInFuture",
    "NoteText",
    "PartnerIn",
    "PasswordIn",
    "Ratings",
    "Reason",
    "RecordLinkIn",
    "RecordNumber",
    "ReportIn",
    "ResolutionIn",
    "SafetyDecisionIn",
    "SafetyOverrideIn",
    "ScreenIn",
    "SearchIn",
    "SessionIn",
    "StatusChangeIn",
    "StatusUpdateIn",
    "Strict",
    "TraumaFollowUpIn",
    "describe",
    "not_in_future",
    "parse",
    "refuse_control_characters",
    "shown",
    "today_of",
]
