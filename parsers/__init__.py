"""Bytes in, a parsed document out: the one entry point, with the table of formats.

`formats/` reads each format, `layout/` turns positioned lines into blocks and gives every format the same
structure step, `ocr/` reads scans, `vietnamese/` knows Vietnamese documents and fonts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from reportflow.parsers.detect import detect_format
from reportflow.parsers.formats.html import parse_html, parse_mhtml
from reportflow.parsers.formats.image import parse_image
from reportflow.parsers.formats.legacy_doc import DocSettings, parse_doc
from reportflow.parsers.formats.office import OFFICE_FORMATS, parse_office
from reportflow.parsers.formats.pdf import parse_pdf
from reportflow.parsers.formats.plaintext import parse_text
from reportflow.parsers.formats.word import parse_docx
from reportflow.parsers.layout.structure import apply_structure
from reportflow.parsers.ocr.tesseract import OcrSettings
from reportflow.schemas import ParsedDocument, UnsupportedFormatError

_SPREADSHEET = "Spreadsheets ({}) are not supported: reportflow reads documents of paragraphs, not cells of figures."
_PRESENTATION = "Presentations ({}) are not supported."
_NOT_READ = {
    "zip": "A ZIP archive that is no Word document (no word/document.xml).",
    "xlsx": _SPREADSHEET.format("Excel .xlsx"),
    "xls": _SPREADSHEET.format("Excel 97-2003 .xls"),
    "ods": _SPREADSHEET.format("OpenDocument .ods"),
    "pptx": _PRESENTATION.format("PowerPoint .pptx"),
    "ppt": _PRESENTATION.format("PowerPoint 97-2003 .ppt"),
    "odp": _PRESENTATION.format("OpenDocument .odp"),
    "binary": "Binary data of no supported format.",
}


@dataclass(frozen=True, slots=True)
class ParseSettings:
    """What the parsers of external programs need: OCR languages, LibreOffice's time limit."""

    ocr: OcrSettings = field(default_factory=OcrSettings)
    doc: DocSettings = field(default_factory=DocSettings)


def parsers(settings: ParseSettings) -> dict[str, Callable[[bytes], ParsedDocument]]:
    """The parser of each format that reportflow reads."""
    return {
        "txt": parse_text,
        "docx": parse_docx,
        "doc": partial(parse_doc, settings=settings.doc),
        "pdf": partial(parse_pdf, settings=settings.ocr),
        "image": partial(parse_image, settings=settings.ocr),
        "html": parse_html,
        "mhtml": parse_mhtml,
        **{fmt: partial(parse_office, source_format=fmt, settings=settings.doc) for fmt in OFFICE_FORMATS},
    }


def parse_document(data: bytes, settings: ParseSettings | None = None) -> ParsedDocument:
    """Detect the format, parse, and apply the shared structure step."""
    fmt = detect_format(data)
    parser = parsers(settings or ParseSettings()).get(fmt)
    if parser is None:
        raise UnsupportedFormatError(_NOT_READ.get(fmt, f"Unsupported format {fmt!r}."))
    return apply_structure(parser(data))


__all__ = ["ParseSettings", "detect_format", "parse_document", "parsers"]
