"""The report laid out as an A4 PDF with fpdf2: a cover block (title, who, when, the
confidential notice where there is one), then each section: headings, paragraphs,
tables and chart images. Text is drawn as plain text (fpdf2's markdown stays off) in a
Unicode font (DejaVu Sans, Debian's fonts-dejavu-core), so any name prints as typed."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from core.reports.model import Figure, Paragraph, Report, Table

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVu"
MARGIN = 15  # mm
INK = (34, 34, 34)
MUTED = (100, 100, 100)
ACCENT = (0, 114, 178)  # partner A's blue (core.charts)
NOTICE_FILL = (253, 236, 234)
NOTICE_EDGE = (178, 24, 43)
HEADING_FILL = (234, 242, 248)


class _Document(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.font_family, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")


def to_pdf(report: Report, images: Iterable[bytes]) -> bytes:
    """The PDF bytes; `images` are the PNGs of `report.figures`, in order, taken one by
    one as the layout reaches each figure (they may still be being drawn)."""
    pdf = _Document(orientation="portrait", unit="mm", format="A4")
    pdf.footer_text = report.footer
    pdf.set_title(report.title)
    pdf.set_creator("Mend")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=18)
    _fonts(pdf)
    pdf.add_page()
    _cover(pdf, report)
    pictures = iter(images)
    for section in report.sections:
        first = section.blocks[0] if section.blocks else None
        keep = _height(pdf, first) if isinstance(first, Figure) else 30
        _heading(pdf, section.heading, keep=keep)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                _paragraph(pdf, block)
            elif isinstance(block, Table):
                _table(pdf, block)
            elif isinstance(block, Figure):
                _image(pdf, block, next(pictures))
        pdf.ln(3)
    return bytes(pdf.output())


def _fonts(pdf: FPDF) -> None:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not regular.is_file() or not bold.is_file():
        raise RuntimeError(
            f"The report font is missing ({regular}): install Debian's fonts-dejavu-core."
        )
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    pdf.set_font(FONT, size=10)


def _width(pdf: FPDF) -> float:
    return pdf.w - pdf.l_margin - pdf.r_margin


def _cover(pdf: FPDF, report: Report) -> None:
    pdf.set_text_color(*ACCENT)
    pdf.set_font(FONT, "B", 20)
    pdf.multi_cell(_width(pdf), 10, report.title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 13)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(_width(pdf), 7, report.subtitle, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(3)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "", 11)
    for line in report.cover:
        pdf.multi_cell(_width(pdf), 6, line, align="L", new_x="LMARGIN", new_y="NEXT")
    if report.notice:
        pdf.ln(3)
        pdf.set_fill_color(*NOTICE_FILL)
        pdf.set_draw_color(*NOTICE_EDGE)
        pdf.set_line_width(0.4)
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(*NOTICE_EDGE)
        pdf.multi_cell(
            _width(pdf), 5.5, report.notice, border=1, fill=True, padding=3, align="L",
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
    pdf.set_text_color(*INK)
    pdf.ln(4)


def _heading(pdf: FPDF, text: str, *, keep: float) -> None:
    if pdf.will_page_break(keep + 14):  # a heading stays with what follows it
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FONT, "B", 13)
    pdf.set_text_color(*ACCENT)
    pdf.set_fill_color(*HEADING_FILL)
    pdf.cell(_width(pdf), 8, f" {text}", fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(2)


def _paragraph(pdf: FPDF, block: Paragraph) -> None:
    pdf.set_font(FONT, "", 8.5 if block.muted else 10)
    pdf.set_text_color(*(MUTED if block.muted else INK))
    height = 4.5 if block.muted else 5.2
    pdf.multi_cell(_width(pdf), height, block.text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(1.5)


def _table(pdf: FPDF, block: Table) -> None:
    if not block.rows:
        _paragraph(pdf, Paragraph(block.empty, muted=True))
        return
    pdf.set_font(FONT, "", 8.5)
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=block.widths or None,
        width=_width(pdf),
        text_align="LEFT",
        line_height=4.6,
        padding=1.2,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        markdown=False,
    ) as table:
        for values in (block.columns, *block.rows):
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(2)


def _height(pdf: FPDF, block: Figure) -> float:
    return _width(pdf) * block.height / block.width


def _image(pdf: FPDF, block: Figure, png: bytes) -> None:
    width, height = _width(pdf), _height(pdf, block)
    if pdf.will_page_break(height):
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=height)
    pdf.ln(2)
