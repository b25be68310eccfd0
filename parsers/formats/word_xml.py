"""WordprocessingML text extraction that python-docx leaves out or gets wrong.

python-docx's `Paragraph.text` misses tracked insertions and content
controls inside a paragraph and has no footnotes or text boxes; these
helpers read the XML directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import cast

from docx.oxml.ns import nsmap, qn
from lxml import etree

from reportflow.parsers.text import table_text

# A paragraph without text boxes (nearly every one) owns every run below it.
_ALL_TEXT_NODES = etree.XPath(
    ".//w:r[not(ancestor::w:moveFrom) and not(ancestor::w:del)]"
    "/*[self::w:t or self::w:tab or self::w:br or self::w:cr or self::w:noBreakHyphen]",
    namespaces={"w": nsmap["w"]},
)
_HAS_TEXT_BOX = etree.XPath("boolean(.//w:txbxContent)", namespaces={"w": nsmap["w"]})
_W_TXBX_CONTENT = qn("w:txbxContent")
_NOT_OWN = {
    qn("w:moveFrom"),
    qn("w:del"),
    "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",  # Word's VML copy of a shape
}
_TEXT_TAGS = {qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:noBreakHyphen")}
_PICTURE_TAGS = (qn("a:blip"), "{urn:schemas-microsoft-com:vml}imagedata", qn("c:chart"))
_W_FOOTNOTE_REFERENCE = qn("w:footnoteReference")
_W_R = qn("w:r")
_W_T = qn("w:t")
_W_P = qn("w:p")
_W_TBL = qn("w:tbl")
_W_SDT = qn("w:sdt")
_W_SDT_CONTENT = qn("w:sdtContent")
_W_CUSTOM_XML = qn("w:customXml")
_W_TR = qn("w:tr")
_W_TC = qn("w:tc")
_W_HYPHEN = qn("w:noBreakHyphen")
_W_ID = qn("w:id")
_W_TYPE = qn("w:type")


@dataclass(frozen=True, slots=True)
class ParagraphContent:
    """What a `w:p` holds itself; the text boxes anchored in it are listed, their content left to them."""

    text: str
    boxes: list[etree._Element]
    footnote_ids: list[str]
    has_picture: bool  # an image or chart (a text box's shape is none)


def paragraph_content(p: etree._Element) -> ParagraphContent:
    """Text (runs in order, breaks and tabs as spaces), text boxes, cited footnotes and pictures of a `w:p`.
    Boxes nested in a box belong to that box, and the VML copy Word keeps of each shape is left out."""
    if _HAS_TEXT_BOX(p):
        own = _own(p)
        return ParagraphContent(_text(own.text_nodes), own.boxes, _ids(own.note_refs), bool(own.pictures))
    nodes = cast(list[etree._Element], _ALL_TEXT_NODES(p))
    pictures = any(True for _ in p.iter(*_PICTURE_TAGS))
    return ParagraphContent(_text(nodes), [], _ids(p.iter(_W_FOOTNOTE_REFERENCE)), pictures)


@dataclass(slots=True)
class _Own:
    text_nodes: list[etree._Element] = field(default_factory=list)
    boxes: list[etree._Element] = field(default_factory=list)
    note_refs: list[etree._Element] = field(default_factory=list)
    pictures: list[etree._Element] = field(default_factory=list)


def _own(p: etree._Element) -> _Own:
    """What a paragraph holding text boxes holds itself: one walk that lists its boxes without entering
    them (so nested boxes cost one pass in all), leaving out deletions and VML copies."""
    own = _Own()
    stack = [(p.tag, iter(p))]
    while stack:
        parent, children = stack[-1]
        for node in children:
            tag = node.tag
            if tag == _W_TXBX_CONTENT:
                own.boxes.append(node)
            elif tag in _NOT_OWN:
                continue
            elif tag in _TEXT_TAGS and parent == _W_R:
                own.text_nodes.append(node)
            elif tag == _W_FOOTNOTE_REFERENCE:
                own.note_refs.append(node)
            elif tag in _PICTURE_TAGS:
                own.pictures.append(node)
            elif len(node):
                stack.append((tag, iter(node)))
                break
        else:
            stack.pop()
    return own


def _ids(refs: Iterable[etree._Element]) -> list[str]:
    return [str(ref.get(_W_ID)) for ref in refs]


def _text(nodes: list[etree._Element]) -> str:
    parts = []
    for node in nodes:
        if node.tag == _W_T:
            parts.append(node.text or "")
        elif node.tag == _W_HYPHEN:
            parts.append("-")
        else:
            parts.append(" ")
    return "".join(parts)


def iter_block_elements(parent: etree._Element, tags: tuple[str, ...] = (_W_P, _W_TBL)) -> Iterator[etree._Element]:
    """Children with these tags (paragraphs and tables) in document order, looking inside content controls."""
    for child in parent:
        if child.tag in tags:
            yield child
        elif child.tag == _W_SDT:
            content = child.find(_W_SDT_CONTENT)
            if content is not None:
                yield from iter_block_elements(content, tags)
        elif child.tag == _W_CUSTOM_XML:
            yield from iter_block_elements(child, tags)


def table_rows(tbl: etree._Element) -> list[list[str]]:
    """Cell texts per row; a merged cell counts once, a vertically continued cell is empty.

    A table nested in a cell goes on in the row, its rows breaking it, so that layout tables set in layout
    tables (a document's foot: recipients | signer, inside one cell) read as one grid of cells.
    """
    rows = []
    for tr in iter_block_elements(tbl, (_W_TR,)):
        pieces: list[list[str]] = [[]]
        for tc in iter_block_elements(tr, (_W_TC,)):
            first, *rest = _cell_rows(tc)
            pieces[-1].extend(first)
            pieces.extend(rest)
        if any(any(cells) for cells in pieces):
            rows.extend(pieces)
    return rows


def _cell_rows(container: etree._Element) -> list[list[str]]:
    """The text of a table cell, a text box or a footnote (its paragraphs, boxes and tables in order) as one
    row of one cell, which the rows and cells of a table nested in it continue."""
    rows = [[""]]
    for element in iter_block_elements(container):
        if element.tag == _W_P:
            content = paragraph_content(element)
            _continue(rows, [[content.text]])
            for box in content.boxes:
                _continue(rows, _cell_rows(box))
        else:
            _continue(rows, table_rows(element))
    return [[" ".join(cell.split()) for cell in row] for row in rows]


def _continue(rows: list[list[str]], more: list[list[str]]) -> None:
    """`more` joined on: its first cell goes on in the last cell, its further rows follow."""
    if not more:
        return
    (first, *cells), *further = more
    rows[-1][-1] += " " + first
    rows[-1].extend(cells)
    rows.extend(list(row) for row in further)


def footnote_texts(footnotes_root: etree._Element | None) -> dict[str, str]:
    """Footnote id to text, leaving out the separator pseudo-notes."""
    if footnotes_root is None:
        return {}
    notes = {}
    for note in footnotes_root.iter(qn("w:footnote")):
        if note.get(_W_TYPE) in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        notes[str(note.get(_W_ID))] = table_text(_cell_rows(note))
    return notes
