import io
import zipfile

import pytest

from reportflow.parsers import parse_document
from reportflow.parsers.detect import OLE_SIGNATURE, detect_format
from reportflow.schemas import CorruptFileError, EmptyFileError, UnsupportedFormatError


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n...", "pdf"),
        (OLE_SIGNATURE + b"\x00" * 100, "doc"),
        (_zip("[Content_Types].xml", "word/document.xml"), "docx"),
        (_zip("[Content_Types].xml", "xl/workbook.xml"), "xlsx"),
        (_zip("[Content_Types].xml", "word/styles.xml"), "zip"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image"),
        (b"II*\x00" + b"\x00" * 20, "image"),
        ("Báo cáo\nNội dung".encode(), "txt"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)), "binary"),
        (b"{\\rtf1\\ansi hello}", "rtf"),
        (b"<!DOCTYPE html>\n<html><body><p>x</p></body></html>", "html"),
        (b"MIME-Version: 1.0\nContent-Type: multipart/related; boundary=x\n\n--x\n", "mhtml"),
        (b"Nhi\xe1\xbb\x87m v\xe1\xbb\xa5: <b> is a tag\n", "txt"),
    ],
)
def test_format_from_bytes(data: bytes, expected: str) -> None:
    assert detect_format(data) == expected


@pytest.mark.parametrize("data", [b"", b"  \n\t"])
def test_empty(data: bytes) -> None:
    with pytest.raises(EmptyFileError):
        detect_format(data)


def test_zip_without_word_document_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormatError, match=r"word/document\.xml"):
        parse_document(_zip("[Content_Types].xml", "word/styles.xml"))


def test_truncated_zip_is_corrupt() -> None:
    with pytest.raises(CorruptFileError):
        detect_format(b"PK\x03\x04 this upload was cut short")
