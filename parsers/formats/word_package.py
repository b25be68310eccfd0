"""Word's other packagings: macro-enabled documents (`.docm`) and templates (`.dotx`, `.dotm`) hold the
same WordprocessingML as a `.docx` and differ only in the main part's content type, which python-docx
refuses; it is renamed in `[Content_Types].xml`, in memory. Macros are never run or read."""

from __future__ import annotations

import io
import zipfile
import zlib

from reportflow.parsers.formats.ooxml_strict import rewrite_xml_parts

DOCUMENT_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
OTHER_MAINS = (
    b"application/vnd.ms-word.document.macroEnabled.main+xml",
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    b"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
_CONTENT_TYPES = "[Content_Types].xml"


def as_document_package(data: bytes) -> bytes:
    """The package with a `.docx` main content type; the same bytes when it has one already."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            types = archive.read(_CONTENT_TYPES)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError, ValueError):
        return data  # python-docx reports what is wrong
    if not any(main in types for main in OTHER_MAINS):
        return data
    return rewrite_xml_parts(data, _as_document_main)


def _as_document_main(xml: bytes) -> bytes:
    for main in OTHER_MAINS:
        xml = xml.replace(main, DOCUMENT_MAIN)
    return xml
