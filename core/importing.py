"""Import of couples (and optionally their historical ratings) from CSV: pure checking.

Bytes in, rows and row-level problems out (no database here: the service adds the case
codes Mend already holds and writes all or nothing). Row numbers are the spreadsheet's:
row 1 is the header, row 2 the first couple. The columns are in the README ("Import").

couples file   case_code, intake_date, pattern, breach_types (keys separated by ";"),
               partner_a_name, partner_a_role, partner_b_name, partner_b_role;
               optional: partner_a_pronouns, partner_b_pronouns, goals, status
ratings file   case_code, partner (A or B), instrument, rated_on, and one column per item
               of that instrument (blank for the other instruments' items)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from core.domain import BREACH_LABELS, BreachType
from core.errors import ValidationError
from core.measures import session_instruments
from core.schemas import ImportCoupleRow, ImportRatingRow, parse

COUPLES_FILE, RATINGS_FILE = "couples", "ratings"
COUPLE_REQUIRED = [
    "case_code",
    "intake_date",
    "pattern",
    "breach_types",
    "partner_a_name",
    "partner_a_role",
    "partner_b_name",
    "partner_b_role",
]
COUPLE_OPTIONAL = ["partner_a_pronouns", "partner_b_pronouns", "goals", "status"]
RATING_REQUIRED = ["case_code", "partner", "instrument", "rated_on"]
INSTRUMENTS = {tool.key: tool for tool in session_instruments()}
ITEM_COLUMNS = list(dict.fromkeys(item.key for tool in INSTRUMENTS.values() for item in tool.items))
MESSAGE_COLUMNS = ["file", "row", "column", "problem"]
PREVIEW_COLUMNS = ["case_code", "intake_date", "partners", "what_broke_trust", "status", "ratings"]


@dataclass(frozen=True)
class Problem:
    file: str
    row: int  # 1: the header (or the whole file)
    column: str  # "" for the whole row
    problem: str


@dataclass
class Checked:
    couples: list[tuple[int, ImportCoupleRow]] = field(default_factory=list)
    ratings: list[tuple[int, ImportRatingRow]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.couples)

    def messages(self) -> pd.DataFrame:
        return pd.DataFrame([vars(p) for p in self.problems], columns=MESSAGE_COLUMNS)

    def preview(self) -> pd.DataFrame:
        counts: dict[str, int] = {}
        for _, rating in self.ratings:
            counts[rating.case_code] = counts.get(rating.case_code, 0) + 1
        rows = [
            {
                "case_code": couple.case_code,
                "intake_date": couple.intake_date,
                "partners": f"{couple.partner_a.name} & {couple.partner_b.name}",
                "what_broke_trust": "; ".join(BREACH_LABELS[b] for b in couple.breach_types),
                "status": couple.status.value,
                "ratings": counts.get(couple.case_code, 0),
            }
            for _, couple in self.couples
        ]
        return pd.DataFrame(rows, columns=PREVIEW_COLUMNS)


def template(kind: str = COUPLES_FILE) -> bytes:
    """An example file with the header and one synthetic row, for the page's download."""
    if kind == COUPLES_FILE:
        header = COUPLE_REQUIRED + COUPLE_OPTIONAL
        row = ["C-0901", "2026-01-12", "one_time", "lying_money;broken_promises", "Kit", "hurt"]
        row += ["Lou", "broke_trust", "they/them", "she/her", "Rebuild honesty", "active"]
    else:
        header = RATING_REQUIRED + ITEM_COLUMNS
        row = ["C-0901", "A", "distress", "2026-01-19"]
        row += ["7" if key == "distress" else "" for key in ITEM_COLUMNS]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([header, row])
    return buffer.getvalue().encode("utf-8")


def check(
    couples_csv: bytes,
    ratings_csv: bytes | None = None,
    *,
    today: date,
    existing_codes: Iterable[str] = (),
) -> Checked:
    """Every problem in both files; rows only when each of them is valid."""
    result = Checked()
    rows = _read(couples_csv, COUPLES_FILE, COUPLE_REQUIRED, COUPLE_OPTIONAL, result)
    taken = set(existing_codes)
    seen: dict[str, int] = {}
    intakes: dict[str, date] = {}
    for number, raw in rows:
        couple = _couple(number, raw, today, result)
        code = raw.get("case_code", "").strip()
        if code in seen:
            result.problems.append(
                Problem(
                    COUPLES_FILE,
                    number,
                    "case_code",
                    f"duplicate case code {code} (also on row {seen[code]})",
                )
            )
        elif code in taken:
            result.problems.append(
                Problem(
                    COUPLES_FILE, number, "case_code", f"case code {code} already exists in Mend"
                )
            )
        seen.setdefault(code, number)
        if couple is not None:
            result.couples.append((number, couple))
            intakes[couple.case_code] = couple.intake_date
    if ratings_csv:
        ratings = _read(ratings_csv, RATINGS_FILE, RATING_REQUIRED, ITEM_COLUMNS, result)
        for number, raw in ratings:
            if (rating := _rating(number, raw, today, set(seen), intakes, result)) is not None:
                result.ratings.append((number, rating))
    if result.problems:
        result.couples, result.ratings = [], []
    return result


def case_codes(couples_csv: bytes) -> list[str]:
    """The case codes in a couples file, whatever else is wrong with it."""
    reader = csv.DictReader(io.StringIO(couples_csv.decode("utf-8-sig"), newline=""))
    return [
        code
        for row in reader
        if (code := (row.get("case_code") or row.get(" case_code") or "").strip())
    ]


