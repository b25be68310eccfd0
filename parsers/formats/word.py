"""Word `.docx` through python-docx: body paragraphs, tables and footnotes in document order."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any, cast

import docx
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.oxml.text.paragraph import CT_P
from docx.text.paragraph import Paragraph
from lxml import etree

from reportflow.parsers.formats.ooxml_strict import STRICT_NAMESPACE, to_transitional
from reportflow.parsers.formats.word_legacy import decode_legacy_text
from reportflow.parsers.formats.word_package import as_document_package
from reportflow.parsers.formats.word_tables import layout_cells
from reportflow.parsers.formats.word_xml import (
    footnote_texts,
    iter_block_elements,
    paragraph_content,
    table_rows,
)
from reportflow.parsers.text import normalize_text, table_block
from reportflow.schemas import (
    Block,
    CorruptFileError,
    NoTextError,
    ParsedDocument,
    TooLargeError,
)

# A real report's document.xml is a few MB; a ZIP bomb's inflates to gigabytes.
MAX_PART_BYTES = 256 * 1024 * 1024
MAX_PACKAGE_BYTES = 512 * 1024 * 1024
_CHUNK = 1 << 20
_ALIGN = {"left": "left", "start": "left", "center": "center", "right": "right", "end": "right"}
_W_JC = f"{qn('w:pPr')}/{qn('w:jc')}"
_W_VAL = qn("w:val")
_HEADING_STYLE = re.compile(r"^(heading|titre|überschrift|rubrik|tiêu đề)\s*\d", re.IGNORECASE)
_W_P = qn("w:p")


def parse_docx(data: bytes) -> ParsedDocument:
    """Blocks of a Word document; text boxes follow the paragraph they are anchored in; page headers,
    footers and comments are not body text."""
    document = _open(data)
    footnotes = _footnotes_root(document)
    decode_legacy_text([document.element.body, footnotes], document.styles.element)
    notes = footnote_texts(footnotes)
    blocks = tuple(_blocks(document, notes))
    if not blocks:
        raise NoTextError("The Word document holds no text.")
    return ParsedDocument(source_format="docx", extraction="native", blocks=blocks, has_style_cues=True)


def _open(data: bytes) -> WordDocument:
    if _check_package(data):
        data = to_transitional(data)
    data = as_document_package(data)
    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError) as e:
        raise CorruptFileError(f"Not a readable Word document: {e}.") from e


def _check_package(data: bytes) -> bool:
    """Refuse ZIP bombs before python-docx inflates anything (it would hold it all); true for Strict Open XML."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_sizes(archive)
            head = archive.open("word/document.xml").read(4096)
    # zlib.error: damaged deflate data; NotImplementedError: a compression method zipfile lacks;
    # RuntimeError: an encrypted part; ValueError and struct.error: offsets and headers that make no sense.
    except (
        zipfile.BadZipFile,
        KeyError,
        OSError,
        EOFError,
        zlib.error,
        NotImplementedError,
        RuntimeError,
        ValueError,
        struct.error,
    ) as e:
        raise CorruptFileError(f"Not a readable Word document: {e}.") from e
    return STRICT_NAMESPACE in head


def _check_sizes(archive: zipfile.ZipFile) -> None:
    """Declared sizes first, then the bytes each part really inflates to, read in chunks and thrown away."""
    members = archive.infolist()
    if sum(m.file_size for m in members) > MAX_PACKAGE_BYTES or any(m.file_size > MAX_PART_BYTES for m in members):
        raise TooLargeError(f"The Word package declares more than {MAX_PART_BYTES:,} bytes in a part when inflated.")
    total = 0
    for member in members:
        with archive.open(member) as part:
            size = 0
            while chunk := part.read(_CHUNK):
                size, total = size + len(chunk), total + len(chunk)
                if size > MAX_PART_BYTES or total > MAX_PACKAGE_BYTES:
                    raise TooLargeError(f"A part of the Word package inflates past {MAX_PART_BYTES:,} bytes.")


def _footnotes_root(document: WordDocument) -> etree._Element | None:
    for rel in document.part.rels.values():
        if rel.reltype == RELATIONSHIP_TYPE.FOOTNOTES and not rel.is_external:
            return etree.fromstring(rel.target_part.blob, parser=etree.XMLParser(resolve_entities=False))
    return None


def _blocks(document: WordDocument, notes: dict[str, str]) -> Iterator[Block]:
    yield from _blocks_in(document.element.body, document, notes, {})


