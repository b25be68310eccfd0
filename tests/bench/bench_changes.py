"""The nightly cost of a changing archive: a run over FILES small text files of which 1% changed,
0.1% removed and 0.1% new, beside an unchanged re-run; wall time and peak RSS of each command, and
how long the `files` bookkeeping (listing, reading the file states, deciding each file's fate) takes.

Usage: python tests/bench/bench_changes.py [FILES]   (default 100000)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from timing import REPORTFLOW

from reportflow.flows.steps.inventory import current_states, take_inventory
from reportflow.flows.steps.listing import list_source
from reportflow.flows.steps.store import DatasetStore

OLD = 1_600_000_000


def write_report(folder: Path, i: int, version: int = 0) -> None:
    path = folder / f"{i // 1000:03d}" / f"bao-cao-{i:06d}.txt"
    path.parent.mkdir(exist_ok=True)
    body = f"Nội dung báo cáo số {i} (bản {version}) về tình hình kinh tế, xã hội của địa phương trong tháng."
    path.write_text(f"Báo cáo số {i}\n{body}\nLâm Văn Ảnh", encoding="utf-8")
    os.utime(path, (OLD + version, OLD + version))


def change(folder: Path, count: int) -> None:
    for i in range(0, count, 100):  # 1% changed
        write_report(folder, i, version=1)
    for i in range(50, count, 1000):  # 0.1% removed
        next(folder.glob(f"*/bao-cao-{i:06d}.txt")).unlink()
    for i in range(count, count + max(1, count // 1000)):  # 0.1% new
        write_report(folder, i)


def measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(command[:2])} failed: {error[-3000:]}")
    return wall, usage.ru_maxrss / 1024


def bookkeeping_seconds(source: Path, dest: Path) -> tuple[float, float]:
    """Seconds of the `files` bookkeeping (listing, file states, each file's fate), and of the look-ups every
    run needed before it (fingerprints, known documents)."""
    store = DatasetStore(dest)
    start = time.perf_counter()
    known, prints = store.known_documents(), store.fingerprints()
    _ = "" in known  # read now, not inside the plan
    lookups = time.perf_counter() - start
    start = time.perf_counter()
    listing = list_source(source, exclude=dest)
    states = current_states(store.file_states())
    take_inventory(listing, states, known, prints, "bench", datetime.now(UTC))
    return time.perf_counter() - start, lookups


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source, dest = Path(tmp, "in"), Path(tmp, "out")
        source.mkdir()
        for i in range(count):
            write_report(source, i)
        run = [str(REPORTFLOW), "run", str(source), str(dest), "--no-progress", "--settle-seconds", "0"]
        first, first_rss = measured(run)
        unchanged, unchanged_rss = measured(run)
        change(source, count)
        books, lookups = bookkeeping_seconds(source, dest)
        nightly, nightly_rss = measured(run)
    print(f"first run, {count} files:                 {first:7.2f} s  peak RSS {first_rss:6.0f} MB")
    print(f"unchanged re-run:                         {unchanged:7.2f} s  peak RSS {unchanged_rss:6.0f} MB")
    print(f"1% changed, 0.1% removed, 0.1% new:       {nightly:7.2f} s  peak RSS {nightly_rss:6.0f} MB")
    print(f"  ratio to the unchanged re-run:          {nightly / unchanged:7.2f}x (target: within 2x)")
    share = f"{books / nightly:.0%} of the run (target < 20%)"
    print(f"  files bookkeeping (list, states, plan):  {books:7.2f} s = {share}")
    print(f"  fingerprints and known documents:        {lookups:7.2f} s = {lookups / nightly:.0%} (read before too)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
