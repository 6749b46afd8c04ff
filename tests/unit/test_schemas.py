"""Input validation (core.schemas): no database needed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from core.domain import BreachPattern, BreachType, CoupleStatus, PartnerRole, Role
from core.errors import ValidationError
from core.schemas import (
    MIN_PASSWORD_LENGTH,
    AccountIn,
    AddendumIn,
    AssignmentIn,
    CommentIn,
    CompletionIn,
    CoupleIn,
    SafetyOverrideIn,
    ScreenIn,
    SessionIn,
    StatusChangeIn,
    StatusUpdateIn,
    parse,
)
from tests.conftest import intake_form


def _partner(name: str = "Kit", role: str = "hurt", **extra: str) -> dict[str, str]:
    return {"name": name, "role": role, **extra}


def _refused(model: type, data: dict) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse(model, data)
    return caught.value


# --- CoupleIn: accepted input ------------------------------------------------------------


def test_valid_intake_is_parsed_into_domain_types() -> None:
    couple = parse(CoupleIn, intake_form())

    assert couple.partner_a.name == "Kit"
    assert couple.partner_a.role is PartnerRole.HURT
    assert couple.partner_b.role is PartnerRole.BROKE_TRUST
    assert couple.breach_types == [BreachType.LYING_MONEY]
    assert couple.pattern is BreachPattern.ONE_TIME
    assert couple.intake_date == date(2026, 9, 1)
    assert couple.goals == "Rebuild honesty about money."


def test_intake_accepts_iso_date_strings() -> None:
    couple = parse(CoupleIn, intake_form(intake_date="2026-09-01"))
    assert couple.intake_date == date(2026, 9, 1)


def test_names_and_goals_are_stripped_of_surrounding_whitespace() -> None:
    couple = parse(
        CoupleIn,
        intake_form(partner_a=_partner("  Kit  "), goals="  Be honest.  "),
    )
    assert couple.partner_a.name == "Kit"
    assert couple.goals == "Be honest."


def test_optional_partner_fields_default_to_empty() -> None:
    couple = parse(CoupleIn, intake_form(partner_a=_partner("Kit")))
    assert couple.partner_a.pronouns == ""
    assert couple.partner_a.contact == ""


def test_goals_may_be_left_out() -> None:
    form = intake_form()
    del form["goals"]
    assert parse(CoupleIn, form).goals == ""


def test_parse_returns_an_already_validated_model_unchanged() -> None:
    couple = parse(CoupleIn, intake_form())
    assert parse(CoupleIn, couple) is couple


def test_intake_today_is_accepted() -> None:
    assert parse(CoupleIn, intake_form(intake_date=date.today())).intake_date == date.today()


def test_intake_on_first_of_january_2000_is_accepted() -> None:
    assert parse(CoupleIn, intake_form(intake_date=date(2000, 1, 1))).intake_date == date(
        2000, 1, 1
    )


def test_name_of_80_characters_is_accepted() -> None:
    name = "N" * 80
    assert parse(CoupleIn, intake_form(partner_a=_partner(name))).partner_a.name == name


def test_goals_of_2000_characters_are_accepted() -> None:
    goals = "g" * 2000
    assert parse(CoupleIn, intake_form(goals=goals)).goals == goals


@pytest.mark.parametrize(
    ("role_a", "role_b"),
    [("hurt", "broke_trust"), ("broke_trust", "hurt"), ("both", "both"), ("hurt", "hurt")],
)
def test_role_combinations_with_a_hurt_side_are_accepted(role_a: str, role_b: str) -> None:
    couple = parse(
        CoupleIn,
        intake_form(partner_a=_partner("Kit", role_a), partner_b=_partner("Lou", role_b)),
    )
    assert {couple.partner_a.role, couple.partner_b.role} == {
        PartnerRole(role_a),
        PartnerRole(role_b),
    }


def test_repeated_breach_types_are_collapsed_keeping_first_order() -> None:
    couple = parse(
        CoupleIn,
        intake_form(breach_types=["disrespect", "lying_money", "disrespect", "lying_money"]),
    )
    assert couple.breach_types == [BreachType.DISRESPECT, BreachType.LYING_MONEY]


# --- CoupleIn: refused input -------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   ", "\t\n"], ids=["empty", "spaces", "tab-newline"])
def test_partner_a_name_is_required(name: str) -> None:
    error = _refused(CoupleIn, intake_form(partner_a=_partner(name)))
    assert str(error) == "Partner A name is required"
    assert error.field_errors == {"partner_a.name": "Partner A name is required"}


def test_partner_b_name_is_required() -> None:
    error = _refused(CoupleIn, intake_form(partner_b=_partner("", "broke_trust")))
    assert "Partner B name is required" in str(error)
    assert set(error.field_errors) == {"partner_b.name"}


def test_missing_partner_is_reported_as_required() -> None:
    form = intake_form()
    del form["partner_b"]
    error = _refused(CoupleIn, form)
    assert "Partner B is required" in str(error)
    assert set(error.field_errors) == {"partner_b"}


@pytest.mark.parametrize("twin", ["Kit", "kit", "KIT", "  kIt "])
def test_same_person_listed_as_both_partners_is_refused(twin: str) -> None:
    error = _refused(CoupleIn, intake_form(partner_b=_partner(twin, "broke_trust")))
    assert "Partner A and Partner B have the same name" in str(error)
    assert "listed twice" in str(error)
    # A rule about both partners belongs to the whole form, not one field.
    assert set(error.field_errors) == {"form"}


def test_future_intake_date_is_refused() -> None:
    error = _refused(CoupleIn, intake_form(intake_date=date.today() + timedelta(days=1)))
    assert str(error) == "Intake date cannot be in the future"
    assert set(error.field_errors) == {"intake_date"}


def test_intake_before_2000_is_refused() -> None:
    error = _refused(CoupleIn, intake_form(intake_date=date(1999, 12, 31)))
    assert "Intake date" in str(error)
    assert "01 Jan 2000" in str(error)
    assert set(error.field_errors) == {"intake_date"}


def test_intake_date_that_is_not_a_date_is_refused() -> None:
    error = _refused(CoupleIn, intake_form(intake_date="next tuesday"))
    assert str(error).startswith("Intake date ")
    assert set(error.field_errors) == {"intake_date"}


def test_unknown_breach_type_is_refused_and_named() -> None:
    error = _refused(CoupleIn, intake_form(breach_types=["lying_money", "made_up"]))
    assert "What broke trust" in str(error)
    assert "not one of the allowed choices" in str(error)
    assert "'made_up'" in str(error)
    # The list index is dropped: the error points at the field.
    assert set(error.field_errors) == {"breach_types"}


def test_empty_breach_list_is_refused() -> None:
    error = _refused(CoupleIn, intake_form(breach_types=[]))
    assert str(error) == "What broke trust needs at least one choice"
    assert set(error.field_errors) == {"breach_types"}


def test_name_of_81_characters_is_refused() -> None:
    error = _refused(CoupleIn, intake_form(partner_a=_partner("N" * 81)))
    assert str(error) == "Partner A name is too long (at most 80 characters)"
    assert set(error.field_errors) == {"partner_a.name"}


def test_goals_of_2001_characters_are_refused() -> None:
    error = _refused(CoupleIn, intake_form(goals="g" * 2001))
    assert str(error) == "Goals is too long (at most 2000 characters)"
    assert set(error.field_errors) == {"goals"}


def test_pronouns_longer_than_30_characters_are_refused() -> None:
    error = _refused(CoupleIn, intake_form(partner_a=_partner("Kit", pronouns="p" * 31)))
    assert "Partner A pronouns is too long (at most 30 characters)" in str(error)
    assert set(error.field_errors) == {"partner_a.pronouns"}


def test_both_partners_broke_trust_is_refused() -> None:
    error = _refused(
        CoupleIn,
        intake_form(
            partner_a=_partner("Kit", "broke_trust"), partner_b=_partner("Lou", "broke_trust")
        ),
    )
    assert "At least one partner must be the hurt partner" in str(error)
    assert set(error.field_errors) == {"form"}


def test_unknown_partner_role_is_refused() -> None:
    error = _refused(CoupleIn, intake_form(partner_a=_partner("Kit", "villain")))
    assert "Partner A role is not one of the allowed choices" in str(error)
    assert set(error.field_errors) == {"partner_a.role"}


def test_unknown_pattern_is_refused() -> None:
    error = _refused(CoupleIn, intake_form(pattern="sometimes"))
    assert "One-time or repeated is not one of the allowed choices" in str(error)
    assert set(error.field_errors) == {"pattern"}


def test_unexpected_fields_are_refused() -> None:
    error = _refused(CoupleIn, intake_form(counsellor_id=7))
    assert set(error.field_errors) == {"counsellor_id"}


def test_every_problem_is_reported_at_once() -> None:
    error = _refused(
        CoupleIn,
        intake_form(
            partner_a=_partner(""),
            breach_types=[],
            intake_date=date.today() + timedelta(days=30),
        ),
    )
    assert set(error.field_errors) == {"partner_a.name", "breach_types", "intake_date"}
    message = str(error)
    assert "Partner A name is required" in message
    assert "What broke trust needs at least one choice" in message
    assert "Intake date cannot be in the future" in message
    assert message.count("; ") == 2


def test_error_messages_do_not_leak_pydantic_wording() -> None:
    error = _refused(CoupleIn, intake_form(partner_a=_partner(""), goals="g" * 2001))
    assert "Value error" not in str(error)
    assert "pydantic" not in str(error).lower()
    assert "string_too" not in str(error)


# --- StatusChangeIn ----------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "spaces"])
def test_closing_a_case_needs_a_reason(reason: str) -> None:
    error = _refused(StatusChangeIn, {"target": "closed", "reason": reason})
    assert "Closing a case needs a reason" in str(error)


def test_closing_without_giving_any_reason_is_refused() -> None:
    error = _refused(StatusChangeIn, {"target": "closed"})
    assert "needs a reason" in str(error)


def test_closing_with_a_reason_is_accepted() -> None:
    change = parse(StatusChangeIn, {"target": "closed", "reason": "  Goals reached.  "})
    assert change.target is CoupleStatus.CLOSED
    assert change.reason == "Goals reached."


@pytest.mark.parametrize("target", ["active", "paused", "intake"])
def test_other_status_changes_need_no_reason(target: str) -> None:
    change = parse(StatusChangeIn, {"target": target})
    assert change.target is CoupleStatus(target)
    assert change.reason == ""


def test_unknown_target_status_is_refused() -> None:
    error = _refused(StatusChangeIn, {"target": "archived"})
    assert "New status is not one of the allowed choices" in str(error)
    assert set(error.field_errors) == {"target"}


# --- AccountIn ---------------------------------------------------------------------------


def _account(**overrides: str) -> dict[str, str]:
    data = {
        "username": "dana.k",
        "display_name": "Dana K",
        "role": "counsellor",
        "password": "a-long-enough-pass",
    }
    data.update(overrides)
    return data


def test_valid_account_is_accepted() -> None:
    account = parse(AccountIn, _account())
    assert account.username == "dana.k"
    assert account.display_name == "Dana K"
    assert account.role is Role.COUNSELLOR


@pytest.mark.parametrize(
    ("given", "stored"),
    [("Dana.K", "dana.k"), ("  DANA_k-2 ", "dana_k-2"), ("abc", "abc"), ("9lives", "9lives")],
)
def test_usernames_are_lower_cased_and_stripped(given: str, stored: str) -> None:
    assert parse(AccountIn, _account(username=given)).username == stored


def test_username_of_40_characters_is_accepted() -> None:
    assert parse(AccountIn, _account(username="u" * 40)).username == "u" * 40


@pytest.mark.parametrize(
    "username",
    ["", "ab", ".dana", "-dana", "_dana", "dana k", "dana@clinic", "zoë", "dana/k", "u" * 41],
)
def test_badly_shaped_usernames_are_refused(username: str) -> None:
    error = _refused(AccountIn, _account(username=username))
    assert str(error).startswith("Username ")
    assert set(error.field_errors) == {"username"}


def test_username_shape_message_explains_the_rule() -> None:
    error = _refused(AccountIn, _account(username="a b"))
    assert "3-40 lower-case letters, digits, dots, dashes or underscores" in str(error)


def test_password_shorter_than_twelve_characters_is_refused() -> None:
    assert MIN_PASSWORD_LENGTH == 12
    error = _refused(AccountIn, _account(password="x" * 11))
    assert str(error) == "Password is too short (at least 12 characters)"
    assert set(error.field_errors) == {"password"}


def test_password_of_exactly_twelve_characters_is_accepted() -> None:
    assert parse(AccountIn, _account(password="x" * 12)).password == "x" * 12


def test_display_name_is_required() -> None:
    error = _refused(AccountIn, _account(display_name="  "))
    assert str(error) == "Display name is required"


def test_unknown_account_role_is_refused() -> None:
    error = _refused(AccountIn, _account(role="owner"))
    assert "Role is not one of the allowed choices" in str(error)
    assert set(error.field_errors) == {"role"}


# A counsellor east of the server: their "today" is the server's tomorrow. Every
# "not in the future" rule must measure against the counsellor's date, given by the page.
AHEAD = date.today() + timedelta(days=1)


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (CoupleIn, intake_form(intake_date=AHEAD)),
        (
            SessionIn,
            {
                "session_date": AHEAD,
                "duration_minutes": 50,
                "modality": "in_person",
                "attendees": "joint",
            },
        ),
        (ScreenIn, {"partner_label": "A", "screened_on": AHEAD}),
        (
            AssignmentIn,
            {"exercise_id": 1, "target": "both", "assigned_on": AHEAD, "due_on": AHEAD},
        ),
        (CompletionIn, {"partner_label": "B", "completed_on": AHEAD}),
    ],
    ids=["intake", "session", "screen", "assignment", "completion"],
)
def test_a_counsellor_ahead_of_the_server_may_use_their_own_today(
    model: type[Any], data: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError, match="cannot be in the future"):
        parse(model, data)  # the server's today: the counsellor's date is "tomorrow"
    assert parse(model, data, today=AHEAD)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        parse(model, data, today=AHEAD - timedelta(days=1))


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (SafetyOverrideIn, {"safety_override_reason": "x" * 1001}, "Override reason"),
        (StatusUpdateIn, {"status": "skipped", "skip_reason": "x" * 1001}, "Reason for skipping"),
        (CommentIn, {"comment": "x" * 2001}, "Review comment"),
        (
            CompletionIn,
            {"partner_label": "A", "completed_on": date.today(), "answers": {"Q?": "x" * 5001}},
            "Answer",
        ),
        (AddendumIn, {"text": "x" * 20_001}, "Addendum"),
    ],
    ids=["override", "skip", "comment", "answer", "addendum"],
)
def test_every_length_limit_is_a_schema_field(
    model: type[Any], data: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        parse(model, data)
    assert str(info.value).startswith(field)
    assert "Q?" not in str(info.value)  # a question is not part of the field's name


@pytest.mark.parametrize("bad", ["\x00", "a\x00b", "\x07bell", "esc\x1b[2J", "del\x7f"])
def test_control_characters_are_refused_with_a_clear_message(bad: str) -> None:
    with pytest.raises(ValidationError, match="control character"):
        parse(CoupleIn, intake_form(goals=bad))
    with pytest.raises(ValidationError, match="control character"):
        parse(AddendumIn, {"text": bad})


def test_tabs_and_line_breaks_are_ordinary_text() -> None:
    assert parse(AddendumIn, {"text": "one\n\ttwo\r\nthree"}).text == "one\n\ttwo\r\nthree"


def test_an_answer_keyed_by_an_overlong_question_is_refused() -> None:
    """Answers are keyed by their question: a key longer than any question is refused
    (found by the property test: a 20,001-character key was kept)."""
    error = _refused(
        CompletionIn,
        {"partner_label": "A", "completed_on": date(2026, 10, 1), "answers": {"q" * 301: ""}},
    )
    assert "at most 300 characters" in str(error)
    kept = parse(
        CompletionIn,
        {"partner_label": "A", "completed_on": date(2026, 10, 1), "answers": {"q" * 300: "ok"}},
    )
    assert kept.answers == {"q" * 300: "ok"}
