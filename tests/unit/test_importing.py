"""core.importing: every row-level problem a couples or ratings file can have, with its
row number and column; rows only when the whole file is valid."""

from __future__ import annotations

from datetime import date

import pytest

from core import importing

TODAY = date(2026, 11, 26)
HEADER = ",".join(importing.COUPLE_REQUIRED + importing.COUPLE_OPTIONAL)
GOOD = "C-0901,2026-01-12,one_time,lying_money;broken_promises,Kit,hurt,Lou,broke_trust,,,,active"
GOOD_2 = "C-0902,2026-02-02,repeated,disrespect,Mara,hurt,Nils,both,she/her,he/him,Talk,"
RATING_HEADER = ",".join(importing.RATING_REQUIRED + importing.ITEM_COLUMNS)


def couples_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


def rating(code: str, partner: str, instrument: str, day: str, **items: object) -> str:
    cells = [code, partner, instrument, day]
    cells += [str(items.get(key, "")) for key in importing.ITEM_COLUMNS]
    return ",".join(cells)


def problems(checked: importing.Checked) -> list[tuple[str, int, str, str]]:
    return [(p.file, p.row, p.column, p.problem) for p in checked.problems]


def test_a_valid_file_gives_rows_and_a_preview() -> None:
    checked = importing.check(couples_file(GOOD, GOOD_2), today=TODAY)
    assert checked.ok and problems(checked) == []
    assert [couple.case_code for _, couple in checked.couples] == ["C-0901", "C-0902"]
    preview = checked.preview()
    assert preview["partners"].tolist() == ["Kit & Lou", "Mara & Nils"]
    assert preview.loc[0, "what_broke_trust"] == "Lying or deception about money; Broken promises"


def test_the_template_is_a_valid_file() -> None:
    checked = importing.check(
        importing.template(), importing.template(importing.RATINGS_FILE), today=TODAY
    )
    assert checked.ok, problems(checked)
    assert len(checked.ratings) == 1


def test_a_missing_column_is_named_on_the_header_row() -> None:
    header = HEADER.replace("partner_b_role,", "")
    row = GOOD.replace(",broke_trust", "")
    checked = importing.check(couples_file(row, header=header), today=TODAY)
    assert problems(checked) == [("couples", 1, "partner_b_role", "missing column")]
    assert checked.couples == []


def test_an_unknown_breach_type() -> None:
    checked = importing.check(
        couples_file(GOOD, GOOD_2.replace("disrespect", "sulking")), today=TODAY
    )
    assert problems(checked) == [("couples", 3, "breach_types", "unknown breach type 'sulking'")]
    assert checked.couples == []  # one bad row: no rows at all


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-13-01", "'2026-13-01' is not a date (write YYYY-MM-DD)"),
        ("12/01/2026", "'12/01/2026' is not a date (write YYYY-MM-DD)"),
        ("2027-01-01", "2027-01-01 is in the future"),
    ],
)
def test_bad_and_future_dates(day: str, message: str) -> None:
    checked = importing.check(couples_file(GOOD.replace("2026-01-12", day)), today=TODAY)
    assert problems(checked) == [("couples", 2, "intake_date", message)]


def test_a_duplicate_case_code_in_the_file() -> None:
    checked = importing.check(couples_file(GOOD, GOOD_2.replace("C-0902", "C-0901")), today=TODAY)
    assert problems(checked) == [
        ("couples", 3, "case_code", "duplicate case code C-0901 (also on row 2)")
    ]


def test_a_case_code_mend_already_holds() -> None:
    checked = importing.check(couples_file(GOOD), today=TODAY, existing_codes={"C-0901"})
    assert problems(checked) == [
        ("couples", 2, "case_code", "case code C-0901 already exists in Mend")
    ]


def test_a_file_that_is_not_utf8() -> None:
    data = couples_file(GOOD, GOOD_2.replace("Mara", "Zoë")).decode().encode("latin-1")
    checked = importing.check(data, today=TODAY)
    assert problems(checked) == [
        ("couples", 3, "", "the file is not UTF-8 text: save it as 'CSV UTF-8' and try again")
    ]


def test_a_utf8_file_with_a_byte_order_mark_is_fine() -> None:
    checked = importing.check(
        b"\xef\xbb\xbf" + couples_file(GOOD.replace("Kit", "Zoë")), today=TODAY
    )
    assert checked.ok
    assert checked.couples[0][1].partner_a.name == "Zoë"


def test_schema_problems_name_their_column() -> None:
    row = GOOD.replace(",Kit,hurt,", ",,hurt,").replace("C-0901", "X-1")
    checked = importing.check(couples_file(row), today=TODAY)
    columns = {p.column for p in checked.problems}
    assert columns == {"case_code", "partner_a_name"}
    assert all(p.row == 2 for p in checked.problems)


def test_closed_is_not_an_import_status() -> None:
    checked = importing.check(couples_file(GOOD.replace(",active", ",closed")), today=TODAY)
    assert [p.column for p in checked.problems] == ["status"]


def ratings_file(*rows: str) -> bytes:
    return ("\r\n".join([RATING_HEADER, *rows]) + "\r\n").encode()


def test_valid_ratings() -> None:
    five = {"care": 3, "communication": 4, "character": 5, "consistency": 2, "competence": 6}
    checked = importing.check(
        couples_file(GOOD),
        ratings_file(
            rating("C-0901", "A", "five_cs", "2026-01-19", **five),
            rating("C-0901", "B", "distress", "2026-01-19", distress=4),
        ),
        today=TODAY,
    )
    assert checked.ok, problems(checked)
    assert [r.items for _, r in checked.ratings][1] == {"distress": 4.0}
    assert checked.preview().loc[0, "ratings"] == 2


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            rating("C-0901", "A", "distress", "2026-01-19", distress=11),
            "distress",
            "score 11 is out of range (a whole number from 0 to 10)",
        ),
        (
            rating("C-0901", "A", "distress", "2026-01-19", distress=-1),
            "distress",
            "score -1 is out of range (a whole number from 0 to 10)",
        ),
        (
            rating("C-0901", "A", "distress", "2026-01-19", distress="lots"),
            "distress",
            "'lots' is not a number",
        ),
        (rating("C-0901", "A", "distress", "2026-01-19"), "distress", "missing score"),
        (
            rating("C-0901", "A", "mood", "2026-01-19"),
            "instrument",
            "unknown measure 'mood' (one of five_cs, csi4, distress)",
        ),
        (
            rating("C-0999", "A", "distress", "2026-01-19", distress=3),
            "case_code",
            "case code 'C-0999' is not in the couples file",
        ),
        (
            rating("C-0901", "A", "distress", "2026-01-02", distress=3),
            "rated_on",
            "is before the couple's intake date (2026-01-12)",
        ),
        (
            rating("C-0901", "A", "distress", "2030-01-02", distress=3),
            "rated_on",
            "2030-01-02 is in the future",
        ),
        (
            rating("C-0901", "A", "distress", "2026-01-20", distress=3, care=4),
            "care",
            "belongs to another measure than Distress: leave it blank",
        ),
    ],
)
def test_rating_problems(row: str, column: str, message: str) -> None:
    checked = importing.check(couples_file(GOOD), ratings_file(row), today=TODAY)
    assert problems(checked) == [("ratings", 2, column, message)]
    assert checked.couples == [] and checked.ratings == []


def test_an_empty_file() -> None:
    checked = importing.check(couples_file(), today=TODAY)
    assert problems(checked) == [("couples", 1, "", "the file has no rows under its header")]
    assert not checked.ok
