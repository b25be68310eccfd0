"""Tiny Word documents built in code for parser tests."""

from __future__ import annotations

import io
import struct
import zlib

import docx
from docx.document import Document as WordDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
V_NS = 'xmlns:v="urn:schemas-microsoft-com:vml"'


def tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    )


def save(document: WordDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def new_document() -> WordDocument:
    return docx.Document()


def append_tracked_insertion(paragraph: object, text: str) -> None:
    paragraph._p.append(
        parse_xml(f'<w:ins {W_NS} w:id="1" w:author="x"><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:ins>')
    )  # type: ignore[attr-defined]


def append_deletion(paragraph: object, text: str) -> None:
    paragraph._p.append(
        parse_xml(f'<w:del {W_NS} w:id="2" w:author="x"><w:r><w:delText>{text}</w:delText></w:r></w:del>')
    )  # type: ignore[attr-defined]


def append_text_box(paragraph: object, text: str) -> None:
    xml = (
        f"<w:r {W_NS} {V_NS}><w:pict><v:shape><v:textbox><w:txbxContent>"
        f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
    )
    paragraph._p.append(parse_xml(xml))  # type: ignore[attr-defined]


def append_content_control(document: WordDocument, text: str) -> None:
    xml = f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    document.element.body.insert(len(document.element.body) - 1, parse_xml(xml))
