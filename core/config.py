"""Settings read from the environment, in one place, and the crisis lines the safety
banner shows (`crisis_lines`)."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "mend.db"

# --- crisis lines ------------------------------------------------------------------------------
# What a counsellor reads in the safety banner. The clinic sets its own text with
# MEND_CRISIS_LINE (domestic violence, coercive control, emotional abuse) and
# MEND_SELF_HARM_LINE (self-harm risk). Without them Mend shows a default for the clinic's
# region (MEND_REGION, e.g. "GB"; else the browser's locale, e.g. en-GB), marked as Mend's
# default; without a known region, generic text. No text shown to a counsellor ever names
# a setting: the Admin page says where each line comes from.
# Only well-known, long-standing national lines are listed, from memory of the services'
# published numbers (not re-checked online when written: a clinic checks its line before
# going live, as the banner's "check it with your clinic" says); where a country has no
# single national line, the generic text stands in.


@dataclass(frozen=True)
class RegionLines:
    name: str
    emergency: str
    domestic_violence: str | None
    self_harm: str | None


REGION_LINES: dict[str, RegionLines] = {
    "GB": RegionLines(
        "the United Kingdom",
        "999",
        "National Domestic Abuse Helpline (Refuge): 0808 2000 247, free, day and night",
        "Samaritans: 116 123, free, day and night",
    ),
    "US": RegionLines(
        "the United States",
        "911",
        "National Domestic Violence Hotline: 1-800-799-7233, day and night",
        "988 Suicide & Crisis Lifeline: call or text 988",
    ),
    "IE": RegionLines(
        "Ireland",
        "112 or 999",
        "Women's Aid National Freephone Helpline: 1800 341 900, day and night",
        "Samaritans: 116 123, free, day and night",
    ),
    "AU": RegionLines(
        "Australia",
        "000",
        "1800RESPECT (domestic, family and sexual violence): 1800 737 732, day and night",
        "Lifeline: 13 11 14, day and night",
    ),
    "CA": RegionLines(
        "Canada",
        "911",
        None,  # no single national line: provincial services
        "9-8-8 Suicide Crisis Helpline: call or text 988",
    ),
    "NZ": RegionLines(
        "New Zealand",
        "111",
        "Women's Refuge crisis line: 0800 733 843, day and night",
        "Need to talk? Call or text 1737",
    ),
}
REGION_ALIASES = {"UK": "GB"}

GENERIC_EMERGENCY = "your local emergency number"
GENERIC_DOMESTIC_VIOLENCE = (
    "A domestic-violence helpline can help with safety planning at any hour: "
    "ask the clinic for the local number."
)
GENERIC_SELF_HARM = (
    "If someone may act on thoughts of harming themselves, call {emergency} now or a "
    "suicide and crisis line, and stay with them if it is safe."
)


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _whole_number(name: str, default: int, *, minimum: int | None = None) -> int:
    """A whole number from the environment; a bad value refuses to start rather than
    silently run with another setting than the clinic chose."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be {minimum} or more, not {value!r}")
    return number


@dataclass(frozen=True)
class Settings:
    database_url: str
    demo_mode: bool
    crisis_line: str | None  # MEND_CRISIS_LINE, None when the clinic has not set one
    self_harm_line: str | None = None  # MEND_SELF_HARM_LINE
    region: str | None = None  # MEND_REGION, as given
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    idle_minutes: int = 30  # an idle tab shows the login page after this (MEND_IDLE_MINUTES)
    # The clinic's reference (constants and band) is recomputed when it is read and the
    # latest snapshot is older than this; 0 or less leaves it to a schedule or a supervisor.
    reference_max_age_days: int = 7
    # Check-in links: days a new link stays valid (MEND_CHECKIN_DAYS), and refused
    # openings allowed per address in CHECKIN_WINDOW_MINUTES (MEND_CHECKIN_ATTEMPTS).
    checkin_days: int = 14
    checkin_attempts: int = 10
    public_url: str | None = None  # MEND_PUBLIC_URL: the address partners open links at

    # The Chromium that draws report charts (kaleido): BROWSER_PATH, else Debian's chromium
    # on the PATH, else None (kaleido then looks in its usual places).
    browser_path: str | None = None


