"""Comparing text read from a document with the text it should give."""

from __future__ import annotations

import difflib


def character_error_rate(got: str, expected: str) -> float:
    matcher = difflib.SequenceMatcher(None, got, expected, autojunk=False)
    edits = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal")
    return edits / max(1, len(expected))
