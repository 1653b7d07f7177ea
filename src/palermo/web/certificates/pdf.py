"""A training certificate as a one-page PDF in English and Simplified Chinese.

fpdf2 writes it; the CJK font of ``palermo.lib.fonts.cjk_font`` is embedded (only the glyphs
used), as for the reports. Both languages stand on the same page, so the certificate reads the
same to a Chinese and an English reader whatever the language of the page that printed it. The
QR code (``qrcode``'s matrix drawn as filled squares: no image library) holds the public
verification page's address with the code.
"""

from __future__ import annotations

import qrcode
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from palermo.lib.fonts import cjk_font
from palermo.web.certificates.codes import certificate_code
from palermo.web.certificates.models import Certificate

FONT = "cjk"


def _qr(pdf: FPDF, data: str, *, x: float, y: float, size: float) -> None:
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:
                pdf.rect(x + col * cell, y + row * cell, cell, cell, style="F")


def _line(pdf: FPDF, text: str, size: float, height: float) -> None:
    pdf.set_font(FONT, size=size)
    pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=Align.C)


def certificate_pdf(certificate: Certificate, *, agency_name: str, verify_url: str) -> bytes:
    """The certificate's PDF; ``verify_url`` is the verification page's address with the code
    (what the QR code holds)."""
    font = cjk_font()
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(f"Certificate {certificate.course_title}")
    pdf.set_creator("Palermo")
    pdf.add_font(FONT, fname=str(font.path), collection_font_number=font.index)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(20, 18, 20)
    pdf.add_page()
    pdf.set_draw_color(40, 70, 110)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_y(24)
    _line(pdf, "Certificate of training", 26, 12)
    _line(pdf, "培训证书", 22, 11)
    pdf.ln(6)
    _line(pdf, "This certifies that · 兹证明", 12, 7)
    pdf.ln(2)
    _line(pdf, certificate.holder_name, 24, 12)
    pdf.ln(2)
    _line(pdf, "completed the course and passed its assessment · 已完成以下课程并通过考核", 12, 7)
    pdf.ln(2)
    _line(pdf, certificate.course_title, 18, 9)
    _line(pdf, certificate.course_title_zh, 16, 9)
    pdf.ln(4)
    _line(pdf, f"{agency_name}", 11, 6)
    _line(
        pdf,
        f"Issued on {certificate.issued_on.isoformat()} · valid until "
        f"{certificate.valid_until.isoformat()}",
        11,
        6,
    )
    _line(
        pdf,
        f"颁发日期 {certificate.issued_on.isoformat()} · 有效期至 "
        f"{certificate.valid_until.isoformat()}",
        11,
        6,
    )
    if certificate.revoked_at is not None:
        pdf.set_text_color(170, 0, 0)
        _line(
            pdf,
            f"REVOKED on {certificate.revoked_at.date().isoformat()} · "
            f"已于 {certificate.revoked_at.date().isoformat()} 撤销",
            16,
            9,
        )
        pdf.set_text_color(0, 0, 0)
    size = 32.0
    top = pdf.h - 20 - size
    _qr(pdf, verify_url, x=pdf.w - 20 - size, y=top, size=size)
    pdf.set_xy(20, top + 4)
    pdf.set_font(FONT, size=10)
    width = pdf.w - 40 - size - 6
    pdf.multi_cell(width, 5, "Verification code · 核验码", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=14)
    pdf.multi_cell(width, 8, certificate_code(certificate), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(
        width,
        5,
        f"Check that it is genuine and valid: {verify_url}\n"
        "请在上述网址核验本证书的真实性和有效性。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())
