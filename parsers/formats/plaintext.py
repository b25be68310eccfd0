"""Plain text: one block per non-blank line."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from reportflow.parsers.text import normalize_text
from reportflow.schemas import Block, CorruptFileError, EmptyFileError, ParsedDocument

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def parse_text(data: bytes) -> ParsedDocument:
    """A block per line that holds any text; indentation and blank lines carry no meaning."""
    lines = decode_text(data).splitlines()
    blocks = tuple(Block(text) for text in map(normalize_text, lines) if text)
    if not blocks:
        raise EmptyFileError("The text file holds only white space.")
    return ParsedDocument(source_format="txt", extraction="native", blocks=blocks)


def decode_text(data: bytes) -> str:
    """Text from bytes: a BOM if present, else UTF-8, else the most likely legacy encoding."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
    if best is None:
        raise CorruptFileError("The file is neither UTF-8 nor any text encoding that could be recognised.")
    return str(best)
