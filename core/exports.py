"""Frames -> CSV or Excel bytes, safe to open in a spreadsheet (pure: no database).

Formula injection: a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and
some also after a tab or carriage return) as a formula. Every string cell, headers
included, that starts with one of them gets a leading apostrophe, which spreadsheets
show as text. Numbers stay numbers (a negative number is a number, not a formula).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SHEET_TITLE_LIMIT = 31  # Excel's limit on a sheet name


def neutralise(value: Any) -> Any:
    """A string that a spreadsheet would run as a formula, made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every string cell and header neutralised; other cells untouched."""
    safe = frame.copy()
    safe.columns = [neutralise(str(column)) for column in frame.columns]
    for column in safe.columns:
        if _text_like(safe[column]):
            safe[column] = safe[column].map(neutralise)
    return safe


def _text_like(column: pd.Series) -> bool:
    """Columns that may hold strings (object or pandas' string dtype)."""
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV, no index; dates as ISO (YYYY-MM-DD)."""
    # CRLF line ends (RFC 4180): a field holding a CR or LF is then always quoted.
    text = safe_frame(frame).to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\r\n")
    return text.encode("utf-8")


def to_xlsx(frame: pd.DataFrame, sheet: str = "Mend export") -> bytes:
    """One worksheet (openpyxl); dates stay date cells, datetimes lose their zone (UTC)."""
    safe = safe_frame(frame)
    for column in safe.columns:
        if _text_like(safe[column]):
            safe[column] = safe[column].map(_excel_value)
        elif isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe[column] = safe[column].dt.tz_convert("UTC").dt.tz_localize(None)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=sheet[:SHEET_TITLE_LIMIT])
    return buffer.getvalue()


def _excel_value(value: Any) -> Any:
    """Excel has no time zones: an aware datetime is written as its UTC wall time."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def encode(frame: pd.DataFrame, kind: str, sheet: str = "Mend export") -> bytes:
    """`kind` is "csv" or "xlsx"."""
    if kind == "csv":
        return to_csv(frame)
    if kind == "xlsx":
        return to_xlsx(frame, sheet)
    raise ValueError(f"unknown export format {kind!r}")
