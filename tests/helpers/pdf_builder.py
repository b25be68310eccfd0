"""Tiny PDFs drawn in code (reportlab) for parser tests; y positions are measured from the top."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

WIDTH, HEIGHT = A4
LEFT = 72.0


def build(*pages: Callable[[Canvas], None]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for draw in pages:
        draw(canvas)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def text(canvas: Canvas, x: float, top: float, string: str, size: float = 11, font: str = "Helvetica") -> float:
    """Draws a string whose top is `top`; returns its right edge."""
    canvas.setFont(font, size)
    canvas.drawString(x, HEIGHT - top - size * 0.8, string)
    return x + canvas.stringWidth(string, font, size)


def lines(canvas: Canvas, x: float, top: float, rows: list[str], size: float = 11, leading: float = 14) -> float:
    """Draws lines one under the other; returns the top of the next line."""
    for row in rows:
        text(canvas, x, top, row, size)
        top += leading
    return top


def running(canvas: Canvas, number: int, total: int) -> None:
    text(canvas, LEFT, 30, "MINISTRY OF EXAMPLES - ANNUAL REPORT", 9)
    text(canvas, WIDTH / 2 - 20, HEIGHT - 40, f"Page {number} of {total}", 9)


def grid(canvas: Canvas, x: float, top: float, cells: list[list[str]], width: float = 120, height: float = 20) -> None:
    """A ruled table whose cells hold the given strings."""
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            text(canvas, x + c * width + 4, top + r * height + 5, value, 10)
    for r in range(len(cells) + 1):
        y = HEIGHT - top - r * height
        canvas.line(x, y, x + width * len(cells[0]), y)
    for c in range(len(cells[0]) + 1):
        canvas.line(x + c * width, HEIGHT - top, x + c * width, HEIGHT - top - height * len(cells))


def spinning_pdf(operators: int = 3_000_000) -> bytes:
    """One page whose content stream is millions of tiny text operators, about 160 KB compressed:
    pdfminer interprets it for many minutes and keeps every character it draws (gigabytes)."""
    content = zlib.compress(b"BT /F1 1 Tf (a) Tj ET\n" * operators, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