CHECKIN_WINDOW_MINUTES = 15


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _text(name: str) -> str | None:
    value = (os.environ.get(name) or "").strip()
    return value or None


def load_settings() -> Settings:
    """Read settings now (not at import) so tests can change the environment."""
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or default_database_url(),
        demo_mode=_flag("MEND_DEMO"),
        crisis_line=_text("MEND_CRISIS_LINE"),
        self_harm_line=_text("MEND_SELF_HARM_LINE"),
        region=_text("MEND_REGION"),
        idle_minutes=_whole_number("MEND_IDLE_MINUTES", 30, minimum=1),
        reference_max_age_days=_whole_number("MEND_REFERENCE_MAX_AGE_DAYS", 7),
        checkin_days=_whole_number("MEND_CHECKIN_DAYS", 14, minimum=1),
        checkin_attempts=_whole_number("MEND_CHECKIN_ATTEMPTS", 10, minimum=1),
        public_url=_text("MEND_PUBLIC_URL"),
        browser_path=_text("BROWSER_PATH") or shutil.which("chromium"),
    )


def region_code(value: str | None) -> str | None:
    """ "GB", "uk", "en-GB", "en_gb" -> "GB"; None when no known region is named."""
    if not value:
        return None
    code = re.split(r"[-_]", value.strip())[-1].upper()
    code = REGION_ALIASES.get(code, code)
    return code if code in REGION_LINES else None


@dataclass(frozen=True)
class CrisisLines:
    """The texts the safety banner shows, and (for the Admin page) where each comes from."""

    domestic_violence: str
    self_harm: str
    region: str | None  # the region whose defaults apply, None: generic
    region_from: str  # how the region was chosen
    domestic_violence_from: str
    self_harm_from: str


def _line(
    clinic: str | None,
    setting: str,
    regional: str | None,
    generic: str,
    lines: RegionLines | None,
) -> tuple[str, str]:
    """(text, where it comes from): the clinic's setting, else the region's default,
    else the generic text."""
    if clinic:
        return clinic, f"{setting} (set by the clinic)"
    if regional and lines:
        return regional, f"Mend's default for {lines.name} ({setting} is not set)"
    return generic, f"generic text ({setting} is not set)"


def crisis_lines(settings: Settings, locale: str | None = None) -> CrisisLines:
    """The domestic-violence and self-harm texts for `settings` and the browser's locale."""
    by_setting = region_code(settings.region)
    by_locale = None if settings.region else region_code(locale)
    region = by_setting or by_locale
    if by_setting:
        region_from = f"MEND_REGION={settings.region}"
    elif settings.region:
        region_from = f"MEND_REGION={settings.region} is not a region Mend knows: generic text"
    elif by_locale:
        region_from = f"the browser's locale ({locale}); MEND_REGION is not set"
    else:
        region_from = "no region: MEND_REGION is not set and the browser's locale names none"
    lines = REGION_LINES.get(region) if region else None
    emergency = lines.emergency if lines else GENERIC_EMERGENCY
    marked = f" (Mend's default for {lines.name}: check it with your clinic.)" if lines else ""
    danger = f"If anyone is in immediate danger, call {emergency}."
    violence, violence_from = _line(
        settings.crisis_line,
        "MEND_CRISIS_LINE",
        f"{danger} {lines.domestic_violence}.{marked}"
        if lines and lines.domestic_violence
        else None,
        f"{danger} {GENERIC_DOMESTIC_VIOLENCE}",
        lines,
    )
    harm, harm_from = _line(
        settings.self_harm_line,
        "MEND_SELF_HARM_LINE",
        f"{GENERIC_SELF_HARM.format(emergency=emergency)} {lines.self_harm}.{marked}"
        if lines and lines.self_harm
        else None,
        GENERIC_SELF_HARM.format(emergency=GENERIC_EMERGENCY),
        lines,
    )
    return CrisisLines(violence, harm, region, region_from, violence_from, harm_from)
