"""The foot of the document: the recipients (`Nơi nhận`), the signer's title and the signer's name."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from reportflow.parsers.vietnamese.patterns import (
    LIST_ITEM_MAX_CHARS,
    RECIPIENTS,
    fold,
    is_list_line,
    is_upper,
    letters,
)
from reportflow.schemas import Block

_SIGNING_FOR = re.compile(r"(?:TM|KT|TL|TUQ|Q)\s*\.")
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_]*$")


def mark_tail(blocks: list[Block]) -> tuple[list[Block], str | None]:
    at = max((i for i, b in enumerate(blocks) if _starts_recipients(b)), default=None)
    start = max(0, at - 3) if at is not None else max(0, len(blocks) - 6)
    end = _tail_end(blocks, at if at is not None else start)
    tail = [piece for block in blocks[start:end] for piece in _tail_pieces(block)]
    tail, signer = _tail_kinds(tail, start_at_recipients=at is not None)
    return blocks[:start] + _merge_runs(tail) + blocks[end:], signer


def _starts_recipients(block: Block) -> bool:
    kinds = ("body", "heading", "table", "list_item")
    return block.kind in kinds and RECIPIENTS.match(fold(block.text[:12])) is not None


def _tail_end(blocks: list[Block], at: int) -> int:
    """The signature block ends where long paragraphs start again (annexes after the signature)."""
    for i in range(at + 1, len(blocks)):
        block = blocks[i]
        if block.kind == "table" or (len(block.text) > LIST_ITEM_MAX_CHARS and block.kind != "footnote"):
            return i
    return len(blocks)


def _tail_pieces(block: Block) -> Iterator[Block]:
    """A layout table at the foot (recipients | signer) as one block per cell; the signer's cell as
    its title and the name under it."""
    if block.kind != "table" or not _starts_recipients(block):
        yield block
        return
    cells = [cell for row in block.rows for cell in row if cell] if block.rows else [block.text]
    for cell in cells:
        if RECIPIENTS.match(fold(cell[:12])):
            yield dataclasses.replace(block, text=cell, kind="recipients", rows=())
            continue
        title, name = _split_signer_cell(cell)
        if title:
            yield dataclasses.replace(block, text=title, kind="signer_title", rows=())
        if name:
            yield dataclasses.replace(block, text=name, kind="signature", rows=())


def _split_signer_cell(text: str) -> tuple[str, str]:
    words = text.split()
    cut = next((i for i, w in enumerate(words) if not is_upper(w) and any(c.isalpha() for c in w)), len(words))
    return " ".join(words[:cut]), " ".join(words[cut:])


def _tail_kinds(tail: list[Block], start_at_recipients: bool) -> tuple[list[Block], str | None]:
    """Kinds in the signature block, which ends with the signer's name: what follows is an annex."""
    marked: list[Block] = []
    in_recipients, name_expected = False, start_at_recipients
    for at, block in enumerate(tail):
        kind = _tail_kind(block, in_recipients, name_expected)
        in_recipients = kind == "recipients" or (in_recipients and kind == block.kind)
        name_expected = name_expected or kind == "signer_title"
        marked.append(dataclasses.replace(block, kind=kind))
        if kind == "signature":
            return marked + tail[at + 1 :], _person_name(block.text)
    return marked, None


def _tail_kind(block: Block, in_recipients: bool, name_expected: bool) -> str:
    if block.kind not in ("body", "list_item", "heading"):
        return block.kind
    if RECIPIENTS.match(fold(block.text[:12])):
        return "recipients"
    if _is_signer_title(block.text):
        return "signer_title"
    if name_expected and _person_name(block.text):
        return "signature"
    if in_recipients and is_list_line(block):
        return "recipients"
    return block.kind


def _is_signer_title(text: str) -> bool:
    folded = fold(text)
    words = text.split()
    return (
        len(text) <= 120
        and is_upper(text)
        and letters(text) >= 5
        and (len(words) >= 2 or _SIGNING_FOR.match(folded) is not None)
        and not text.endswith((";", ","))
    )


def _person_name(text: str) -> str | None:
    """A name of two to five capitalised words (`Nguyễn Ngọc Phúc`), OCR's stray marks around it dropped."""
    words = text.strip(" '\"‘’“”.,:;-_|").split()
    if not 2 <= len(words) <= 5:
        return None
    if all(_NAME_WORD.match(w) and w[0].isupper() and w[1:] == w[1:].lower() for w in words):
        return " ".join(words)
    return None


def _merge_runs(blocks: list[Block]) -> list[Block]:
    """Recipients listed line by line, a signer's title over several lines: one block each."""
    merged: list[Block] = []
    for block in blocks:
        if block.kind in ("recipients", "signer_title") and merged and merged[-1].kind == block.kind:
            merged[-1] = dataclasses.replace(merged[-1], text=f"{merged[-1].text} {block.text}")
        else:
            merged.append(block)
    return merged
