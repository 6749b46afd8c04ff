"""What each report version says, without a database or a browser (core.reports.content)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core.domain import REPORT_CONFIDENTIAL, REPORT_HEADINGS, ReportVersion
from core.progress import empty_measures
from core.reports import content
from core.reports.model import (
    HOMEWORK_COLUMNS,
    SAFETY_COLUMNS,
    SESSION_COLUMNS,
    Figure,
    ReportFacts,
)

PLAN = "Zebraplan for week nine"
SAFETY = "Emotional abuse"
ONLY_B = "Zebra exercise for B alone"


def facts() -> ReportFacts:
    sessions = pd.DataFrame(
        [
            (date(2026, 9, 1), "joint", True),
            (date(2026, 9, 8), "a_only", True),
            (date(2026, 9, 15), "joint", False),
            (date(2026, 9, 22), "b_only", True),
            (date(2026, 9, 29), "b_only", True),
        ],
        columns=SESSION_COLUMNS,
    )
    homework = pd.DataFrame(
        [
            ("Shared walk", "both", "Both", date(2026, 9, 1), date(2026, 9, 8), "Done"),
            (ONLY_B, "B", "Bo", date(2026, 9, 1), date(2026, 9, 8), "Assigned"),
        ],
        columns=HOMEWORK_COLUMNS,
    )
    weekly = pd.DataFrame(
        {
            "partner_label": ["A", "B"],
            "partner_name": ["Ana", "Bo"],
            "week": [4, 4],
            "done": [1, 0],
            "expected": [2, 2],
            "rate": [0.5, 0.0],
        }
    )
    return ReportFacts(
        case_code="C-0042",
        names={"A": "Ana", "B": "Bo"},
        counsellor="Robin",
        intake=date(2026, 9, 1),
        today=date(2026, 10, 1),
        case_status="Active",
        ratings=empty_measures(),
        changes=pd.DataFrame(),
        milestones=pd.DataFrame(columns=["Partner", "Measure", "Milestone", "Week"]),
        status="too early",
        reason="Too early to judge",
        adherence_by_week=weekly,
        sessions=sessions,
        homework=homework,
        safety=pd.DataFrame(
            [(date(2026, 9, 1), "B", SAFETY, 4, "open", None)], columns=SAFETY_COLUMNS
        ),
        plan=(date(2026, 9, 29), PLAN),
        reference_label="Constants of 1 Oct 2026 (snapshot #3)",
        constants=pd.DataFrame(
            {
                "Measure": ["CSI-4"],
                "Partner role": ["every role"],
                "Baselines": [12],
                "SD": [4.0],
                "Reliability": [0.94],
            }
        ),
    )


def headings(report: content.Report) -> list[str]:
    return [section.heading for section in report.sections]


def test_the_clinician_version_has_every_section_under_a_confidential_notice() -> None:
    report = content.build(facts(), ReportVersion.CLINICIAN)
    assert report.notice == REPORT_CONFIDENTIAL
    assert headings(report)[0] == REPORT_HEADINGS["care"]
    for key in ("status", "five_cs", "milestones", "homework", "safety", "plan", "constants"):
        assert REPORT_HEADINGS[key] in headings(report), key
    text = report.text()
    assert PLAN in text and SAFETY in text and "snapshot #3" in text and "0.94" in text
    assert report.file_stem == "C-0042-clinician-report"


@pytest.mark.parametrize("version", [ReportVersion.COUPLE, ReportVersion.PARTNER])
def test_no_plan_safety_item_or_constant_outside_the_clinician_version(
    version: ReportVersion,
) -> None:
    report = content.build(facts(), version, "A" if version is ReportVersion.PARTNER else None)
    text = report.text()
    assert not report.notice
    for absent in (PLAN, SAFETY, "snapshot", "0.94", "Reliability", "RCI", "PC-PTSD-5"):
        assert absent not in text, absent
    for key in ("safety", "plan", "constants", "milestones", "status"):
        assert REPORT_HEADINGS[key] not in headings(report), key


def test_the_partner_version_is_that_partners_own() -> None:
    report = content.build(facts(), ReportVersion.PARTNER, "A")
    text = report.text()
    assert "Ana" in text
    assert "Bo" not in text.replace("Both", "")  # the other partner's name
    assert ONLY_B not in text  # homework given to the other partner alone
    assert "Shared walk" in text
    assert "Sessions you attended: 3" in text  # joint and their own, none of B alone
    assert "1 of 2 expected homework" in text and "0 of 2" not in text


def test_session_counts_per_partner() -> None:
    counts = content.session_counts(facts().sessions, ["A", "B"]).set_index("partner_label")
    assert counts.loc["A"].tolist() == [3, 2]  # attended; held without them
    assert counts.loc["B"].tolist() == [4, 1]


def test_the_couple_version_speaks_plainly_and_draws_the_charts() -> None:
    report = content.build(facts(), ReportVersion.COUPLE)
    assert "too early to judge" in report.text().lower()
    assert all(isinstance(f, Figure) for f in report.figures)
    assert len(report.figures) == 2  # the five C's profile (empty) and homework adherence


def test_an_unknown_partner_is_refused() -> None:
    with pytest.raises(ValueError, match="no partner"):
        content.build(facts(), ReportVersion.PARTNER, "C")
