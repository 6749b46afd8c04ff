"""core.exports: frames -> CSV / Excel bytes that round-trip through pandas, with every
formula-looking string neutralised and numbers left as numbers."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from core import exports


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case_code": ["C-0001", "C-0002", "C-0003"],
            "partner_name": ["Kit", "Émile ☃", "Lou"],
            "rated_on": [date(2026, 9, 1), date(2026, 9, 8), date(2026, 10, 1)],
            "total": [12.0, 7.5, -3.0],
            "sessions": [3, 0, 11],
        }
    )


def as_read(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as pandas reads it back: dates become datetimes (resolution aside)."""
    return frame.assign(rated_on=pd.to_datetime(frame["rated_on"]).astype("datetime64[ns]"))


def test_csv_round_trips_through_pandas() -> None:
    frame = sample()
    back = pd.read_csv(io.BytesIO(exports.to_csv(frame)), parse_dates=["rated_on"])
    pd.testing.assert_frame_equal(as_read(back), as_read(frame))


def test_excel_round_trips_through_pandas() -> None:
    frame = sample()
    back = pd.read_excel(io.BytesIO(exports.to_xlsx(frame)), sheet_name="Mend export")
    pd.testing.assert_frame_equal(as_read(back), as_read(frame))
    assert back["rated_on"].dtype.kind == "M"  # real date cells, not text
    assert back["total"].dtype.kind == "f" and back["sessions"].dtype.kind == "i"


DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tstart", "\rline", '=HYPERLINK("x")']


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_formula_cells_are_neutralised_and_numbers_are_not(kind: str) -> None:
    frame = pd.DataFrame(
        {"=bad header": DANGEROUS, "plain": ["a"] * len(DANGEROUS), "n": [-1] * len(DANGEROUS)}
    )
    data = exports.encode(frame, kind)
    if kind == "csv":
        back = pd.read_csv(io.BytesIO(data), keep_default_na=False)
    else:
        back = pd.read_excel(io.BytesIO(data), keep_default_na=False)
    assert list(back.columns) == ["'=bad header", "plain", "n"]
    expected = ["'" + value for value in DANGEROUS]
    if kind == "xlsx":  # a spreadsheet cell keeps a line break as LF
        expected = [value.replace("\r", "\n") for value in expected]
    assert back["'=bad header"].tolist() == expected
    assert back["plain"].tolist() == ["a"] * len(DANGEROUS)
    assert back["n"].tolist() == [-1] * len(DANGEROUS)


def test_an_excel_cell_holds_text_not_a_formula() -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(exports.to_xlsx(pd.DataFrame({"x": ["=1+1"]})))).active
    assert sheet["A2"].value == "'=1+1"
    assert sheet["A2"].data_type == "s"


def test_only_leading_characters_count() -> None:
    assert exports.neutralise("a=b") == "a=b"
    assert exports.neutralise("") == ""
    assert exports.neutralise(5) == 5
    assert exports.neutralise("-") == "'-"


def test_an_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError):
        exports.encode(sample(), "pdf")
