"""The three report versions as real PDFs (kaleido + Chromium, fpdf2), read back with
pypdf and pdftoppm: expected headings in each, page 1 not blank, and none of the
forbidden content in the couple's and the partner's versions."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from pypdf import PdfReader

from core.db import Database
from core.domain import CONCERN_LABELS, REPORT_CONFIDENTIAL, REPORT_HEADINGS
from core.services import progress_views, reports
from tests.conftest import make_team
from tests.unit.reports.report_support import NAME_A, NAME_B, TODAY, marked_couple

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("chromium") is None,
    reason="needs Debian's chromium and poppler-utils (make report-deps)",
)
CONSTANT_WORDS = ("RCI", "Reliability", "snapshot", "SD ", "cut-off")


@pytest.fixture(scope="module")
def pdfs(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, test_password_hash: str
) -> Iterator[dict[str, bytes]]:
    """One demo couple's three reports (and the clinician's with names), drawn once."""
    path = tmp_path_factory.mktemp("reports") / "mend.db"
    shutil.copyfile(sqlite_template, path)
    db = Database.from_url(f"sqlite:///{path}")
    team = make_team(db, test_password_hash)
    marked = marked_couple(db, team)
    reference = progress_views.clinic_reference(db)
    requests = {
        "clinician": {"version": "clinician"},
        "clinician_named": {"version": "clinician", "with_names": True},
        "couple": {"version": "couple"},
        "partner_a": {"version": "partner", "partner": "A"},
    }
    made = {
        key: reports.progress_report(
            db, team.alice, marked.couple.id, request, today=TODAY, reference=reference
        ).data
        for key, request in requests.items()
    }
    made["forbidden"] = "\n".join(marked.forbidden).encode()
    yield made
    db.dispose()


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def flat(text: str) -> str:
    """pypdf may break a line or double a space anywhere: compare without whitespace."""
    return "".join(text.split())


def has(text: str, phrase: str) -> bool:
    return flat(phrase) in flat(text)


def test_every_version_is_a_pdf_that_opens(pdfs: dict[str, bytes]) -> None:
    for key in ("clinician", "clinician_named", "couple", "partner_a"):
        assert pdfs[key].startswith(b"%PDF"), key
        assert len(PdfReader(BytesIO(pdfs[key])).pages) >= 2, key


def test_the_clinician_version_holds_every_section_and_the_confidential_cover(
    pdfs: dict[str, bytes],
) -> None:
    text = text_of(pdfs["clinician"])
    for key in ("care", "status", "trends", "five_cs", "milestones", "homework", "safety"):
        assert has(text, REPORT_HEADINGS[key]), key
    assert has(text, REPORT_HEADINGS["plan"]) and has(text, REPORT_HEADINGS["constants"])
    first_page = PdfReader(BytesIO(pdfs["clinician"])).pages[0].extract_text()
    assert has(first_page, REPORT_CONFIDENTIAL)
    assert has(text, "Zebraplan next steps")  # the latest plan section
    assert has(text, CONCERN_LABELS["coercive_control"])  # the safety item
    assert has(text, "snapshot #")  # the constants used


def test_the_clinician_version_names_the_partners_only_when_asked(
    pdfs: dict[str, bytes],
) -> None:
    anonymous, named = text_of(pdfs["clinician"]), text_of(pdfs["clinician_named"])
    assert not has(anonymous, NAME_A) and not has(anonymous, NAME_B)
    assert has(anonymous, "Partner A") and has(anonymous, "Partner B")
    assert has(named, NAME_A) and has(named, NAME_B)  # accents drawn as text


def test_the_couple_version_leaves_out_notes_sessions_safety_and_constants(
    pdfs: dict[str, bytes],
) -> None:
    text = text_of(pdfs["couple"])
    assert has(text, NAME_A) and has(text, NAME_B)
    for key in ("care", "progress", "trends", "five_cs", "homework"):
        assert has(text, REPORT_HEADINGS[key]), key
    for marker in pdfs["forbidden"].decode().splitlines():
        assert not has(text, marker), marker
    for word in (*CONSTANT_WORDS, *CONCERN_LABELS.values(), "PC-PTSD", REPORT_HEADINGS["safety"]):
        assert word not in text, word


def test_the_partner_version_holds_only_that_partners_own_measures(
    pdfs: dict[str, bytes],
) -> None:
    text = text_of(pdfs["partner_a"])
    assert has(text, NAME_A)
    assert not has(text, NAME_B)  # nor anything named after the other partner
    for key in ("progress", "trends", "homework"):
        assert has(text, REPORT_HEADINGS[key]), key
    for marker in pdfs["forbidden"].decode().splitlines():
        assert not has(text, marker), marker
    for word in (*CONSTANT_WORDS, *CONCERN_LABELS.values(), "PC-PTSD"):
        assert word not in text, word


@pytest.mark.parametrize("key", ["clinician", "couple", "partner_a"])
def test_page_one_renders_as_a_picture_that_is_not_blank(
    pdfs: dict[str, bytes], key: str, tmp_path: Path
) -> None:
    source = tmp_path / f"{key}.pdf"
    source.write_bytes(pdfs[key])
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(source), str(tmp_path / key)],
        check=True,
        timeout=60,
    )
    (png,) = tmp_path.glob(f"{key}-*.png")
    picture = Image.open(png).convert("L")
    inked = sum(picture.histogram()[:200])  # pixels darker than light grey
    assert inked > 0.01 * picture.width * picture.height  # text and boxes, not a white page
    assert ImageStat.Stat(picture).stddev[0] > 10
