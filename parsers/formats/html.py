"""HTML, XHTML, Word web pages (`.htm` saved by Word) and MHTML (Word's single-file web page).

lxml's HTML parser reads the markup; text is gathered per block element (paragraphs, headings, list
items, captions), inline markup joined into it. Word's classes (`MsoTitle`, `MsoHeading*`,
`MsoCaption`, `MsoList*`, `mso-list` styles) give kinds; its conditional comments, `<o:p>` and list
bullets are left out, as are scripts, styles, comments, hidden text and navigation. Tables are
`table` blocks, or their paragraphs when they lay out prose (`layout_tables`). Text in a TCVN3 or
VNI font (`font-family:".VnTime"`) is decoded as in Word documents.
"""

from __future__ import annotations

import codecs
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email.parser import BytesParser
from functools import lru_cache

from lxml import etree

from reportflow.parsers.formats.plaintext import decode_text
from reportflow.parsers.layout.tables import is_layout_table
from reportflow.parsers.text import normalize_text, table_block
from reportflow.parsers.vietnamese.legacy_fonts import decode_font_text
from reportflow.schemas import Block, CorruptFileError, NoTextError, ParsedDocument

# fmt: off
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "hr", "li", "main", "ol", "p", "pre", "section", "summary", "ul", "legend",
})
_SKIPPED_TAGS = frozenset({
    "head", "script", "style", "noscript", "template", "nav", "iframe", "object", "embed", "svg", "math", "select",
    "option", "button", "title", "xml",
})
# fmt: on
_NAVIGATION_ROLES = frozenset({"navigation", "menu", "menubar", "search"})
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BOLD_TAGS = frozenset({"b", "strong", "th", *_HEADING_TAGS})
_ITALIC_TAGS = frozenset({"i", "em", "cite", "var"})
_STYLED_TAGS = _BOLD_TAGS | _ITALIC_TAGS
_ALIGNS = {"center": "center", "middle": "center", "right": "right", "left": "left", "justify": "justify"}
_WORD_CLASS_KINDS = (
    (re.compile(r"^msotitle", re.IGNORECASE), "title"),
    (re.compile(r"^mso(subtitle|heading|toc)|^heading", re.IGNORECASE), "heading"),
    (re.compile(r"^msocaption|^caption", re.IGNORECASE), "caption"),
    (re.compile(r"^msolist", re.IGNORECASE), "list_item"),
    (re.compile(r"^mso(foot|end)notetext|^sd(foot|end)note", re.IGNORECASE), "footnote"),
)
# Word's and LibreOffice's note marks link a citing paragraph and a note: `#_ftn1` <-> `#_ftnref1`,
# `#sdfootnote1sym` <-> `#sdfootnote1anc`. The mark is no text; the note follows the paragraph citing it.
_NOTE_LINK = re.compile(r"^#_?(ftn|edn|sdfootnote|sdendnote)(ref)?(\d+)(sym|anc)?$", re.IGNORECASE)
_NOTE_ID = re.compile(r"^_?(ftn|edn|sdfootnote|sdendnote)(\d+)$", re.IGNORECASE)
_STYLE_RULE = re.compile(r"([\w-]+)\s*:\s*([^;]+)")
_FONT_NAME = re.compile(r"""^\s*["']?([^,"']+)""")
# Word's downlevel-revealed conditionals: a list's bullet or number sits inside `<![if !supportLists]>`.
_LIST_BULLET = re.compile(r"<!\[if !supportLists\]>.*?<!\[endif\]>", re.DOTALL | re.IGNORECASE)
# Filtered pages keep the typed bullet or number, then a 7-point span of spaces before the item's text.
_LIST_MARKER_GAP = re.compile(r"^font:\s*7(\.0)?pt", re.IGNORECASE)
_CONDITIONAL_MARK = re.compile(r"<!\[(?:if [^\]]*|endif)\]>", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE)


def parse_html(data: bytes) -> ParsedDocument:
    """Blocks of an HTML page, its charset from a BOM, a `<meta>` or the XML declaration, else guessed."""
    return parse_html_text(_decode(data, None))


