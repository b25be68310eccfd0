"""Scanned images (TIFF with all its pages, PNG, JPEG, WebP, ...) through OCR."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

from PIL import Image, ImageSequence, UnidentifiedImageError

from reportflow.parsers.layout.lines import PageLayout
from reportflow.parsers.layout.paragraphs import paged_document
from reportflow.parsers.ocr.tesseract import OcrSettings, ocr_page
from reportflow.schemas import CorruptFileError, ParsedDocument, TooLargeError

MAX_PIXELS = 120_000_000
DEFAULT_DPI = 300.0
# Photos and screen grabs often say 72 or 96 dpi whatever their real scale; below this, judge by the width.
TRUSTED_MIN_DPI = 150.0
A4_WIDTH_INCHES = 8.27


def parse_image(data: bytes, settings: OcrSettings | None = None) -> ParsedDocument:
    """OCR of every page (frame) of an image file."""
    pages = list(_pages(data, settings or OcrSettings()))
    return paged_document(pages, "image", "OCR found no text in the image.")


def _pages(data: bytes, settings: OcrSettings) -> Iterator[PageLayout]:
    image = _open(data)
    for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
        yield ocr_page(frame, scan_dpi(frame), number, settings)


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                size = f"{image.width}x{image.height}"
                raise TooLargeError(f"The image has {size} pixels, over the {MAX_PIXELS:,} limit.")
            image.load()
            return image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise TooLargeError(f"The image declares too many pixels: {e}.") from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise CorruptFileError(f"The image could not be decoded: {e}.") from e


def scan_dpi(frame: Image.Image) -> float:
    """The scan's resolution; a missing or implausible one is guessed from an A4 page's width."""
    dpi = frame.info.get("dpi", (0, 0))[0] or 0
    if dpi >= TRUSTED_MIN_DPI:
        return float(dpi)
    return min(DEFAULT_DPI, frame.width / A4_WIDTH_INCHES)
