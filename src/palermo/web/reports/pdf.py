"""The dashboards as a PDF for a ministry, in the reader's language, fonts embedded.

fpdf2 writes the PDF; the CJK font found by ``palermo.lib.fonts.cjk_font`` is embedded as a
subset (only the glyphs used), so Chinese shows on any reader. Each chart is drawn by
vl-convert as PNG from the same specification as the page's SVG, followed by its table and the
figure's privacy statement: exact counts from Palermo's own records, internal, with how many
cells fall under the publication threshold (11) and where to go to publish them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import vl_convert as vlc
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from palermo.lib.fonts import cjk_font
from palermo.web.lib.charts import Chart
from palermo.web.reports.dashboard import Section

PUBLICATION_THRESHOLD = 11
FONT = "palermo-cjk"


def small_cells(chart: Chart) -> int:
    """Counts in the chart's table from 1 to 10 (what a publication would withhold)."""
    return sum(
        1
        for row in chart.cells
        for value, numeric in row
        if numeric and isinstance(value, int) and 0 < value < PUBLICATION_THRESHOLD
    )


def privacy_statement(chart: Chart) -> str:
    small = small_cells(chart)
    base = _(
        "Privacy: exact counts from Palermo's own records for the agencies and period above; "
        "no person is named. For use within government only."
    )
    if not small:
        return f"{base} " + _("No count is under %(k)d.") % {"k": PUBLICATION_THRESHOLD}
    return f"{base} " + _(
        "%(n)d count(s) are under %(k)d and could point to a person: withhold them before "
        "publishing (palermo stats release-k), or publish differentially private counts "
        "(palermo stats release-dp)."
    ) % {"n": small, "k": PUBLICATION_THRESHOLD}


class _Report(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 6, f"{self.footer_text} · {self.page_no()}", align="C")


def _table(pdf: FPDF, chart: Chart) -> None:
    widths = [pdf.epw / len(chart.columns)] * len(chart.columns)
    pdf.set_font(FONT, size=8)
    headings = FontFace(emphasis="", fill_color=(235, 238, 241))  # no bold face is embedded
    with pdf.table(
        col_widths=widths, text_align="LEFT", line_height=5, headings_style=headings
    ) as table:
        header = table.row()
        for column in chart.columns:
            header.cell(column.label)
        for row in chart.cells:
            cells = table.row()
            for value, _numeric in row:
                cells.cell("–" if value is None else str(value))


def _chart(pdf: FPDF, chart: Chart) -> None:
    pdf.set_font(FONT, size=11)
    pdf.multi_cell(0, 6, chart.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    if chart.note:
        pdf.set_font(FONT, size=8)
        pdf.multi_cell(0, 4, chart.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    if chart.empty:
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(
            0, 5, _("Nothing to show for this selection."), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.ln(3)
        return
    png = vlc.svg_to_png(str(chart.svg), scale=2)
    pdf.image(io.BytesIO(png), w=min(pdf.epw, 170))
    _table(pdf, chart)
    pdf.set_font(FONT, size=7.5)
    pdf.multi_cell(0, 4, privacy_statement(chart), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.ln(4)


def dashboard_pdf(sections: Sequence[Section], *, title: str, scope_line: str) -> bytes:
    """The sections' charts, tables and privacy statements as one PDF."""
    font = cjk_font()
    pdf = _Report(format="A4")
    pdf.set_title(title)
    pdf.set_creator("Palermo")
    pdf.add_font(FONT, fname=str(font.path), collection_font_number=font.index)
    pdf.footer_text = f"Palermo · {title}"
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    pdf.multi_cell(0, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 6, scope_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.ln(4)
    for section in sections:
        pdf.set_font(FONT, size=13)
        pdf.multi_cell(0, 8, section.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        for chart in section.charts:
            _chart(pdf, chart)
    return bytes(pdf.output())
