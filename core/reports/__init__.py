"""Progress reports (PDF): the report model (model), what each version says (content,
pure), the charts for print (figures), their images drawn by the process's kaleido
browser (images) and the fpdf2 layout (layout). core.services.reports reads the data and
audits."""

from __future__ import annotations

from core.reports.model import Report


def render(report: Report) -> bytes:
    """The report as PDF bytes: its charts handed to the browser first, then the pages laid
    out while they are drawn."""
    # Imported on the first report, not with the couple page: fpdf2 (with fontTools) and
    # kaleido add about 20 MB to every server process, and most never draw a report.
    from core.reports import images, layout

    return layout.to_pdf(report, images.render_pngs(report.figures))
