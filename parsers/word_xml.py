"""WordprocessingML text extraction that python-docx leaves out or gets wrong.

python-docx's `Paragraph.text` misses tracked insertions and content
controls inside a paragraph and has no footnotes or text boxes; these
helpers read the XML directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from docx.oxml.ns import nsmap, qn
from lxml import etree

# Runs of this paragraph, not of a text box anchored in it (one more `w:txbxContent` above them).
_TEXT_NODES = etree.XPath(
    ".//w:r[count(ancestor::w:txbxContent) = $boxes and not(ancestor::w:moveFrom) and not(ancestor::w:del)]"
    "/*[self::w:t or self::w:tab or self::w:br or self::w:cr or self::w:noBreakHyphen]",
    namespaces={"w": nsmap["w"]},
)
_BOXES_AROUND = etree.XPath("count(ancestor::w:txbxContent)", namespaces={"w": nsmap["w"]})
_TEXT_BOX_CONTENTS = etree.XPath(".//w:txbxContent", namespaces={"w": nsmap["w"]})
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_W_TXBX_CONTENT = qn("w:txbxContent")
_A_BLIP = qn("a:blip")
_V_IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"
_C_CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}chart"
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


def paragraph_text(p: etree._Element) -> str:
    """The visible text of a `w:p`: runs in order, breaks and tabs as spaces, text boxes left out."""
    parts = []
    for node in cast(list[etree._Element], _TEXT_NODES(p, boxes=_BOXES_AROUND(p))):
        if node.tag == _W_T:
            parts.append(node.text or "")
        elif node.tag == _W_HYPHEN:
            parts.append("-")
        else:
            parts.append(" ")
    return "".join(parts)


def text_boxes(p: etree._Element) -> list[etree._Element]:
    """The `w:txbxContent` of the text boxes anchored in a paragraph, in order: boxes nested in a box
    belong to that box, and the VML copy Word keeps of each shape (`mc:Fallback`) is left out."""
    return [box for box in cast(list[etree._Element], _TEXT_BOX_CONTENTS(p)) if _anchored_in(box, p)]


def _anchored_in(box: etree._Element, p: etree._Element) -> bool:
    for ancestor in box.iterancestors():
        if ancestor is p:
            return True
        if ancestor.tag in (_W_TXBX_CONTENT, _MC_FALLBACK):
            return False
    return False


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
    """Cell texts per row; a merged cell counts once, a vertically continued cell is empty."""
    rows = []
    for tr in iter_block_elements(tbl, (_W_TR,)):
        cells = [_cell_text(tc) for tc in iter_block_elements(tr, (_W_TC,))]
        if any(cells):
            rows.append(cells)
    return rows


def table_text(rows: list[list[str]]) -> str:
    """The contract's table text: cells joined by ` | `, rows by ` || `."""
    return " || ".join(" | ".join(cells) for cells in rows)


def _cell_text(tc: etree._Element) -> str:
    parts = []
    for element in iter_block_elements(tc):
        if element.tag == _W_P:
            parts.append(paragraph_text(element))
            parts.extend(_cell_text(box) for box in text_boxes(element))
        else:
            parts.append(table_text(table_rows(element)))
    return " ".join(" ".join(parts).split())


def footnote_ids(p: etree._Element) -> list[str]:
    """Ids of the footnotes referenced from a paragraph, in order."""
    return [str(ref.get(_W_ID)) for ref in p.iter(qn("w:footnoteReference"))]


def footnote_texts(footnotes_root: etree._Element | None) -> dict[str, str]:
    """Footnote id to text, leaving out the separator pseudo-notes."""
    if footnotes_root is None:
        return {}
    notes = {}
    for note in footnotes_root.iter(qn("w:footnote")):
        if note.get(_W_TYPE) in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        text = " ".join(paragraph_text(p) for p in note.iter(_W_P))
        notes[str(note.get(_W_ID))] = text
    return notes


def has_picture(p: etree._Element) -> bool:
    """A picture or chart in the paragraph itself (a text box's shape is none; a picture inside one is the box's)."""
    return any(_anchored_in(image, p) for image in p.iter(_A_BLIP, _V_IMAGEDATA, _C_CHART))
