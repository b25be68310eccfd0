"""Word tables that lay out prose (see `layout_tables`): their cells, to be read as paragraphs."""

from __future__ import annotations

from docx.oxml.ns import qn
from lxml import etree

from reportflow.parsers.formats.word_xml import iter_block_elements, paragraph_content, table_rows
from reportflow.parsers.layout.tables import MAX_LAYOUT_ROWS, is_layout_table
from reportflow.parsers.text import normalize_text, table_text

_W_P = qn("w:p")
_W_TR = qn("w:tr")
_W_TC = qn("w:tc")


def layout_cells(tbl: etree._Element) -> list[etree._Element] | None:
    """The cells of a layout table in reading order (row by row), or None for a data table."""
    rows = [list(iter_block_elements(tr, (_W_TC,))) for tr in iter_block_elements(tbl, (_W_TR,))]
    if len(rows) > MAX_LAYOUT_ROWS and any(len(row) > 1 for row in rows):
        return None  # too many rows for prose columns, more than one column: data either way
    if not is_layout_table([[_paragraph_texts(tc) for tc in row] for row in rows]):
        return None
    return [tc for row in rows for tc in row]


def _paragraph_texts(tc: etree._Element) -> list[str]:
    texts = []
    for element in iter_block_elements(tc):
        content = paragraph_content(element).text if element.tag == _W_P else table_text(table_rows(element))
        text = normalize_text(content)
        if text:
            texts.append(text)
    return texts
