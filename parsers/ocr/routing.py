"""Per page, its text layer or OCR of its image: the choice, and the OCR call it leads to."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from PIL import Image

from reportflow.parsers.layout.lines import PageLayout
from reportflow.parsers.ocr.tesseract import OcrSettings, ocr_page

MIN_TEXT_CHARS = 30
IMAGE_COVER_FOR_OCR = 0.3
SCAN_COVER = 0.85

_Box = tuple[float, float, float, float]


class TextLayer(Protocol):
    """A page's text layer, measured before its lines are built."""

    number: int
    width: float
    height: float
    images: list[_Box]

    def text_chars(self) -> int: ...

    def layout(self) -> PageLayout: ...


def read_page(layer: TextLayer, render: Callable[[], tuple[Image.Image, float]], settings: OcrSettings) -> PageLayout:
    """The page's lines from its text layer, or from OCR of its rendered image (with its dpi) when it is a scan."""
    if not is_scan(layer.width, layer.height, layer.images, layer.text_chars()):
        return layer.layout()
    image, dpi = render()
    return ocr_page(image, dpi, layer.number, settings)


def is_scan(width: float, height: float, images: Sequence[_Box], text_chars: int) -> bool:
    """A page that is a scan: one image over (nearly) all of it, or images and next to no text.

    A text layer over a full-page scan is an earlier OCR's (or a signature stamp's), and is read again.
    """
    covered = max((_clipped_area(box, width, height) for box in images), default=0.0) / (width * height or 1.0)
    if covered >= SCAN_COVER:
        return True
    return text_chars < MIN_TEXT_CHARS and covered >= IMAGE_COVER_FOR_OCR


def _clipped_area(box: _Box, width: float, height: float) -> float:
    x0, top, x1, bottom = box
    inside_width = min(x1, width) - max(x0, 0.0)
    inside_height = min(bottom, height) - max(top, 0.0)
    return max(0.0, inside_width) * max(0.0, inside_height)
