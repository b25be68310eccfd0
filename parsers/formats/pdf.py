"""PDFs one page at a time: a page from its text layer (pdfplumber), or by OCR of its rendering (pdfium) when it is
a scan."""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.page import Page
from pdfplumber.pdf import PDF
from pdfplumber.utils.exceptions import PdfminerException
from PIL import Image

from reportflow.parsers.formats.pdf_text_layer import text_layer
from reportflow.parsers.layout.lines import PageLayout
from reportflow.parsers.layout.paragraphs import paged_document
from reportflow.parsers.ocr.preprocess import has_seal
from reportflow.parsers.ocr.routing import read_page
from reportflow.parsers.ocr.tesseract import RENDER_DPI, OcrSettings
from reportflow.schemas import CorruptFileError, EncryptedError, ParsedDocument, TooLargeError

log = logging.getLogger(__name__)

# pdfminer keeps every object it has parsed; reopening the file now and then bounds memory on long PDFs.
PAGES_PER_OPEN = 50
MAX_RENDER_PIXELS = 40_000_000
MAX_PAGE_POINTS = 14_400
SEAL_PREVIEW_DPI = 40


def parse_pdf(data: bytes, settings: OcrSettings | None = None) -> ParsedDocument:
    """Blocks of a PDF: its text layer where one is usable, OCR of the rendered page where not."""
    pages = list(_read_pages(data, settings or OcrSettings()))
    return paged_document(pages, "pdf", "The PDF holds no text, and OCR found none.")


def with_widget_text(data: bytes) -> bytes:
    """The PDF with its form widgets drawn into the pages' content.

    Signed Vietnamese documents get their number and day inside e-signature widgets: a viewer shows
    them, but they are no part of the page's text until flattened.
    """
    if b"/Widget" not in data and b"/ObjStm" not in data:  # widgets may hide in compressed object streams
        return data
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return data  # pdfplumber gives the proper error
    try:
        if pdfium_c.FPDF_GetFormType(document.raw) == pdfium_c.FORMTYPE_NONE or not _flatten_widgets(document):
            return data
        flattened = io.BytesIO()
        document.save(flattened)
        return flattened.getvalue()
    except pdfium.PdfiumError:
        return data
    finally:
        document.close()


def _flatten_widgets(document: pdfium.PdfDocument) -> bool:
    flattened = False
    for index in range(len(document)):
        page = document[index]
        try:
            if any(_is_widget(page, i) for i in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw))):
                done = pdfium_c.FPDFPage_Flatten(page.raw, pdfium_c.FLAT_NORMALDISPLAY)
                flattened |= done == pdfium_c.FLATTEN_SUCCESS
        finally:
            page.close()
    return flattened


def _is_widget(page: pdfium.PdfPage, index: int) -> bool:
    annotation = pdfium_c.FPDFPage_GetAnnot(page.raw, index)
    try:
        return bool(pdfium_c.FPDFAnnot_GetSubtype(annotation) == pdfium_c.FPDF_ANNOT_WIDGET)
    finally:
        pdfium_c.FPDFPage_CloseAnnot(annotation)


def _check_size(page: Page, number: int) -> None:
    """PDF 1.7 caps a page side at 14,400 units (200 inches); bigger ones are made to exhaust readers."""
    if max(page.width, page.height) > MAX_PAGE_POINTS:
        size = f"{page.width:,.0f} x {page.height:,.0f}"
        raise TooLargeError(f"Page {number} measures {size} points, over the {MAX_PAGE_POINTS:,} limit.")


def _read_pages(data: bytes, settings: OcrSettings) -> Iterator[PageLayout]:
    """Text from the PDF with its widgets flattened; scans rendered from the PDF as it came, as a
    signature's stamp drawn over a scan only adds noise to OCR."""
    start, count, text_data = 0, None, with_widget_text(data)
    while count is None or start < count:
        with _opened(text_data) as pdf:
            count = _page_count(pdf)
            rendered = PageRenderer(data)
            for index in range(start, min(start + PAGES_PER_OPEN, count)):
                yield _read_one(pdf.pages[index], index + 1, rendered, settings)
            rendered.close()
        start += PAGES_PER_OPEN


def _read_one(page: Page, number: int, renderer: PageRenderer, settings: OcrSettings) -> PageLayout:
    _check_size(page, number)
    try:
        return read_page(text_layer(page, number), partial(renderer.render, number - 1), settings)
    finally:
        page.close()


class PageRenderer:
    """Pages rendered to grayscale images with pdfium, opened only when a page needs OCR; in colour
    when a small preview shows a red seal, for OCR to take it out."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._document: pdfium.PdfDocument | None = None

    def render(self, index: int) -> tuple[Image.Image, float]:
        if self._document is None:
            self._document = pdfium.PdfDocument(self._data)
        page = self._document[index]
        try:
            width, height = page.get_size()
            scale = min(RENDER_DPI / 72, math.sqrt(MAX_RENDER_PIXELS / max(width * height, 1.0)))
            preview = page.render(scale=SEAL_PREVIEW_DPI / 72).to_pil()
            in_colour = has_seal(preview, SEAL_PREVIEW_DPI)
            image = page.render(scale=scale, grayscale=not in_colour).to_pil()
        finally:
            page.close()
        return image, scale * 72

    def close(self) -> None:
        if self._document is not None:
            self._document.close()


@contextmanager
def _opened(data: bytes) -> Iterator[PDF]:
    pdf = _open(data)
    try:
        yield pdf
    finally:
        try:
            pdf.close()
        except Exception:  # closing walks the page tree again, and a broken one fails again
            pdf.stream.close()


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


def _page_count(pdf: PDF) -> int:
    """pdfminer reads the page tree lazily: a broken one fails here, with any of its many exception types."""
    try:
        return len(pdf.pages)
    except Exception as e:
        raise CorruptFileError(f"The PDF's page tree could not be read: {type(e).__name__}: {e}.") from e
