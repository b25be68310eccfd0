"""Re-runs skip unchanged files by size and modification time, without reading them."""

from __future__ import annotations

import errno
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from reportflow.flows.steps import inventory, sources
from reportflow.flows.steps.inventory import Inventory, InventorySettings, take_inventory
from reportflow.flows.steps.listing import Listing
from reportflow.flows.steps.sources import SourceFile, discover, file_digest, fingerprint
from reportflow.flows.steps.store import Batch, DatasetStore
from reportflow.schemas import SeenFileRecord


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Báo cáo A\nNội dung.", encoding="utf-8")
    (folder / "b.txt").write_text("Báo cáo B\nNội dung khác.", encoding="utf-8")
    (folder / "c.txt").write_text("Báo cáo A\nNội dung.", encoding="utf-8")  # same bytes as a.txt
    return folder


def _inventory(files: list[SourceFile], known: set[str], prints: dict[str, SeenFileRecord]) -> Inventory:
    listing = Listing(files=files)
    return take_inventory(listing, {}, known, prints, "run", datetime.now(UTC), InventorySettings(settle_seconds=0))


def _no_reading(path: Path) -> str:
    raise AssertionError(f"{path} was read although its fingerprint matched")


def test_unchanged_files_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = discover(_folder(tmp_path))
    known = {file_digest(f) for f in files}
    prints = {f.uri: fingerprint(f, file_digest(f)) for f in files}
    monkeypatch.setattr(inventory, "file_digest", _no_reading)
    taken = _inventory(files, known, prints)
    assert (taken.todo, taken.learned) == ([], [])
    assert taken.skipped == {"unchanged": 3}


def test_touched_file_is_read_again_and_skipped_when_its_bytes_are_known(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    files = discover(folder)
    known = {file_digest(f) for f in files}
    prints = {f.uri: fingerprint(f, file_digest(f)) for f in files}
    os.utime(folder / "b.txt", ns=(1, 1))
    taken = _inventory(discover(folder), known, prints)
    assert taken.todo == []
    assert [(Path(p.source_uri).name, p.mtime_ns) for p in taken.learned] == [("b.txt", 1)]
    assert taken.skipped == {"unchanged": 2, "already_ingested": 1}


def test_byte_identical_copies_are_parsed_once(tmp_path: Path) -> None:
    taken = _inventory(discover(_folder(tmp_path)), set(), {})
    assert [Path(f.uri).name for f in taken.todo] == ["a.txt", "b.txt"]
    assert [Path(p.source_uri).name for p in taken.learned] == ["c.txt"]
    assert taken.skipped == {"same_bytes": 1}


def test_fingerprints_persist_with_the_batch_and_the_newest_wins(tmp_path: Path) -> None:
    files = discover(_folder(tmp_path))
    store = DatasetStore(tmp_path / "out")
    with store.locked():
        store.commit("r1-00000", date(2026, 11, 26), Batch(files=[fingerprint(files[0], "old")]))
        store.commit("r2-00000", date(2026, 11, 27), Batch(files=[fingerprint(files[0], "new")]))
    assert {uri: p.doc_id for uri, p in store.fingerprints().items()} == {files[0].uri: "new"}


def test_a_passing_read_error_is_tried_again_and_a_lasting_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [source] = discover(_folder(tmp_path) / "a.txt")
    real_open, failures = sources.open_source, [errno.ETIMEDOUT]

    def flaky(file: sources.SourceFile) -> Any:
        if failures:
            raise OSError(failures.pop(), "injected")
        return real_open(file)

    monkeypatch.setattr(sources, "open_source", flaky)
    monkeypatch.setattr(sources, "RETRY_DELAY_SECONDS", 0.0)
    assert sources.read_source(source) == "Báo cáo A\nNội dung.".encode()
    failures[:] = [errno.EACCES]
    with pytest.raises(PermissionError):
        sources.read_source(source)
