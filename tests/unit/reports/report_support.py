"""A couple whose record holds unique marker strings where a report must not look: note
text, an individual session, safety-screen notes and plan, partner B's name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from PIL import Image

from core.db import Database
from core.reports.model import Figure
from core.services import couples, safety, sessions
from core.services.couples import CoupleView
from tests.conftest import PTSD_AT_CUTOFF, Team, intake_form

TODAY = date(2026, 11, 20)
NAME_A = "Renée Ångström"  # accents: the PDF's Unicode font must draw them
NAME_B = "Quillonby"  # partner B's name: absent from partner A's report
NOTE_MARKERS = ("Zebranote data", "Zebranote assessment", "Zebraplan next steps", "Zebrarisk")
INDIVIDUAL_MARKER = "Zebraindividual talk"
SAFETY_MARKERS = ("Zebrasafety notes", "Zebrasafety plan")


def ratings(csi: int, cs: int, distress: int) -> dict[str, dict[str, int]]:
    return {
        "five_cs": dict(care=cs, communication=cs, character=cs, consistency=cs, competence=cs),
        "csi4": {"q1": csi, "q2": csi, "q3": csi, "q4": csi},
        "distress": {"distress": distress},
    }


@dataclass(frozen=True)
class Marked:
    couple: CoupleView
    forbidden: tuple[str, ...]  # in no couple or partner report


def marked_couple(db: Database, team: Team) -> Marked:
    couple = couples.create_couple(
        db,
        team.alice,
        intake_form(
            partner_a={"name": NAME_A, "role": "hurt"},
            partner_b={"name": NAME_B, "role": "broke_trust"},
        ),
    )
    data, assessment, plan, risk = NOTE_MARKERS
    for day, who, scores in (
        (date(2026, 9, 1), "joint", {"A": ratings(1, 3, 8), "B": ratings(3, 5, 5)}),
        (date(2026, 9, 29), "joint", {"A": ratings(2, 5, 6), "B": ratings(3, 6, 4)}),
        (date(2026, 10, 20), "b_only", {"B": ratings(4, 7, 3)}),
        (date(2026, 11, 10), "joint", {"A": ratings(4, 7, 3), "B": ratings(4, 8, 2)}),
    ):
        individual = who == "b_only"
        sessions.record_session(
            db,
            team.alice,
            couple.id,
            {
                "session_date": day,
                "duration_minutes": 50,
                "modality": "in_person",
                "attendees": who,
                "note_data": INDIVIDUAL_MARKER if individual else data,
                "note_assessment": assessment,
                "note_plan": plan,
                "risk_raised": True,
                "risk_text": risk,
                "ratings": scores,
            },
            sign=True,
            today=TODAY,
        )
    safety.record_screen(
        db,
        team.alice,
        couple.id,
        {
            "partner_label": "A",
            "screened_on": date(2026, 9, 1),
            "coercive_control": True,
            "ptsd_answers": PTSD_AT_CUTOFF,
            "notes": SAFETY_MARKERS[0],
            "plan": SAFETY_MARKERS[1],
        },
        today=TODAY,
    )
    return Marked(couple, (*NOTE_MARKERS, INDIVIDUAL_MARKER, *SAFETY_MARKERS))


def white_pngs(figures: Sequence[Figure], **_: object) -> list[bytes]:
    """Plain white PNGs of each figure's size: tests that need a PDF but not Chromium's
    charts put this in place of core.reports.images.render_pngs (test_pdf.py draws the
    real ones)."""
    out = []
    for figure in figures:
        buffer = BytesIO()
        Image.new("RGB", (figure.width, figure.height), "white").save(buffer, "PNG")
        out.append(buffer.getvalue())
    return out