def parse_mhtml(data: bytes) -> ParsedDocument:
    """Blocks of the HTML part of a MIME web archive (quoted-printable or base64, its declared charset)."""
    message = BytesParser(policy=email.policy.default).parsebytes(data)
    part = next((p for p in message.walk() if p.get_content_type() == "text/html"), None)
    if part is None:
        raise CorruptFileError("The MIME web archive holds no HTML part.")
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        raise NoTextError("The HTML part of the MIME web archive is empty.")
    return parse_html_text(_decode(payload, part.get_content_charset()))


def parse_html_text(markup: str) -> ParsedDocument:
    """Blocks of HTML markup already decoded to text."""
    markup = _CONDITIONAL_MARK.sub("", _LIST_BULLET.sub("", _XML_DECLARATION.sub("", markup)))
    root = etree.fromstring(markup, etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True))
    reader = _Reader()
    if root is not None:
        reader.read(root, _Style())
    blocks = tuple(reader.finish())
    if not blocks:
        raise NoTextError("The HTML page holds no text.")
    return ParsedDocument(source_format="html", extraction="native", blocks=blocks, has_style_cues=True)


def _decode(data: bytes, declared: str | None) -> str:
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_text(data)
    head = data[:4096]
    found = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    written = _codec(found.group(1).decode("ascii", "replace")) if found else None
    if written is not None and written.startswith("utf-16"):
        written = None  # a charset written in ASCII bytes is not what they are; UTF-16 pages have a BOM
    for codec in (_codec(declared), written):
        if codec is None:
            continue
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue  # Word's MIME parts may say us-ascii over UTF-8 bytes
    return decode_text(data)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


@dataclass(frozen=True, slots=True)
class _Style:
    """What an element passes down: its block's kind and alignment, and inline bold, italic and font."""

    kind: str = "body"
    align: str | None = None
    bold: bool = False
    italic: bool = False
    font: str | None = None


@dataclass(slots=True)
class _Piece:
    text: str
    style: _Style


@dataclass(slots=True)
class _Reader:
    """Walks the tree once, gathering the text of each block element into one block."""

    blocks: list[Block] = field(default_factory=list)
    pieces: list[_Piece] = field(default_factory=list)
    picture_before: bool = False
    list_marker: bool = False
    cited: dict[int, list[str]] = field(default_factory=dict)  # block index: notes its text cites
    citing: list[str] = field(default_factory=list)
    notes: dict[str, list[Block]] = field(default_factory=dict)

    def read(self, element: etree._Element, style: _Style) -> None:
        tag, css = _tag(element), _css(element)
        if tag in _SKIPPED_TAGS or _hidden(element, css) or self._read_special(element, tag, style):
            return
        is_block = tag in _BLOCK_TAGS
        if is_block:
            self.flush()
        self.read_content(element, _style_of(element, tag, style, is_block, css))
        if is_block:
            self.flush()

    def read_content(self, element: etree._Element, style: _Style) -> None:
        """The element's own text, its children, and the text after each child."""
        if element.text:
            self.pieces.append(_Piece(element.text, style))
        for child in element:
            self.read(child, style)
            if child.tail:
                self.pieces.append(_Piece(child.tail, style))

    def _read_special(self, element: etree._Element, tag: str, style: _Style) -> bool:
        """Note marks, notes, pictures, line breaks and tables, read here; false for anything else."""
        link = _NOTE_LINK.match(element.get("href") or "") if tag == "a" else None
        note = _NOTE_ID.match(element.get("id") or "") if tag == "div" else None
        if link is not None:
            self._cite(link)
        elif note is not None:
            self._read_note(element, _note_key(note.group(1), note.group(2)), style)
        elif tag == "img":
            self.picture_before = self.picture_before or not self._has_text()
        elif tag == "span" and _LIST_MARKER_GAP.match((element.get("style") or "").strip()):
            self.pieces, self.list_marker = [], True  # what came before in the block is the marker
        elif tag == "br":
            self.pieces.append(_Piece(" ", style))
        elif tag == "table":
            self.flush()
            self.blocks.extend(_table_blocks(element, style))
        else:
            return False
        return True

    def flush(self) -> None:
        shown = [p for p in self.pieces if p.text.strip()]
        text = normalize_text("".join(decode_font_text(p.text, p.style.font) for p in self.pieces))
        marked, self.pieces, self.list_marker = self.list_marker, [], False
        if not text:
            return
        first = shown[0].style
        kind = "list_item" if marked and first.kind == "body" else first.kind
        if self.citing:
            self.cited[len(self.blocks)] = self.citing
            self.citing = []
        self.blocks.append(
            Block(
                text,
                kind=kind,
                align=first.align,
                bold=all(p.style.bold for p in shown),
                italic=all(p.style.italic for p in shown),
                after_picture=self.picture_before,
            )
        )
        self.picture_before = False

    def finish(self) -> list[Block]:
        """The blocks, each note right after the paragraph that cites it (uncited ones at the end)."""
        self.flush()
        ordered: list[Block] = []
        for i, block in enumerate(self.blocks):
            ordered.append(block)
            for key in self.cited.get(i, []):
                ordered.extend(self.notes.pop(key, []))
        return ordered + [block for blocks in self.notes.values() for block in blocks]

    def _cite(self, link: re.Match[str]) -> None:
        """A mark in the text cites its note; the mark in the note, linking back, cites nothing."""
        if not link.group(2) and (link.group(4) or "").lower() != "anc":
            self.citing.append(_note_key(link.group(1), link.group(3)))

    def _read_note(self, element: etree._Element, key: str, style: _Style) -> None:
        self.flush()
        text = " ".join(b.text for b in _content_blocks(element, replace(style, kind="footnote")))
        self.notes[key] = [Block(text, kind="footnote")] if text else []  # one block per note, as in Word

    def _has_text(self) -> bool:
        return any(p.text.strip() for p in self.pieces)


