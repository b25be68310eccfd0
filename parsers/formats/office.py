"""Word-processing files that python-docx cannot open (RTF, OpenDocument text, WordPerfect, Works):
converted to `.docx` by LibreOffice (`legacy_doc`: time limit, process-group kill, private profile),
then read by the Word parser, so styles, tables, TCVN3 and VNI fonts and the shared structure step apply."""

from __future__ import annotations

import dataclasses

from reportflow.parsers.formats.legacy_doc import DocSettings, convert_to_docx
from reportflow.parsers.formats.word import parse_docx
from reportflow.schemas import ParsedDocument

# Detected format: the file name suffix LibreOffice is given (its own detection reads the bytes too).
OFFICE_FORMATS = {"rtf": "rtf", "odt": "odt", "fodt": "fodt", "wpd": "wpd", "wps": "wps"}


def parse_office(data: bytes, source_format: str, settings: DocSettings | None = None) -> ParsedDocument:
    """Blocks of an RTF, ODT, FODT, WordPerfect or Works file; `source_format` is the detected format."""
    parsed = parse_docx(convert_to_docx(data, settings or DocSettings(), kind=OFFICE_FORMATS[source_format]))
    return dataclasses.replace(parsed, source_format=source_format)
