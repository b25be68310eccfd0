"""Tiny PDFs drawn in code (reportlab) for parser tests; y positions are measured from the top."""

from __future__ import annotations

import io
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
