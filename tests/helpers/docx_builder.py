"""Tiny Word documents built in code for parser tests."""

from __future__ import annotations

import io
import re
import struct
import zlib

import docx
from docx.document import Document as WordDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from reportflow.parsers.formats.ooxml_strict import rewrite_xml_parts

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
V_NS = 'xmlns:v="urn:schemas-microsoft-com:vml"'
MC_NS = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'


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


def with_replaced(package: bytes, old: bytes, new: bytes) -> bytes:
    return rewrite_xml_parts(package, lambda xml: xml.replace(old, new))


def as_strict(transitional: bytes) -> bytes:
    """A package written the way Word's "Strict Open XML Document" writes it: other URIs, `start`/`end`."""
    uri = re.compile(rb"http://schemas\.openxmlformats\.org/(?!package/)(\w+)/2006/([\w-]+)((?:/[\w-]+)?)")

    def strict_uri(match: re.Match[bytes]) -> bytes:
        area, name, rest = (re.sub(rb"-(\w)", lambda m: m.group(1).upper(), g) for g in match.groups())
        return b"http://purl.oclc.org/ooxml/" + area + b"/" + name + rest

    def strict(xml: bytes) -> bytes:
        xml = uri.sub(strict_uri, xml)
        return xml.replace(b'w:val="left"', b'w:val="start"').replace(b'w:val="right"', b'w:val="end"')

    return rewrite_xml_parts(transitional, strict)


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
    paragraph._p.append(parse_xml(_box_run(text).replace("<w:r>", f"<w:r {W_NS} {V_NS}>", 1)))  # type: ignore[attr-defined]


def append_drawing_text_box(paragraph: object, text: str, inner: str | None = None) -> None:
    """A text box as Word 2010+ writes it: a DrawingML shape, and a VML copy for older readers."""
    inside = f"<w:p><w:r><w:t>{text}</w:t></w:r>{_box_run(inner) if inner else ''}</w:p>"
    paragraph._p.append(parse_xml(drawing_text_box(inside)))  # type: ignore[attr-defined]


def drawing_text_box(paragraphs: str) -> str:
    """A run holding a text box with these paragraphs, twice: as a DrawingML shape and its VML copy."""
    return (
        f'<w:r {W_NS} {V_NS} {MC_NS} xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>'
        f"<w:txbxContent>{paragraphs}</w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{paragraphs}</w:txbxContent></v:textbox>"
        "</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )


def _box_run(text: str) -> str:
    box = f"<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"
    return f"<w:r><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></w:r>"


def append_content_control(document: WordDocument, text: str) -> None:
    xml = f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    document.element.body.insert(len(document.element.body) - 1, parse_xml(xml))
