"""Format detection from the bytes; a file's name is never trusted."""

from __future__ import annotations

import io
import zipfile

from reportflow.parsers.detect_office import WORDPERFECT_SIGNATURE, markup_format, ole_format, package_format
from reportflow.schemas import CorruptFileError, EmptyFileError

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF8", "gif"),
    (b"BM", "bmp"),
)


def detect_format(data: bytes) -> str:
    """`docx`, `txt`, `pdf`, `doc`, `zip`, `image`, `rtf`, `html`, `mhtml`, an office format (`odt`, `fodt`, `wpd`,
    `wps`), a spreadsheet or presentation (`xlsx`, `xls`, `ods`, `pptx`, `ppt`, `odp`), or `binary`."""
    if not data.strip():
        raise EmptyFileError("The file is empty." if not data else "The file holds only white space.")
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(OLE_SIGNATURE):
        return ole_format(data)
    if data.startswith(b"PK\x03\x04"):
        return _zip_format(data)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image"
    if any(data.startswith(signature) for signature, _ in _IMAGE_SIGNATURES):
        return "image"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if data.startswith(WORDPERFECT_SIGNATURE):
        return "wpd"
    if _looks_binary(head):
        return "binary"
    return markup_format(data) or "txt"


def _zip_format(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return "docx"
            return package_format(archive, names)
    except zipfile.BadZipFile as e:
        raise CorruptFileError("The file starts like a ZIP (Word) package but is damaged or truncated.") from e


def _looks_binary(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(b < 9 or 13 < b < 32 for b in head)
    return controls > len(head) // 20
