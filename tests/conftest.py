from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.cli import SHARED_PREFECT_HOME
from tests.helpers.system import require_soffice, require_tesseract

# The suite's files are made a moment before each run: no waiting for them to settle (test_changes.py
# tests settling with the option itself).
os.environ.setdefault("REPORTFLOW_SETTLE_SECONDS", "0")


@pytest.fixture(scope="session", autouse=True)
def index_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The index caches of S3 DESTs (tests/test_s3.py) kept in a temporary folder, not the user's cache."""
    folder = tmp_path_factory.mktemp("index-cache")
    before = os.environ.get("REPORTFLOW_INDEX_CACHE")
    os.environ["REPORTFLOW_INDEX_CACHE"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("REPORTFLOW_INDEX_CACHE", None)
    else:
        os.environ["REPORTFLOW_INDEX_CACHE"] = before


@pytest.fixture(scope="session", autouse=True)
def shared_prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One Prefect home for every `reportflow` command the suite starts (see `helpers.cli.cli_env`)."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ[SHARED_PREFECT_HOME] = str(home)
    yield home
    os.environ.pop(SHARED_PREFECT_HOME, None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """`needs_soffice` and `needs_tesseract`: skipped without the program, failed without it in CI."""
    if item.get_closest_marker("needs_soffice"):
        require_soffice()
    if item.get_closest_marker("needs_tesseract"):
        require_tesseract()
