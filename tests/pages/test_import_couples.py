"""The Import couples page: templates, preview, row-level problems, all-or-nothing import."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.models import Couple
from tests.conftest import Team
from tests.pages.conftest import OpenApp, by_label, texts
from tests.unit.test_importing import GOOD, GOOD_2, couples_file

PAGE = "pages/import_couples.py"


def couples_in(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Couple)) or 0


def upload(at, data: bytes):  # type: ignore[no-untyped-def]
    at.file_uploader[0].upload("couples.csv", data, "text/csv")
    return at.run()


def test_supervisors_have_no_import_page(open_app: OpenApp, page_team: Team) -> None:
    at = open_app(page_team.supervisor)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_a_counsellor_downloads_templates_previews_and_imports(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    at = open_app(page_team.alice, PAGE)
    assert [b.proto.label for b in at.get("download_button")] == [
        "Couples template (CSV)",
        "Ratings template (CSV)",
    ]
    assert not at.selectbox  # a counsellor imports onto their own caseload
    at = upload(at, couples_file(GOOD, GOOD_2))
    assert at.dataframe[0].value["case_code"].tolist() == ["C-0901", "C-0902"]
    assert not at.error
    next(b for b in at.button if b.key == "import_now").click()
    at.run()
    assert not at.exception
    assert couples_in(page_db) == 2
    assert any("Imported 2 couples (C-0901, C-0902)" in s for s in texts(at, "success"))
    assert not at.dataframe  # fresh uploaders: the imported file is gone


def test_problems_are_listed_and_nothing_can_be_imported(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    at = open_app(page_team.alice, PAGE)
    at = upload(at, couples_file(GOOD, GOOD_2.replace("disrespect", "sulking")))
    messages = at.dataframe[-1].value
    assert messages[["row", "column", "problem"]].values.tolist() == [
        [3, "breach_types", "unknown breach type 'sulking'"]
    ]
    assert any("1 problem:" in e for e in texts(at, "error"))
    assert not [b for b in at.button if b.key == "import_now"]
    assert couples_in(page_db) == 0


def test_a_file_that_is_not_utf8_is_explained(open_app: OpenApp, page_team: Team) -> None:
    at = open_app(page_team.alice, PAGE)
    at = upload(at, couples_file(GOOD.replace("Kit", "Zoë")).decode().encode("latin-1"))
    assert "not UTF-8" in at.dataframe[-1].value["problem"].iloc[0]


def test_an_admin_chooses_the_counsellor(
    open_app: OpenApp, page_team: Team, page_db: Database
) -> None:
    at = open_app(page_team.admin, PAGE)
    by_label(at.selectbox, "Onto the caseload of").set_value(page_team.bruno.id)
    at = upload(at, couples_file(GOOD))
    next(b for b in at.button if b.key == "import_now").click()
    at.run()
    with page_db.read() as session:
        owner = session.scalar(select(Couple.counsellor_id))
    assert owner == page_team.bruno.id