def _note_key(kind: str, number: str) -> str:
    return f"{kind.lower()}{int(number)}"


def _table_blocks(table: etree._Element, style: _Style) -> Iterator[Block]:
    """A caption, then the table's paragraphs when it lays out prose, else one `table` block."""
    caption = table.find("caption")
    if caption is not None:
        yield from _cell_blocks(caption, replace(style, kind="caption"))
    cells = [_cells(tr) for tr in _rows(table)]
    rows = [[_cell_blocks(cell, replace(style, kind="body")) for cell in row] for row in cells]
    if is_layout_table([[[b.text for b in cell] for cell in row] for row in rows]):
        yield from (block for row in rows for cell in row for block in cell)
        return
    texts = _with_row_spans(cells, [[" ".join(b.text for b in cell) for cell in row] for row in rows])
    block = table_block(texts)
    if block is not None:
        yield block


def _with_row_spans(cells: list[list[etree._Element]], texts: list[list[str]]) -> list[list[str]]:
    """Rows with an empty cell where a cell above spans down (`rowspan`), as Word's continued cells read."""
    covering: dict[int, tuple[int, int]] = {}  # first column: (rows below still covered, columns wide)
    grid = []
    for row_cells, row_texts in zip(cells, texts, strict=True):
        placed = [(column, "") for column in covering]
        starting: dict[int, tuple[int, int]] = {}
        column = 0
        for cell, text in zip(row_cells, row_texts, strict=True):
            while column in covering:
                column += covering[column][1]
            across, down = _span(cell, "colspan"), _span(cell, "rowspan")
            placed.append((column, text))
            if down > 1:
                starting[column] = (down - 1, across)
            column += across
        covering = {c: (left - 1, wide) for c, (left, wide) in covering.items() if left > 1} | starting
        grid.append([text for _, text in sorted(placed, key=lambda item: item[0])])
    return grid


def _span(cell: etree._Element, attribute: str) -> int:
    value = (cell.get(attribute) or "").strip()
    return min(int(value), 1000) if value.isdigit() and int(value) > 0 else 1


def _rows(table: etree._Element) -> Iterator[etree._Element]:
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            yield child
        elif tag in ("thead", "tbody", "tfoot"):
            yield from (row for row in child if _tag(row) == "tr")


def _cells(tr: etree._Element) -> list[etree._Element]:
    return [cell for cell in tr if _tag(cell) in ("td", "th") and not _hidden(cell, _css(cell))]


