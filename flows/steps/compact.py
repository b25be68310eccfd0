"""`reportflow compact`: each day's partition rewritten as one file per dataset, swapped in whole.

Nightly batches leave many small Parquet files. A partition's files are read, written as
one new folder under `DEST/_reportflow/compact/`, and exchanged with the live folder in
one `renameat2(RENAME_EXCHANGE)`, so a reader lists either the old files or the new file,
never both or neither. The old files are kept a while under `DEST/_reportflow/retired/`:
a reader that opened the folder just before the swap finds its listing whole, not emptied,
and fails loudly on the moved files instead of silently missing the day. The paragraphs
and the dedup index of a day are compacted together under one file name, since the index
finds paragraph texts by file. A journal written once every new folder is ready makes the
swap finish after a crash (by the next `compact` or `run`); without it the new folders are
dropped and nothing has changed. The dedup index cache is told which files replaced which, so that it
keeps its runs instead of rebuilding them (a crash in between only leaves it stale). Plain module, no Prefect.
"""

from __future__ import annotations

import ctypes
import errno
import json
import logging
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from reportflow.flows.steps.dedup_cache import follow_compaction
from reportflow.flows.steps.destination import LocalDestination, fsync_dir, write_atomic
from reportflow.flows.steps.store import DATASETS, FILE_STATES, FILES_DIR, INDEX_DIR, ROW_GROUPS, DatasetStore

log = logging.getLogger(__name__)

FOLDERS = [*DATASETS, FILE_STATES, INDEX_DIR, FILES_DIR]
_JOURNAL = "JOURNAL"
RETIRED_KEPT_SECONDS = 600
_RETIRED_NAME = re.compile(r"(\d+)-[0-9a-f]{32}")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass(frozen=True, slots=True)
class Compacted:
    partitions: int
    files_before: int
    files_after: int


def compact(root: Path) -> Compacted:
    """Rewrite every partition of DEST that has more than one file; holds DEST's lock."""
    store = DatasetStore(root)
    partitions = files_before = files_after = 0
    with store.locked():
        store.recover()
        recover_compaction(root)
        for day in _days(root):
            folders = _to_compact(root, day)
            if folders:
                files_before += sum(len(_parts(root / f / day)) for f in folders)
                _compact_day(root, day, folders)
                partitions += 1
                files_after += len(folders)
    return Compacted(partitions, files_before, files_after)


def recover_compaction(root: Path) -> None:
    """Finish a compaction whose journal was written; drop one that died before."""
    workspace = _workspace(root)
    journal = workspace / _JOURNAL
    if journal.exists():
        plan = json.loads(journal.read_text())
        _swap_all(root, plan["day"], plan["folders"], plan["name"])
        _retire(root, workspace)
    shutil.rmtree(workspace, ignore_errors=True)
    _sweep_retired(root)


def _compact_day(root: Path, day: str, folders: list[str]) -> None:
    workspace = _workspace(root)
    shutil.rmtree(workspace, ignore_errors=True)
    name = f"part-compacted-{uuid.uuid4().hex}.parquet"
    replaced = {f: [str(p.relative_to(root)) for p in _parts(root / f / day)] for f in folders}
    offsets = _paragraph_offsets(root, day) if "paragraphs" in folders else {}
    for folder in folders:
        staged = workspace / folder / day
        staged.mkdir(parents=True)
        _write_merged(_parts(root / folder / day), staged / name, ROW_GROUPS.get(folder))
        fsync_dir(staged)
    write_atomic(workspace / _JOURNAL, json.dumps({"day": day, "folders": folders, "name": name}).encode())
    fsync_dir(workspace)
    _swap_all(root, day, folders, name)
    _retire(root, workspace)
    follow_compaction(LocalDestination(root), replaced, {f: f"{f}/{day}/{name}" for f in folders}, offsets)


def _paragraph_offsets(root: Path, day: str) -> dict[str, int]:
    """Where each part's paragraphs will start in the day's compacted file, by the name of its index part."""
    offsets, rows = {}, 0
    for part in _parts(root / "paragraphs" / day):
        offsets[f"{INDEX_DIR}/{day}/{part.name}"] = rows
        rows += pq.ParquetFile(part).metadata.num_rows
    return offsets


def _swap_all(root: Path, day: str, folders: list[str], name: str) -> None:
    for folder in folders:
        live, staged = root / folder / day, _workspace(root) / folder / day
        if staged.is_dir() and not (live / name).exists():
            _exchange(staged, live)


def _retire(root: Path, workspace: Path) -> None:
    retired = _retired(root) / f"{int(time.time())}-{uuid.uuid4().hex}"
    retired.parent.mkdir(parents=True, exist_ok=True)
    workspace.rename(retired)


def _sweep_retired(root: Path) -> None:
    """Remove what `_retire` moved aside over RETIRED_KEPT_SECONDS ago; anything else there is left alone."""
    folder = _retired(root)
    expired = time.time() - RETIRED_KEPT_SECONDS
    for retired in folder.iterdir() if folder.is_dir() else []:
        named = _RETIRED_NAME.fullmatch(retired.name)
        if named and int(named[1]) < expired and retired.is_dir() and not retired.is_symlink():
            shutil.rmtree(retired, ignore_errors=True)


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders in one step where the file system can; in two renames where it cannot."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        fsync_dir(b.parent)
        return
    error = ctypes.get_errno()
    if error not in (errno.EINVAL, errno.ENOSYS):
        raise OSError(error, os.strerror(error), str(b))
    log.warning("this file system cannot swap folders in one step; readers may miss %s for a moment", b)
    parked = a.with_name(f"{a.name}.old")
    b.rename(parked)
    a.rename(b)
    parked.rename(a)


def _write_merged(parts: list[Path], target: Path, row_group_size: int | None) -> None:
    tables = [pq.read_table(part, partitioning=None) for part in parts]
    metadata = tables[0].schema.metadata
    merged = pa.concat_tables(tables, promote_options="default").replace_schema_metadata(metadata)
    with target.open("wb") as sink:
        pq.write_table(merged, sink, compression="zstd", row_group_size=row_group_size)
        sink.flush()
        os.fsync(sink.fileno())


def _to_compact(root: Path, day: str) -> list[str]:
    chosen = [f for f in FOLDERS if len(_parts(root / f / day)) > 1]
    # The index names the paragraphs file it points into: the two move together.
    if {"paragraphs", INDEX_DIR} & set(chosen):
        chosen += [f for f in ("paragraphs", INDEX_DIR) if f not in chosen and _parts(root / f / day)]
    return chosen


def _days(root: Path) -> list[str]:
    return sorted({p.name for f in FOLDERS if (root / f).is_dir() for p in (root / f).glob("ingest_date=*")})


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []


def _workspace(root: Path) -> Path:
    return root / "_reportflow" / "compact"


def _retired(root: Path) -> Path:
    return root / "_reportflow" / "retired"
