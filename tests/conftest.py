from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
# The suite's files are made a moment before each run: no waiting for them to settle (test_changes.py
# tests settling with the option itself).
os.environ.setdefault("REPORTFLOW_SETTLE_SECONDS", "0")


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


@pytest.fixture(scope="session", autouse=True)
def shared_prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One Prefect home for every `reportflow` command the suite starts (see `cli_helpers.cli_env`)."""
    from tests.cli_helpers import SHARED_PREFECT_HOME

    home = tmp_path_factory.mktemp("prefect-home")
    os.environ[SHARED_PREFECT_HOME] = str(home)
    yield home
    os.environ.pop(SHARED_PREFECT_HOME, None)
