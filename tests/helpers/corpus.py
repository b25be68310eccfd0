"""The shared corpus of real documents and their truth files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


def corpus_path(*parts: str) -> Path:
    """A file of ../shared/corpus; the test is skipped when the corpus is absent (a user's clone)."""
    path = CORPUS.joinpath(*parts)
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent (a user's clone); CI always has it")
    if not path.exists():
        pytest.fail(f"corpus file missing: {path}")
    return path


def load_truth(name: str) -> dict[str, Any]:
    return json.loads(corpus_path("seed", f"{name}.truth.json").read_text(encoding="utf-8"))
