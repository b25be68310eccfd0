"""Inputs that once crashed a parser under `make fuzz`: each must now parse or be refused with a typed error."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from reportflow.parsers import parse_document
from reportflow.schemas import ReportflowError

REGRESSIONS = sorted((Path(__file__).parent / "fuzz" / "regressions").glob("*"))


@pytest.mark.parametrize("path", [p for p in REGRESSIONS if p.name != "README.md"], ids=lambda p: p.name)
def test_former_fuzz_crash_is_handled(path: Path) -> None:
    with contextlib.suppress(ReportflowError):
        parse_document(path.read_bytes())
