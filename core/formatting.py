"""Dates shown the way the user's browser locale writes them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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


def browser_zone(name: str | None) -> tzinfo:
    """The browser's time zone by its IANA name; UTC when unknown or invalid."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def format_date(value: date | None, locale: str | None) -> str:
    if value is None:
        return "—"
    return value.strftime(date_style(locale).strftime)


# What Streamlit's markdown gives a meaning to, escaped with CommonMark's backslash (a
# backslash-escaped punctuation mark shows as itself). Everywhere: emphasis and code
# (* _ ` ~), links and images ([ ]), HTML and autolinks (< >), LaTeX ($), tables (|) and
# the backslash itself. In context only, so that prose reads the same in the page source
# and in tests: entities (&amp;), directives and icons (:red[..], :red, :material/..), and
# at a line's start headings, lists, block quotes and setext underlines (# + - = 1. 1)).
_ALWAYS = re.compile(r"([\\`*_~\[\]<>$|])")
_IN_CONTEXT = (
    (re.compile(r"&(?=#?[0-9A-Za-z]+;)"), r"\\&"),
    (re.compile(r"(?<=:material)/"), r"\\/"),
    (re.compile(r":(?=[A-Za-z])"), r"\\:"),
    (re.compile(r"^(\s*)([#+=-])", re.MULTILINE), r"\1\\\2"),
    (re.compile(r"^(\s*\d+)([.)])", re.MULTILINE), r"\1\\\2"),
)
# GFM turns bare addresses (http://, www., name@host) into links after parsing, where a
# backslash no longer counts: an invisible word joiner (U+2060) inside each breaks them.
JOINER = "\u2060"
_BARE_LINKS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)


def plain(text: object) -> str:
    """`text` escaped so that Streamlit's markdown (st.markdown, captions, alerts, titles,
    labels of expanders, tabs, buttons, checkboxes and widgets, radio options, badges)
    shows it as typed: no images, links, headings, HTML, emphasis, colour directives,
    icons or formulas from what a person wrote. Line breaks stay line breaks; bare
    addresses get an invisible word joiner so they are not made links."""
    if text is None:
        return ""
    escaped = _ALWAYS.sub(r"\\\1", str(text).replace("\r\n", "\n").replace("\r", "\n"))
    for pattern, replacement in _IN_CONTEXT:
        escaped = pattern.sub(replacement, escaped)
    return _BARE_LINKS.sub(JOINER, escaped).replace("\n", "  \n")


def chart_text(text: object) -> str:
    """`text` for a plotly title, legend entry, axis label or hover: plotly draws a subset of
    HTML (<a href>, <b>, <br>, entities) in text, so `&`, `<` and `>` become entities and
    the text shows as typed."""
    if text is None:
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plural(count: int, word: str, many: str | None = None) -> str:
    """ "1 note", "3 notes", "2 couples", "1 person"/"4 people" (`many`): never "note(s)"."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"
