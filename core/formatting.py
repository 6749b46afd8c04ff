"""Dates shown the way the user's browser locale writes them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DateStyle:
    strftime: str  # for text
    widget: str  # for st.date_input and st.column_config.DateColumn


ISO = DateStyle("%Y-%m-%d", "YYYY-MM-DD")
DAY_FIRST_SLASH = DateStyle("%d/%m/%Y", "DD/MM/YYYY")
DAY_FIRST_DOT = DateStyle("%d.%m.%Y", "DD.MM.YYYY")
DAY_FIRST_DASH = DateStyle("%d-%m-%Y", "DD-MM-YYYY")
MONTH_FIRST = DateStyle("%m/%d/%Y", "MM/DD/YYYY")

_MONTH_FIRST_REGIONS = {"US", "PH", "FM", "MH", "PW", "BZ"}
_ISO_LANGUAGES = {"sv", "lt", "zh", "ja", "ko", "hu", "mn"}
_DOT_LANGUAGES = {
    "de",
    "ru",
    "pl",
    "fi",
    "nb",
    "no",
    "nn",
    "da",
    "cs",
    "sk",
    "tr",
    "uk",
    "ro",
    "bg",
    "hr",
    "sl",
    "sr",
    "et",
    "lv",
    "is",
    "az",
    "kk",
    "be",
}


def date_style(locale: str | None) -> DateStyle:
    """Pick the date style for a BCP 47 locale such as 'en-GB' or 'de-DE'.

    An unknown or missing locale gets ISO dates, the one format nobody misreads.
    """
    if not locale:
        return ISO
    parts = locale.replace("_", "-").split("-")
    language = parts[0].lower()
    region = parts[-1].upper() if len(parts) > 1 else ""
    if region == "CA" and language in {"en", "fr"}:
        return ISO
    if region in _MONTH_FIRST_REGIONS:
        return MONTH_FIRST
    if language in _ISO_LANGUAGES:
        return ISO
    if language in _DOT_LANGUAGES:
        return DAY_FIRST_DOT
    if language == "nl":
        return DAY_FIRST_DASH
    if language == "en" and not region:
        return MONTH_FIRST
    return DAY_FIRST_SLASH


def format_date(value: date | None, locale: str | None) -> str:
    if value is None:
        return "—"
    return value.strftime(date_style(locale).strftime)


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=^])")


def plain(text: str) -> str:
    """`text` escaped so that Streamlit's markdown shows it as typed: no emphasis, links,
    colour directives (":red[...]"), icons or formulas from what a person wrote."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text)).replace("\n", "  \n")
