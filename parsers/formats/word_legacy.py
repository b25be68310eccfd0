"""TCVN3 and VNI text of a Word document decoded to Unicode, in the parser's own XML tree.

A run's font is its own `w:rFonts`, else its character style's, its paragraph style's, the
default paragraph style's, and last the document defaults (each style through its `basedOn`
chain). Where no run is in a legacy font, the text itself may still be legacy-encoded (the font
was replaced); it is decoded only when `detect_encoding` is sure of the whole, and then only in
paragraphs that read as that encoding themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from docx.oxml.ns import qn
from lxml import etree

from reportflow.parsers.vietnamese.legacy_fonts import TCVN3, decode, detect_encoding, font_encoding, reads_as

DETECTION_SAMPLE_CHARS = 20_000

_W_T = qn("w:t")
_W_SOFT_HYPHEN = qn("w:softHyphen")
_W_P = qn("w:p")
_W_R = qn("w:r")
_W_VAL = qn("w:val")
_FONT_ATTRIBUTES = (qn("w:hAnsi"), qn("w:ascii"))
_THEME_ATTRIBUTES = (qn("w:hAnsiTheme"), qn("w:asciiTheme"))
_RUN_FONTS = f"{qn('w:rPr')}/{qn('w:rFonts')}"

# A theme font (Word's "+Body") is never a legacy one, and it overrides what styles say.
THEME_FONT = "+theme"


def decode_legacy_text(roots: Iterable[etree._Element | None], styles: etree._Element | None) -> None:
    """Decode, in place, the `w:t` text of runs drawn in TCVN3 or VNI fonts under these roots."""
    trees = [root for root in roots if root is not None]
    fonts = _StyleFonts(styles)
    if fonts.any_legacy or any(font_encoding(_own_font(r)) for tree in trees for r in tree.iter(_W_R)):
        for tree in trees:
            _decode_by_font(tree, fonts)
    else:
        for tree in trees:
            _decode_by_statistics(tree)


class _StyleFonts:
    """The font each style resolves to, and the document default."""

    def __init__(self, styles: etree._Element | None) -> None:
        self._own: dict[str, str | None] = {}
        self._based_on: dict[str, str] = {}
        self.default_paragraph_style: str | None = None
        self.default_font: str | None = None
        if styles is not None:
            self._read(styles)
        self.any_legacy = any(font_encoding(f) for f in [*self._own.values(), self.default_font])

    def _read(self, styles: etree._Element) -> None:
        defaults = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
        self.default_font = _fonts_element_name(defaults)
        for style in styles.iter(qn("w:style")):
            style_id = style.get(qn("w:styleId"))
            if style_id is None:
                continue
            self._own[style_id] = _own_font(style)
            based_on = style.find(qn("w:basedOn"))
            if based_on is not None and based_on.get(_W_VAL):
                self._based_on[style_id] = str(based_on.get(_W_VAL))
            if style.get(qn("w:type")) == "paragraph" and style.get(qn("w:default")) in ("1", "true"):
                self.default_paragraph_style = style_id

    def style_font(self, style_id: str | None) -> str | None:
        seen = 0
        while style_id is not None and seen < 20:
            font = self._own.get(style_id)
            if font is not None:
                return font
            style_id = self._based_on.get(style_id)
            seen += 1
        return None

    def run_font(self, run: etree._Element) -> str | None:
        paragraph = next(run.iterancestors(_W_P), None)
        paragraph_style = _style_id(paragraph, "w:pPr", "w:pStyle") or self.default_paragraph_style
        return (
            _own_font(run)
            or self.style_font(_style_id(run, "w:rPr", "w:rStyle"))
            or self.style_font(paragraph_style)
            or self.default_font
        )


def _decode_by_font(tree: etree._Element, fonts: _StyleFonts) -> None:
    for node in list(tree.iter(_W_T, _W_SOFT_HYPHEN)):
        run = node.getparent()
        encoding = font_encoding(fonts.run_font(run)) if run is not None else None
        if encoding is None:
            continue
        if node.tag == _W_SOFT_HYPHEN:
            node = _soft_hyphen_as_text(node, encoding[0])
        if node.text:
            node.text = decode(node.text, *encoding)


def _soft_hyphen_as_text(node: etree._Element, encoding: str) -> etree._Element:
    """TCVN3 writes `ư` as U+00AD, which Word and LibreOffice may store as an optional hyphen."""
    if encoding != TCVN3:
        return node
    text = etree.Element(_W_T)
    text.text = "\xad"
    node.addprevious(text)
    node.getparent().remove(node)  # type: ignore[union-attr]
    return text


def _decode_by_statistics(tree: etree._Element) -> None:
    sample = "".join(node.text or "" for node in tree.iter(_W_T))[:DETECTION_SAMPLE_CHARS]
    encoding = detect_encoding(sample)
    if encoding is None:
        return
    for paragraph in tree.iter(_W_P):
        nodes = [n for n in paragraph.iter(_W_T) if n.text and next(n.iterancestors(_W_P), None) is paragraph]
        if reads_as(" ".join(str(n.text) for n in nodes), encoding):
            for node in nodes:
                node.text = decode(str(node.text), encoding)


def _own_font(element: etree._Element) -> str | None:
    return _fonts_element_name(element.find(_RUN_FONTS))


def _fonts_element_name(fonts: etree._Element | None) -> str | None:
    if fonts is None:
        return None
    if any(fonts.get(a) for a in _THEME_ATTRIBUTES):
        return THEME_FONT
    return next((str(fonts.get(a)) for a in _FONT_ATTRIBUTES if fonts.get(a)), None)


def _style_id(element: etree._Element | None, properties: str, tag: str) -> str | None:
    if element is None:
        return None
    style = element.find(f"{qn(properties)}/{qn(tag)}")
    return None if style is None else style.get(_W_VAL)
