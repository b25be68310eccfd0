"""Inputs that once crashed a parser under `make fuzz`: each must now parse or be refused with a typed error."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportflow.parsers import parse_document
from reportflow.schemas import ParsedDocument, ReportflowError

REGRESSIONS = sorted(p for p in (Path(__file__).parent / "fuzz" / "regressions").glob("*") if p.name != "README.md")
# What each input gives today: an `error_type`, or PARSED. A new input gets its line here when it is added.
PARSED = "parsed"
OUTCOMES = {
    "docx-damaged-deflate": "corrupt",
    "docx-negative-seek": "corrupt",
    "pdf-broken-page-tree": "corrupt",
    "pdf-ocr-empty-word": "no_text",
}
READ_BY_OCR = {"pdf-ocr-empty-word"}


def _case(path: Path) -> object:
    marks = [pytest.mark.needs_tesseract] if path.name in READ_BY_OCR else []
    return pytest.param(path, id=path.name, marks=marks)


def test_every_regression_input_has_its_outcome_listed() -> None:
    assert sorted(p.name for p in REGRESSIONS) == sorted(OUTCOMES)


@pytest.mark.parametrize("path", [_case(p) for p in REGRESSIONS])
def test_former_fuzz_crash_is_parsed_or_refused_with_a_typed_error(path: Path) -> None:
    try:
        document = parse_document(path.read_bytes())
    except ReportflowError as e:
        assert type(e) is not ReportflowError, "refused without a type of its own"
        assert (e.error_type, str(e).endswith(".")) == (OUTCOMES.get(path.name), True), str(e)
        return
    assert OUTCOMES.get(path.name) == PARSED
    assert isinstance(document, ParsedDocument)
    assert document.blocks and all(b.text.strip() for b in document.blocks)
