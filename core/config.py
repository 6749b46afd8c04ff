"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "mend.db"

DEFAULT_CRISIS_LINE = (
    "If anyone is in immediate danger, call your local emergency number. "
    "A domestic-violence hotline can help with safety planning at any hour "
    "(the clinic sets its regional number in MEND_CRISIS_LINE)."
)


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _whole_number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


@dataclass(frozen=True)
class Settings:
    database_url: str
    demo_mode: bool
    crisis_line: str
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    # The clinic's reference (constants and band) is recomputed when it is read and the
    # latest snapshot is older than this; 0 or less leaves it to a schedule or a supervisor.
    reference_max_age_days: int = 7


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def load_settings() -> Settings:
    """Read settings now (not at import) so tests can change the environment."""
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or default_database_url(),
        demo_mode=_flag("MEND_DEMO"),
        crisis_line=os.environ.get("MEND_CRISIS_LINE") or DEFAULT_CRISIS_LINE,
        reference_max_age_days=_whole_number("MEND_REFERENCE_MAX_AGE_DAYS", 7),
    )
