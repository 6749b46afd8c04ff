"""The report model: what a progress report says, before any layout. Pure data: the
content builders (core.reports.content) make it, the PDF layout (core.reports.layout)
draws it. Every text in it is drawn as plain text, never as markup."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from core.domain import weeks_in_care


@dataclass(frozen=True)
class Paragraph:
    text: str
    muted: bool = False  # a small grey note rather than body text


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()  # relative column widths; equal when empty
    empty: str = "Nothing recorded yet."


@dataclass(frozen=True)
class Figure:
    """A plotly figure drawn as an image (core.reports.images) at this size in pixels."""

    figure: go.Figure
    width: int = 900
    height: int = 430


Block = Paragraph | Table | Figure


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    cover: tuple[str, ...]  # the cover's lines under the title
    sections: tuple[Section, ...]
    notice: str = ""  # a boxed notice on the cover (the clinician version's confidentiality)
    footer: str = ""  # on every page, with the page number
    file_stem: str = "report"

    @property
    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def text(self) -> str:
        """Every text the report holds (tests read it; the PDF's text layer holds it too)."""
        parts = [self.title, self.subtitle, self.notice, self.footer, *self.cover]
        for section in self.sections:
            parts.append(section.heading)
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    parts.append(block.text)
                elif isinstance(block, Table):
                    parts += [*block.columns, *(cell for row in block.rows for cell in row)]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class ReportFacts:
    """What the content builders are given (the service reads it; no database here).
    Frames keep the columns of the reads they come from (named below)."""

    case_code: str
    names: dict[str, str]  # label -> the name to print ("Partner A" when names are off)
    counsellor: str
    intake: date
    today: date
    case_status: str  # the case's status label (Intake, Active, Paused, Closed)
    ratings: pd.DataFrame  # core.queries.ratings.measures_frame
    changes: pd.DataFrame  # core.progress.change_table
    milestones: pd.DataFrame  # progress_views.milestone_table (display columns)
    status: str  # the couple's progress status and its one-line reason
    reason: str
    adherence_by_week: pd.DataFrame  # core.adherence.WEEKLY_COLUMNS
    sessions: pd.DataFrame  # SESSION_COLUMNS
    homework: pd.DataFrame  # HOMEWORK_COLUMNS
    safety: pd.DataFrame = field(default_factory=pd.DataFrame)  # SAFETY_COLUMNS (clinician)
    band: pd.DataFrame | None = None  # the clinic's expected band
    plan: tuple[date, str] | None = None  # the latest plan section (clinician only)
    reference_label: str = ""  # "Constants of <date> (snapshot #N)"
    constants: pd.DataFrame = field(default_factory=pd.DataFrame)  # constants_table

    @property
    def weeks_in_care(self) -> int:
        return weeks_in_care(self.intake, self.today)


# The frames the service gives (one row each).
SESSION_COLUMNS = ["session_date", "attendees", "signed"]
HOMEWORK_COLUMNS = ["exercise", "target_label", "target", "assigned_on", "due_on", "status"]
SAFETY_COLUMNS = ["screened_on", "partner_label", "concerns", "ptsd_score", "status", "resolved_on"]