def _cell_blocks(cell: etree._Element, style: _Style) -> list[Block]:
    return _content_blocks(cell, _style_of(cell, _tag(cell), style, True, _css(cell)))


def _content_blocks(element: etree._Element, style: _Style) -> list[Block]:
    """The blocks of what an element holds, read apart from the rest (a table cell, a note)."""
    reader = _Reader()
    reader.read_content(element, style)
    return reader.finish()


def _tag(element: etree._Element) -> str:
    tag = element.tag
    return tag.lower().rpartition("}")[2] if isinstance(tag, str) else ""


@dataclass(frozen=True, slots=True)
class _Css:
    """What reportflow reads of a `style` attribute, lower case where case carries no meaning."""

    hides: bool = False  # display:none, mso-hide:all, or a list marker's mso-list:Ignore
    list_item: bool = False  # mso-list naming a list
    weight: str = ""
    font_style: str = ""
    align: str = ""
    font: str | None = None

    def __bool__(self) -> bool:
        return self != _NO_CSS


_NO_CSS = _Css()


def _css(element: etree._Element) -> _Css:
    style = element.get("style")
    return _parse_style(style) if style else _NO_CSS


@lru_cache(maxsize=4096)
def _parse_style(style: str) -> _Css:
    """Word repeats the same few styles thousands of times in a page: each is parsed once."""
    rules = {name.lower(): value.strip() for name, value in _STYLE_RULE.findall(style)}
    mso_list = rules.get("mso-list", "none").lower()
    return _Css(
        hides=rules.get("display", "").lower() == "none"
        or rules.get("mso-hide", "").lower() == "all"
        or mso_list == "ignore",
        list_item=mso_list not in ("none", "ignore"),
        weight=rules.get("font-weight", "").lower(),
        font_style=rules.get("font-style", "").lower(),
        align=rules.get("text-align", "").lower(),
        font=_font_name(rules.get("font-family")),
    )


def _hidden(element: etree._Element, css: _Css) -> bool:
    return css.hides or element.get("hidden") is not None or element.get("role") in _NAVIGATION_ROLES


def _style_of(element: etree._Element, tag: str, inherited: _Style, is_block: bool, css: _Css) -> _Style:
    face = element.get("face")
    if not (is_block or css or face or tag in _STYLED_TAGS):
        return inherited  # most inline elements (`span`, `a`, `o:p`) change nothing
    kind, align = inherited.kind, inherited.align
    if is_block:
        kind = _block_kind(element, tag, css, inherited.kind)
        align = _align(element, tag, css, inherited.align)
    return _Style(
        kind=kind,
        align=align,
        bold=_bold(tag, css.weight, inherited.bold),
        italic=_italic(tag, css.font_style, inherited.italic),
        font=_font_name(face) or css.font or inherited.font,
    )


def _bold(tag: str, weight: str, inherited: bool) -> bool:
    if tag in _BOLD_TAGS or weight in ("bold", "bolder"):
        return True
    if weight in ("normal", "lighter"):
        return False
    return int(weight) >= 600 if weight.isdigit() else inherited


def _italic(tag: str, font_style: str, inherited: bool) -> bool:
    if tag in _ITALIC_TAGS or font_style in ("italic", "oblique"):
        return True
    return False if font_style == "normal" else inherited


def _block_kind(element: etree._Element, tag: str, css: _Css, inherited: str) -> str:
    if tag in _HEADING_TAGS:
        return "heading"
    if tag in ("li", "dt"):
        return "list_item"
    if tag in ("caption", "figcaption"):
        return "caption"
    for pattern, kind in _WORD_CLASS_KINDS:
        if any(pattern.match(name) for name in (element.get("class") or "").split()):
            return kind
    if css.list_item:
        return "list_item"
    return inherited if inherited in ("list_item", "caption") else "body"


def _align(element: etree._Element, tag: str, css: _Css, inherited: str | None) -> str | None:
    value = "center" if tag == "center" else css.align or (element.get("align") or "").lower()
    return _ALIGNS.get(value, inherited)


def _font_name(family: str | None) -> str | None:
    match = _FONT_NAME.match(family) if family else None
    return match.group(1).strip() if match else None
