"""Which office or markup format bytes hold, beyond the Word and PDF signatures: ODF packages, OLE
files that are no Word document, WordPerfect, HTML and MHTML. Read from the bytes, never the name."""

from __future__ import annotations

import codecs
import re
import zipfile
import zlib

WORDPERFECT_SIGNATURE = b"\xffWPC"
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.text-template": "odt",
    b"application/vnd.oasis.opendocument.text-master": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.spreadsheet-template": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
# OLE directory entries name their streams in UTF-16LE; the first of these that a file holds tells its kind.
_OLE_STREAMS = (
    ("WordDocument", "doc"),
    ("Workbook", "xls"),
    ("Book", "xls"),
    ("PowerPoint Document", "ppt"),
    ("MatOST", "wps"),
    ("CONTENTS", "wps"),
)
_MARKUP_HEAD_BYTES = 4096
_PROLOGUE = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<!doctype\s+html[^>]*>\s*)*", re.DOTALL | re.IGNORECASE
)
_HTML_START = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|style|script|link|base|div|p|table|h[1-6]|span|font|center|"
    r"b|i|u|a|ul|ol|br|hr|form|section|article|header|main|nav)[\s/>]",
    re.IGNORECASE,
)
_FLAT_ODF_TEXT = re.compile(r"<office:document\b[^>]*opendocument\.text", re.IGNORECASE)
_MIME_HEADER_LINE = re.compile(rb"^[A-Za-z][\w-]*:")
_MIME_VERSION = re.compile(rb"^mime-version:", re.IGNORECASE | re.MULTILINE)


def ole_format(data: bytes) -> str:
    """`doc`, `xls`, `ppt` or `wps` (Microsoft Works) for an OLE compound file; `doc` when none is named."""
    return next((kind for name, kind in _OLE_STREAMS if name.encode("utf-16-le") + b"\x00\x00" in data), "doc")


def package_format(archive: zipfile.ZipFile, names: set[str]) -> str:
    """`odt`, `ods`, `odp`, `xlsx`, `pptx` or `zip` for a ZIP package that holds no Word document."""
    if "mimetype" in names:
        try:
            mimetype = archive.read("mimetype")[:100].strip()
        except (OSError, EOFError, zlib.error, NotImplementedError, RuntimeError, ValueError):
            return "zip"
        return _ODF_MIMETYPES.get(mimetype, "zip")
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    return "zip"


def markup_format(data: bytes) -> str | None:
    """`html`, `mhtml` (a MIME message, Word's single-file web page) or `fodt` (flat ODF text) for text
    that is markup from its first tag, else None."""
    if _MIME_HEADER_LINE.match(data) and _MIME_VERSION.search(data[:_MARKUP_HEAD_BYTES]):
        return "mhtml" if b"multipart/related" in data[:_MARKUP_HEAD_BYTES].lower() else None
    head = _PROLOGUE.sub("", _head_text(data[:_MARKUP_HEAD_BYTES]), count=1)
    if _FLAT_ODF_TEXT.search(head):
        return "fodt"
    return "html" if _HTML_START.match(head) else None


def _head_text(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head[: len(head) // 2 * 2].decode("utf-16", "replace")
    return head.decode("utf-8", "replace").lstrip("\ufeff")
