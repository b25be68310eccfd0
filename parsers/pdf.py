"""Text-layer PDFs through pdfplumber, one page at a time."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.page import Page
from pdfplumber.pdf import PDF
from pdfplumber.utils.exceptions import PdfminerException

from reportflow.parsers.pdf_flow import page_blocks
from reportflow.parsers.pdf_page import PageLayout, read_page
from reportflow.schemas import CorruptFileError, EncryptedError, NoTextError, OcrRequiredError, ParsedDocument

log = logging.getLogger(__name__)

# pdfminer keeps every object it has parsed; reopening the file now and then bounds memory on long PDFs.
PAGES_PER_OPEN = 50


def parse_pdf(data: bytes) -> ParsedDocument:
    """Blocks of a PDF's text layer; pages without a usable one are listed in `ocr_pages`."""
    pages = list(_read_pages(data))
    ocr_pages = tuple(page.number for page in pages if page.needs_ocr)
    blocks = tuple(page_blocks([page for page in pages if not page.needs_ocr]))
    if not blocks:
        if ocr_pages:
            raise OcrRequiredError(
                f"No usable text layer on {len(ocr_pages)} scanned page(s); OCR is not available yet."
            )
        raise NoTextError("The PDF holds no text.")
    if ocr_pages:
        log.warning("pages %s have no usable text layer and were left out (OCR is not available yet)", ocr_pages)
    return ParsedDocument(
        source_format="pdf",
        extraction="text_layer",
        blocks=blocks,
        page_count=len(pages),
        has_style_cues=True,
        ocr_pages=ocr_pages,
    )


def _read_pages(data: bytes) -> Iterator[PageLayout]:
    start, count = 0, None
    while count is None or start < count:
        with _open(data) as pdf:
            count = len(pdf.pages)
            for index in range(start, min(start + PAGES_PER_OPEN, count)):
                yield _read_one(pdf.pages[index], index + 1)
        start += PAGES_PER_OPEN


def _open(data: bytes) -> PDF:
    try:
        return pdfplumber.open(io.BytesIO(data))
    except PdfminerException as e:
        cause = e.args[0] if e.args else e
        if isinstance(cause, PDFPasswordIncorrect):
            raise EncryptedError("The PDF is protected by a password.") from e
        raise CorruptFileError(f"Not a readable PDF: {cause}.") from e
    except Exception as e:
        raise CorruptFileError(f"Not a readable PDF: {type(e).__name__}: {e}.") from e


def _read_one(page: Page, number: int) -> PageLayout:
    try:
        return read_page(page, number)
    except Exception as e:
        raise CorruptFileError(f"Page {number} of the PDF could not be read: {type(e).__name__}: {e}.") from e
    finally:
        page.close()
