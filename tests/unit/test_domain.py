"""Domain vocabulary (core.domain) and settings (core.config): no database."""

from __future__ import annotations

import pytest

from core import config
from core.domain import (
    ACCOUNT_ROLE_LABELS,
    BREACH_LABELS,
    COUPLE_STATUS_LABELS,
    PARTNER_ROLE_LABELS,
    PATTERN_LABELS,
    STATUS_TRANSITIONS,
    BreachPattern,
    BreachType,
    CoupleStatus,
    PartnerRole,
    Role,
    transition_verb,
)


@pytest.mark.parametrize(
    ("enum", "labels"),
    [
        (Role, ACCOUNT_ROLE_LABELS),
        (CoupleStatus, COUPLE_STATUS_LABELS),
        (PartnerRole, PARTNER_ROLE_LABELS),
        (BreachPattern, PATTERN_LABELS),
        (BreachType, BREACH_LABELS),
    ],
)
def test_every_choice_has_a_label(enum: type, labels: dict) -> None:
    assert set(labels) == set(enum)
    assert all(label.strip() for label in labels.values())


def test_every_status_has_transitions_and_none_to_itself() -> None:
    assert set(STATUS_TRANSITIONS) == set(CoupleStatus)
    for status, targets in STATUS_TRANSITIONS.items():
        assert status not in targets


def test_nothing_returns_to_intake_and_any_open_case_can_close() -> None:
    assert all(CoupleStatus.INTAKE not in targets for targets in STATUS_TRANSITIONS.values())
    for status in (CoupleStatus.INTAKE, CoupleStatus.ACTIVE, CoupleStatus.PAUSED):
        assert CoupleStatus.CLOSED in STATUS_TRANSITIONS[status]
    assert STATUS_TRANSITIONS[CoupleStatus.CLOSED] == {CoupleStatus.ACTIVE}


@pytest.mark.parametrize(
    ("current", "target", "verb"),
    [
        (CoupleStatus.INTAKE, CoupleStatus.ACTIVE, "Mark active"),
        (CoupleStatus.ACTIVE, CoupleStatus.PAUSED, "Pause"),
        (CoupleStatus.PAUSED, CoupleStatus.ACTIVE, "Resume"),
        (CoupleStatus.ACTIVE, CoupleStatus.CLOSED, "Close case"),
        (CoupleStatus.CLOSED, CoupleStatus.ACTIVE, "Reopen"),
    ],
)
def test_transition_buttons_use_plain_verbs(
    current: CoupleStatus, target: CoupleStatus, verb: str
) -> None:
    assert transition_verb(current, target) == verb


def test_every_allowed_transition_has_a_verb() -> None:
    for current, targets in STATUS_TRANSITIONS.items():
        for target in targets:
            assert transition_verb(current, target)


# --- settings -------------------------------------------------------------------------------


def test_settings_default_to_the_local_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "MEND_DEMO", "MEND_CRISIS_LINE", "MEND_SELF_HARM_LINE"):
        monkeypatch.delenv(name, raising=False)
    settings = config.load_settings()
    assert settings.database_url == f"sqlite:///{config.DEFAULT_SQLITE_PATH}"
    assert settings.demo_mode is False
    # Not set: the banner shows the region's default or generic text (core.config.crisis_lines).
    assert settings.crisis_line is None and settings.self_harm_line is None
    assert (settings.max_failed_logins, settings.lockout_minutes) == (5, 15)


def test_settings_are_read_when_asked_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://clinic@db/mend")
    monkeypatch.setenv("MEND_CRISIS_LINE", "Call 0800 000 000")
    settings = config.load_settings()
    assert settings.database_url == "postgresql+psycopg://clinic@db/mend"
    assert settings.crisis_line == "Call 0800 000 000"


@pytest.mark.parametrize(
    ("value", "on"),
    [("1", True), ("true", True), (" YES ", True), ("on", True), ("0", False), ("", False)],
)
def test_demo_flag_values(monkeypatch: pytest.MonkeyPatch, value: str, on: bool) -> None:
    monkeypatch.setenv("MEND_DEMO", value)
    assert config.load_settings().demo_mode is on


def test_empty_database_url_falls_back_to_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "")
    assert config.load_settings().database_url == config.default_database_url()


def test_repair_steps_have_one_order_and_every_label() -> None:
    from typing import get_args

    from core.catalogue import RepairStep
    from core.domain import NUMBERED_STEPS, REPAIR_STEPS, STEP_LABELS, STEP_NAMES

    assert get_args(RepairStep) == REPAIR_STEPS
    assert REPAIR_STEPS[:5] == NUMBERED_STEPS
    assert list(STEP_NAMES) == list(STEP_LABELS) == list(REPAIR_STEPS)
    assert STEP_LABELS["1"] == "Step 1 · Take responsibility"
    assert STEP_LABELS["together"] == "Together · Joint work"
