"""What a night costs against a large archive of growing size: a run with nothing new, a night of 10,000
new paragraphs (bench_night.py), and the index's bytes on disk per paragraph.

Usage: python tests/bench/bench_scale.py PARAGRAPHS [PARAGRAPHS ...]   (e.g. 1000000 10000000)

Each archive is made by gen_archive.py under a scratch folder (kept between calls, so a size is generated
once). The run is the real `reportflow run` command on an empty SOURCE: everything it does is reading
what it needs of DEST. Reported: wall time of the command and the peak resident memory of its own
process (polled; Prefect's API server runs in a process of its own and is left out), beside the same
for an empty DEST.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from gen_archive import ArchiveShape, generate

SCRATCH = Path(os.environ.get("REPORTFLOW_BENCH_SCRATCH", Path(tempfile.gettempdir()) / "reportflow-scale"))
REPORTFLOW = Path(sys.executable).with_name("reportflow")
NIGHT = 10_000


def nothing_new(dest: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS bytes of a run with an empty SOURCE into DEST (a copy-free run: it adds one
    `runs` row, which is removed again so that the archive stays as generated)."""
    source = SCRATCH / "empty-source"
    source.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(SCRATCH / "prefect")
    command = [str(REPORTFLOW), "run", str(source), str(dest), "--no-progress", "--settle-seconds", "0"]
    before = set((dest / "runs").rglob("*.parquet"))
    start = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = _peak_rss(process)
    wall = time.monotonic() - start
    _, errors = process.communicate()
    if process.returncode:
        sys.exit(f"the run failed: {errors.decode()[-2000:]}")
    for added in set((dest / "runs").rglob("*.parquet")) - before:
        added.unlink()
    return wall, peak


def _peak_rss(process: subprocess.Popen[bytes]) -> int:
    watched, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    return peak


def archive(paragraphs: int) -> Path:
    dest = SCRATCH / f"archive-{paragraphs}"
    if not (dest / "_reportflow").exists():
        shutil.rmtree(dest, ignore_errors=True)
        generate(dest, ArchiveShape(paragraphs))
    return dest


def index_bytes(dest: Path) -> int:
    return sum(f.stat().st_size for f in (dest / "_reportflow" / "index").rglob("*.parquet"))


def a_night(dest: Path) -> str:
    """bench_night.py's line for DEST (in a process of its own, for its own peak memory)."""
    command = [sys.executable, str(Path(__file__).with_name("bench_night.py")), str(dest), str(NIGHT)]
    _, wall, peak, precision, recall = subprocess.run(
        command, capture_output=True, text=True, check=True
    ).stdout.split()
    return f"{float(wall):>8.1f} {float(peak):>8.0f} {precision:>9} {recall:>7}"


def main() -> None:
    sizes = [int(n) for n in sys.argv[1:]] or [1_000_000]
    empty = SCRATCH / "archive-0"
    shutil.rmtree(empty, ignore_errors=True)
    nothing_new(empty)  # the first run in a Prefect home migrates its database
    wall, peak = nothing_new(empty)
    print("nothing new: wall s, peak RSS MB of the command | a night of 10,000 paragraphs (30% copies): wall s,")
    print("peak RSS MB, precision, recall | index bytes on disk per paragraph")
    night = f"{'wall':>8} {'RSS':>8} {'precision':>9} {'recall':>7}"
    print(f"{'paragraphs':>12} {'wall':>8} {'RSS':>8} | {night} | {'B/par':>6}")
    print(f"{0:>12} {wall:>8.1f} {peak / 2**20:>8.0f} | {'-':>8} {'-':>8} {'-':>9} {'-':>7} | {'-':>6}")
    baseline = ArchiveShape(0).samples  # an archive of only the paragraphs with text: the night's baseline
    print(f"{baseline:>12} {'-':>8} {'-':>8} | {a_night(archive(baseline))} | {'-':>6}")
    for paragraphs in sizes:
        dest = archive(paragraphs)
        wall, peak = nothing_new(dest)
        per_paragraph = index_bytes(dest) / paragraphs
        print(f"{paragraphs:>12} {wall:>8.1f} {peak / 2**20:>8.0f} | {a_night(dest)} | {per_paragraph:>6.0f}")


if __name__ == "__main__":
    main()