def _blocks_in(
    container: etree._Element,
    document: WordDocument,
    notes: dict[str, str],
    chains: dict[str | None, list[Any]],
    after_picture: bool = False,
) -> Iterator[Block]:
    """The blocks of the body or of one text box, the boxes anchored in its paragraphs after each."""
    for element in iter_block_elements(container):
        if element.tag != _W_P:
            cells = layout_cells(element)
            if cells is not None:  # a table laying out prose: its paragraphs, cell by cell
                for cell in cells:
                    yield from _blocks_in(cell, document, notes, chains)
                continue
            table = table_block(table_rows(element))
            if table is not None:
                yield table
                after_picture = False
            continue
        content = paragraph_content(element)
        text = normalize_text(content.text)
        if text:
            yield _paragraph_block(Paragraph(cast(CT_P, element), document), chains, text, after_picture)
            yield from _footnotes(content.footnote_ids, notes)
        after_picture = not text and (after_picture or content.has_picture)
        for box in content.boxes:  # a photo's caption is often a text box anchored beside it
            yield from _blocks_in(box, document, notes, chains, after_picture)
            after_picture = False


def _footnotes(note_ids: list[str], notes: dict[str, str]) -> Iterator[Block]:
    for note_id in note_ids:
        note = normalize_text(notes.get(note_id, ""))
        if note:
            yield Block(note, kind="footnote")


def _paragraph_block(
    paragraph: Paragraph, chains: dict[str | None, list[Any]], text: str, after_picture: bool
) -> Block:
    style_id = paragraph._p.style
    if style_id not in chains:
        chains[style_id] = _style_chain(paragraph)
    styles = chains[style_id]
    return Block(
        text=text,
        kind=_paragraph_kind(paragraph, styles),
        align=_alignment(paragraph, styles),
        bold=_all_runs(paragraph, styles, "bold"),
        italic=_all_runs(paragraph, styles, "italic"),
        after_picture=after_picture,
    )


def _style_chain(paragraph: Paragraph) -> list[Any]:
    chain: list[Any] = []
    style = paragraph.style
    while style is not None and len(chain) < 20:
        chain.append(style)
        style = style.base_style
    return chain


def _paragraph_kind(paragraph: Paragraph, styles: list[Any]) -> str:
    names = [(s.name or "").lower() for s in styles]
    if any(n == "title" for n in names):
        return "title"
    if any(n == "caption" for n in names):
        return "caption"
    if any(_HEADING_STYLE.match(n) for n in names) or _outline_level(paragraph, styles) is not None:
        return "heading"
    if _is_list_item(paragraph, styles, names):
        return "list_item"
    return "body"


def _outline_level(paragraph: Paragraph, styles: list[Any]) -> int | None:
    for element in [paragraph._p, *(s.element for s in styles)]:
        level = element.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        if level is not None:
            value = int(level.get(qn("w:val"), "9"))
            return value if value < 9 else None
    return None


def _is_list_item(paragraph: Paragraph, styles: list[Any], names: list[str]) -> bool:
    if any(n.startswith("list") for n in names):
        return True
    for element in [paragraph._p, *(s.element for s in styles)]:
        num = element.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}")
        if num is not None:
            return bool(num.get(qn("w:val")) != "0")
    return False


def _alignment(paragraph: Paragraph, styles: list[Any]) -> str | None:
    """Read from the XML: python-docx raises on `start` and `end`, which newer Word and Strict files write."""
    for element in [paragraph._p, *(style.element for style in styles)]:
        jc = element.find(_W_JC)
        if jc is not None:
            return _ALIGN.get(jc.get(_W_VAL), "justify")
    return None


def _all_runs(paragraph: Paragraph, styles: list[Any], attribute: str) -> bool:
    """Whether every run that carries text is bold (or italic), styles included."""
    inherited = next((getattr(s.font, attribute) for s in styles if getattr(s.font, attribute) is not None), None)
    runs = [r for r in paragraph.runs if r.text.strip()]
    if not runs:
        return False
    return all(_run_flag(run, attribute, inherited) for run in runs)


def _run_flag(run: Any, attribute: str, inherited: bool | None) -> bool:
    value = getattr(run.font, attribute)
    if value is None and run._r.style is not None:  # resolving the default style is slow; skip when unset
        value = getattr(run.style.font, attribute)
    return bool(inherited if value is None else value)