def _read(
    data: bytes, file: str, required: list[str], optional: list[str], result: Checked
) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        result.problems.append(
            Problem(
                file, row, "", "the file is not UTF-8 text: save it as 'CSV UTF-8' and try again"
            )
        )
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    problems = [Problem(file, 1, name, "missing column") for name in required if name not in header]
    problems += [
        Problem(file, 1, name, "unknown column")
        for name in header
        if name not in required and name not in optional
    ]
    if problems:
        result.problems += problems
        return []
    rows = [
        (number, row)
        for number, row in enumerate(reader, start=2)
        if any((row.get(c) or "").strip() for c in header)
    ]
    if not rows:
        result.problems.append(Problem(file, 1, "", "the file has no rows under its header"))
    for number, row in rows:
        if None in row:
            result.problems.append(Problem(file, number, "", "more cells than columns"))
    return rows


def _date(file: str, number: int, column: str, text: str, today: date, result: Checked) -> bool:
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        message = (
            "is empty" if not text.strip() else f"{text.strip()!r} is not a date (write YYYY-MM-DD)"
        )
        result.problems.append(Problem(file, number, column, message))
        return False
    if value > today:
        result.problems.append(Problem(file, number, column, f"{value:%Y-%m-%d} is in the future"))
        return False
    return True


def _couple(
    number: int, raw: dict[str, Any], today: date, result: Checked
) -> ImportCoupleRow | None:
    cell = {key: (value or "").strip() for key, value in raw.items() if key is not None}
    dated = _date(COUPLES_FILE, number, "intake_date", cell["intake_date"], today, result)
    breaches = [part.strip() for part in cell["breach_types"].split(";") if part.strip()]
    unknown = [part for part in breaches if part not in set(BreachType)]
    for part in unknown:
        result.problems.append(
            Problem(COUPLES_FILE, number, "breach_types", f"unknown breach type {part!r}")
        )
    form: dict[str, Any] = {
        "case_code": cell["case_code"],
        "intake_date": cell["intake_date"],
        "pattern": cell["pattern"],
        "breach_types": [part for part in breaches if part not in unknown] or breaches,
        "goals": cell.get("goals", ""),
        "partner_a": {
            key: cell.get(f"partner_a_{key}", "") for key in ("name", "role", "pronouns")
        },
        "partner_b": {
            key: cell.get(f"partner_b_{key}", "") for key in ("name", "role", "pronouns")
        },
    }
    if cell.get("status"):
        form["status"] = cell["status"]
    try:
        parsed = parse(ImportCoupleRow, form, today=today)
    except ValidationError as error:
        skip = {"intake_date"} if not dated else set()
        skip |= {"breach_types"} if unknown else set()
        _add_field_errors(COUPLES_FILE, number, error, skip, result)
        return None
    return parsed if dated and not unknown else None


def _rating(
    number: int,
    raw: dict[str, Any],
    today: date,
    codes: set[str],
    intakes: dict[str, date],
    result: Checked,
) -> ImportRatingRow | None:
    cell = {key: (value or "").strip() for key, value in raw.items() if key is not None}
    before = len(result.problems)
    add = lambda column, problem: result.problems.append(  # noqa: E731
        Problem(RATINGS_FILE, number, column, problem)
    )
    if cell["case_code"] not in codes:
        add("case_code", f"case code {cell['case_code']!r} is not in the couples file")
    dated = _date(RATINGS_FILE, number, "rated_on", cell["rated_on"], today, result)
    tool = INSTRUMENTS.get(cell["instrument"])
    if tool is None:
        add(
            "instrument",
            f"unknown measure {cell['instrument']!r} (one of {', '.join(INSTRUMENTS)})",
        )
        return None
    items: dict[str, float] = {}
    own = {item.key for item in tool.items}
    for item in tool.items:
        text = cell.get(item.key, "")
        try:
            value = float(text)
        except ValueError:
            add(item.key, "missing score" if not text else f"{text!r} is not a number")
            continue
        if not (item.minimum <= value <= item.maximum) or value != int(value):
            add(
                item.key,
                f"score {text} is out of range "
                f"(a whole number from {item.minimum} to {item.maximum})",
            )
        items[item.key] = value
    for key in ITEM_COLUMNS:
        if key not in own and cell.get(key):
            add(key, f"belongs to another measure than {tool.short_name}: leave it blank")
    intake = intakes.get(cell["case_code"])
    if dated and intake and date.fromisoformat(cell["rated_on"]) < intake:
        add("rated_on", f"is before the couple's intake date ({intake:%Y-%m-%d})")
    if len(result.problems) > before:
        return None
    form = {key: cell[key] for key in RATING_REQUIRED} | {"items": items}
    try:
        return parse(ImportRatingRow, form, today=today)
    except ValidationError as error:
        _add_field_errors(RATINGS_FILE, number, error, set(), result)
        return None


def _add_field_errors(
    file: str, number: int, error: ValidationError, skip: set[str], result: Checked
) -> None:
    for where, message in (error.field_errors or {"form": str(error)}).items():
        parts = [part for part in where.split(".") if not part.isdigit()]
        column = "_".join(parts) if parts[0].startswith("partner_") else parts[0]
        column = "" if column == "form" else column
        if column not in skip:
            result.problems.append(Problem(file, number, column, message))
