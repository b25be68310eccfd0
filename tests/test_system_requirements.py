"""A missing LibreOffice or Tesseract skips its tests on a developer's machine and fails them in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import system


@pytest.mark.parametrize("ci", ["", "false"])
def test_outside_ci_a_missing_program_skips(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.skip.Exception, match="LibreOffice"):
        system.require_soffice()


@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_in_ci_a_missing_program_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        system.require_soffice()


def test_missing_language_data_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(system, "TESSERACT_LANGUAGES", ("vie", "xyz"))
    with pytest.raises(pytest.fail.Exception, match="no language data for xyz: install tesseract-ocr-xyz"):
        system.require_tesseract()
