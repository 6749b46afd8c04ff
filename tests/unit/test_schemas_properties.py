"""Property tests (hypothesis) on every input schema in core.schemas (issue 11): whatever
a form or a crafted request sends (text from the whole Unicode range, NUL and other
control characters, a million characters, odd dates, wrong types), `parse` either
returns a model whose text is bounded and storable, or refuses with Mend's
ValidationError in plain words. No other exception, no pydantic internals."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from core import schemas
from core.errors import ValidationError
from core.schemas import CONTROL_CHARACTERS, NOTE_LIMIT, parse

TODAY = date(2026, 11, 1)
DAY = date(2026, 10, 1)
EXAMPLES = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# What a message a counsellor reads must never contain.
INTERNALS = ("pydantic", "Traceback", "type=", "input_value", "errors.pydantic.dev")
MESSAGE_LIMIT = 2000  # a refusal quotes at most a little of what was typed
TEXT_TOTAL_LIMIT = 200_000  # every string of one accepted form together

PROMPTS = ["What did you notice?", "What helped?"]
# One valid input per schema; the strategies below mutate any part of it.
VALID: dict[type[BaseModel], dict[str, Any]] = {
    schemas.PartnerIn: {"name": "Kit", "pronouns": "they/them", "role": "hurt", "contact": ""},
    schemas.CoupleIn: {
        "partner_a": {"name": "Kit", "pronouns": "they/them", "role": "hurt"},
        "partner_b": {"name": "Lou", "pronouns": "she/her", "role": "broke_trust"},
        "breach_types": ["lying_money"],
        "pattern": "one_time",
        "intake_date": DAY,
        "goals": "Rebuild honesty about money.",
    },
    schemas.StatusChangeIn: {"target": "closed", "reason": "Moved away."},
    schemas.PasswordIn: {"password": "correct-horse-battery-42"},
    schemas.AccountIn: {
        "username": "dana.k",
        "display_name": "Dana K",
        "role": "counsellor",
        "password": "correct-horse-battery-42",
    },
    schemas.SessionIn: {
        "session_date": DAY,
        "duration_minutes": 50,
        "modality": "in_person",
        "attendees": "joint",
        "note_data": "Talked about the phone.",
        "note_assessment": "Engaged.",
        "note_plan": "Keep going.",
        "risk_raised": True,
        "risk_text": "Raised voices at home.",
        "ratings": {"A": {"distress": {"distress": 4}}, "B": {"distress": {"distress": 6}}},
    },
    schemas.AddendumIn: {"text": "Called the next day."},
    schemas.ScreenIn: {
        "partner_label": "A",
        "screened_on": DAY,
        "violence": True,
        "ptsd_answers": {"exposure": 1, "nightmares": 1, "avoidance": 0},
        "notes": "Shouting.",
        "plan": "Time-out agreement.",
    },
    schemas.TraumaFollowUpIn: {"outcome": "referral", "followed_up_on": DAY, "note": "GP."},
    schemas.ExerciseIn: {
        "title": "A walk",
        "repair_step": "3",
        "intended_role": "both",
        "joint": True,
        "asks_vulnerability": False,
        "frequency": "weekly",
        "minutes": 30,
        "purpose": "Talk without screens.",
        "instructions": "1. Walk\n2. Talk",
        "prompts": PROMPTS,
        "review_guidance": "Ask how it went.",
        "phase": "meaning",
    },
    schemas.AssignmentIn: {
        "exercise_id": 3,
        "target": "both",
        "assigned_on": DAY,
        "due_on": date(2026, 10, 8),
        "personal_note": "Try it once.",
    },
    schemas.SafetyOverrideIn: {"safety_override_reason": "Both asked for it."},
    schemas.StatusUpdateIn: {"status": "skipped", "skip_reason": "Ill that week."},
    schemas.CommentIn: {"comment": "Good start."},
    schemas.CompletionIn: {"partner_label": "A", "completed_on": DAY, "answers": {PROMPTS[0]: "x"}},
    schemas.HomeworkReviewIn: {
        "assignment_id": 7,
        "status": "done",
        "answers": {"A": {PROMPTS[0]: "Calmer."}},
        "comment": "Well done.",
        "expected_version": 1,
    },
    schemas.SearchIn: {"query": "boundary"},
    schemas.ResolutionIn: {"note": "Moved out; a safety plan is in place."},
    schemas.RecordLinkIn: {"id": 12},  # from an address: tests/unit/test_input_bounds.py
    schemas.SafetyDecisionIn: {"decision": "continue", "reason": "Both asked to keep it."},
    schemas.CheckInLinkIn: {"partner_label": "A", "instruments": ["five_cs"]},
    schemas.CheckInReflectionIn: {"assignment_id": 7, "done": True, "answers": {PROMPTS[0]: "x"}},
    schemas.ReportIn: {"version": "clinician", "with_names": False},
    schemas.ImportCoupleRow: {
        "partner_a": {"name": "Kit", "pronouns": "they/them", "role": "hurt"},
        "partner_b": {"name": "Lou", "pronouns": "she/her", "role": "broke_trust"},
        "breach_types": ["lying_money"],
        "pattern": "one_time",
        "intake_date": DAY,
        "goals": "Rebuild honesty about money.",
        "case_code": "C-0042",
        "status": "active",
    },
    schemas.ImportRatingRow: {
        "case_code": "C-0042",
        "partner": "A",
        "instrument": "distress",
        "rated_on": DAY,
        "items": {"distress": 4.0},
    },
}


def test_every_schema_has_a_property_test() -> None:
    """A new input model without an entry in VALID fails here."""
    models = {
        model
        for _name, model in inspect.getmembers(schemas, inspect.isclass)
        if issubclass(model, BaseModel)
        and model.__module__.startswith(f"{schemas.__name__}.")
        and model is not schemas.Strict
    }
    assert models == set(VALID)


# --- strategies ---

# The whole Unicode range Python can encode (hypothesis leaves out lone surrogates).
unicode_text = st.text(max_size=40)
control = st.sampled_from(["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x0b", "\x0c", "\x1f"])
with_control = st.builds(lambda head, c, tail: head + c + tail, unicode_text, control, unicode_text)
# Long text by repetition, so a million characters cost nothing to generate.
huge = st.builds(
    lambda piece, n: (piece or "x") * n,
    st.text(min_size=1, max_size=3),
    st.sampled_from([121, 1001, 2001, 5001, 20_001]),
)
odd_dates = st.one_of(
    st.sampled_from([date.min, date.max, date(1, 1, 1), date(1999, 12, 31), date(2100, 1, 1)]),
    st.dates(),
    st.datetimes().map(datetime.isoformat),
    st.sampled_from(["", "yesterday", "2026-02-30", "2026-13-01", "01/10/2026", "0"]),
    st.none(),
    st.just(datetime(2026, 10, 1, 12, 30)),
)
odd_numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(["3", "", "NaN"]),
)
scalar = st.one_of(unicode_text, with_control, huge, odd_dates, odd_numbers, st.none())
anything = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(unicode_text, with_control, huge), inner, max_size=3),
    ),
    max_leaves=6,
)


def odd_like(value: Any) -> st.SearchStrategy[Any]:
    """Something in place of `value`: usually of its kind, sometimes anything."""
    if isinstance(value, bool):
        kind: st.SearchStrategy[Any] = st.one_of(st.booleans(), odd_numbers, unicode_text)
    elif isinstance(value, int | float):
        kind = odd_numbers
    elif isinstance(value, date):
        kind = odd_dates
    elif isinstance(value, str):
        kind = st.one_of(
            unicode_text, with_control, huge, st.builds(lambda t: value + t, huge | unicode_text)
        )
    elif isinstance(value, dict):
        kind = mutated(value)
    elif isinstance(value, list):
        kind = st.one_of(
            st.lists(st.one_of(unicode_text, with_control, huge), max_size=15),
            st.lists(st.sampled_from(value), max_size=3),
        )
    else:
        kind = anything
    return st.one_of(kind, kind, kind, anything)


def mutated(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`valid` with any of its fields replaced, dropped, or an unknown one added."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, value in valid.items():
            choice = draw(st.sampled_from(["keep", "keep", "odd", "odd", "drop"]))
            if choice == "keep":
                data[key] = value
            elif choice == "odd":
                data[key] = draw(odd_like(value))
        if draw(st.booleans()) and draw(st.booleans()):
            data[draw(unicode_text | with_control | huge)] = draw(anything)
        return data

    return build()


# --- what must hold ---


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        yield from strings_in(value.model_dump())
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from strings_in(item)


def assert_plain_refusal(error: ValidationError) -> None:
    messages = [str(error), *error.field_errors.values()]
    for message in messages:
        assert message.strip(), "an empty refusal"
        assert len(message) <= MESSAGE_LIMIT, f"a {len(message)}-character refusal"
        for word in INTERNALS:
            assert word not in message, message
        assert not CONTROL_CHARACTERS.search(message), repr(message)


def check(model: type[BaseModel], data: dict[str, Any]) -> None:
    try:
        result = parse(model, data, today=TODAY)
    except ValidationError as error:
        assert_plain_refusal(error)
        return
    assert isinstance(result, model)
    texts = list(strings_in(result))
    for text in texts:
        assert not CONTROL_CHARACTERS.search(text), repr(text[:80])
        assert len(text) <= NOTE_LIMIT, f"{model.__name__} kept {len(text)} characters"
    assert sum(map(len, texts)) <= TEXT_TOTAL_LIMIT


@pytest.mark.parametrize("model", list(VALID), ids=lambda model: model.__name__)
def test_the_valid_example_is_accepted(model: type[BaseModel]) -> None:
    """The strategies start from an input the schema accepts."""
    assert isinstance(parse(model, VALID[model], today=TODAY), model)


@pytest.mark.parametrize("model", list(VALID), ids=lambda model: model.__name__)
@EXAMPLES
@given(data=st.data())
def test_any_input_is_parsed_or_refused_in_plain_words(
    model: type[BaseModel], data: st.DataObject
) -> None:
    check(model, data.draw(mutated(VALID[model])))


@pytest.mark.parametrize("model", list(VALID), ids=lambda model: model.__name__)
@settings(max_examples=50, deadline=None)
@given(value=anything)
def test_any_value_in_place_of_the_whole_form(model: type[BaseModel], value: Any) -> None:
    """Not even a mapping: a refusal, never a TypeError."""
    if isinstance(value, dict):
        check(model, value)
        return
    with pytest.raises(ValidationError) as refused:
        parse(model, value, today=TODAY)  # type: ignore[arg-type]
    assert_plain_refusal(refused.value)


@pytest.mark.parametrize("model", list(VALID), ids=lambda model: model.__name__)
def test_nul_in_any_text_field_is_refused(model: type[BaseModel]) -> None:
    """Each text field on its own: NUL is refused in plain words (free text with a
    message naming it; a choice such as a status as an unknown choice)."""
    for key, value in VALID[model].items():
        if isinstance(value, str):
            with pytest.raises(ValidationError) as refused:
                parse(model, {**VALID[model], key: value + "\x00"}, today=TODAY)
            assert_plain_refusal(refused.value)
            assert "control character" in str(refused.value) or "\\x00" in str(refused.value)


@pytest.mark.parametrize("model", list(VALID), ids=lambda model: model.__name__)
def test_a_million_characters_in_any_field_is_refused(model: type[BaseModel]) -> None:
    """Each field on its own (text, list and mapping fields too): a million characters
    are refused, never stored and never read back in the refusal."""
    million = "ab " * 333_334
    for key, value in VALID[model].items():
        if isinstance(value, dict):
            payload: Any = {million: million}
        elif isinstance(value, list):
            payload = [million]
        else:
            payload = million
        with pytest.raises(ValidationError) as refused:
            parse(model, {**VALID[model], key: payload}, today=TODAY)
        assert_plain_refusal(refused.value)


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (schemas.AssignmentIn, "exercise_id"),
        (schemas.HomeworkReviewIn, "assignment_id"),
        (schemas.HomeworkReviewIn, "expected_version"),
    ],
)
@pytest.mark.parametrize("number", [10**20, -1, 2**31])
def test_record_numbers_beyond_the_databases_integers_are_refused(
    model: type[BaseModel], field: str, number: int
) -> None:
    """PostgreSQL cannot even look up id 10**20: such a number never reaches it."""
    with pytest.raises(ValidationError) as refused:
        parse(model, {**VALID[model], field: number}, today=TODAY)
    assert_plain_refusal(refused.value)
