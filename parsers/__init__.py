"""Bytes in, a parsed document out: one module per format, chosen by the bytes."""

from __future__ import annotations

from collections.abc import Callable

from reportflow.parsers.detect import detect_format
from reportflow.parsers.image import parse_image
from reportflow.parsers.legacy_doc import parse_doc
from reportflow.parsers.pdf import parse_pdf
from reportflow.parsers.plaintext import parse_text
from reportflow.parsers.structure import apply_structure
from reportflow.parsers.word import parse_docx
from reportflow.schemas import ParsedDocument, UnsupportedFormatError

PARSERS: dict[str, Callable[[bytes], ParsedDocument]] = {
    "txt": parse_text,
    "docx": parse_docx,
    "doc": parse_doc,
    "pdf": parse_pdf,
    "image": parse_image,
}

_NOT_YET = {
    "rtf": "RTF files are not supported.",
    "zip": "A ZIP archive that is no Word document (no word/document.xml).",
    "binary": "Binary data of no supported format.",
}


def parse_document(data: bytes) -> ParsedDocument:
    """Detect the format, parse, and apply the shared structure step."""
    fmt = detect_format(data)
    parser = PARSERS.get(fmt)
    if parser is None:
        raise UnsupportedFormatError(_NOT_YET.get(fmt, f"Unsupported format {fmt!r}."))
    return apply_structure(parser(data))


__all__ = ["PARSERS", "detect_format", "parse_document"]
