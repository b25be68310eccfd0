"""The system programs some tests need: LibreOffice for `.doc`, Tesseract with its Vietnamese data for scans.

On a developer's machine a test needing a missing one is skipped; with `CI=true` it fails instead, so that
CI cannot pass with those tests all skipped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

TESSERACT_LANGUAGES = ("vie", "eng", "osd")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def missing(reason: str) -> NoReturn:
    """Skip the test here, fail it in CI."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: required, not skipped)", pytrace=False)
    pytest.skip(reason)


def require_soffice() -> str:
    """LibreOffice's `soffice`, the converter of legacy `.doc` files."""
    program = shutil.which("soffice")
    if program is None:
        missing("LibreOffice (soffice) is not installed: `make system-packages`")
    return program


def require_tesseract() -> None:
    """tesserocr, and Tesseract's data for Vietnamese, English and page orientation."""
    try:
        import tesserocr  # noqa: F401
    except ImportError as e:
        missing(f"tesserocr does not import ({e})")
    absent = [lang for lang in TESSERACT_LANGUAGES if not any(_tessdata(lang))]
    if absent:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in absent)
        missing(f"Tesseract has no language data for {'+'.join(absent)}: install {packages}")


def _tessdata(language: str) -> list[Path]:
    """Where the parser looks for language data: TESSDATA_PREFIX, then Debian's folders."""
    folders = [Path(os.environ["TESSDATA_PREFIX"])] if os.environ.get("TESSDATA_PREFIX") else []
    folders += sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata"))
    folders += [Path("/usr/share/tessdata"), Path("/usr/local/share/tessdata")]
    return [folder for folder in folders if (folder / f"{language}.traineddata").is_file()]
