"""What a night costs against a large archive of growing size: a run with nothing new, a night of 10,000
new paragraphs (bench_night.py), and the index's bytes on disk per paragraph.

Usage: python tests/bench/bench_scale.py PARAGRAPHS [PARAGRAPHS ...]   (e.g. 1000000 10000000)

Each archive is made by gen_archive.py under a scratch folder (kept between calls, so a size is generated
once). The run is the real `reportflow run` command on an empty SOURCE: everything it does is reading
what it needs of DEST. Reported: wall time of the command and the peak resident memory of its own
process (polled; Prefect's API server runs in a process of its own and is left out), all of it (RSS)
and its anonymous part (RssAnon: without the page cache of memory-mapped files), beside the same for an
empty DEST. Before the night, the archive's index cache is built once (its wall time, peak anonymous
memory and bytes per paragraph are reported): a generated archive comes without one. The night runs as the
build left the page cache, then again with the page cache emptied (`cold`; only as root, where
`/proc/sys/vm/drop_caches` can be written): the first night after a reboot.
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
from bench_night import anon_rss
from gen_archive import ArchiveShape, generate

from reportflow.flows.steps.dedup_cache import CACHE_DIR

SCRATCH = Path(os.environ.get("REPORTFLOW_BENCH_SCRATCH", Path(tempfile.gettempdir()) / "reportflow-scale"))
REPORTFLOW = Path(sys.executable).with_name("reportflow")
NIGHT = 10_000


def nothing_new(dest: Path) -> tuple[float, int, int]:
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
    peak, peak_anon = _peak_rss(process)
    wall = time.monotonic() - start
    _, errors = process.communicate()
    if process.returncode:
        sys.exit(f"the run failed: {errors.decode()[-2000:]}")
    for added in set((dest / "runs").rglob("*.parquet")) - before:
        added.unlink()
    return wall, peak, peak_anon


def _peak_rss(process: subprocess.Popen[bytes]) -> tuple[int, int]:
    """Peak RSS and peak RssAnon of a running process, polled."""
    watched, peak, peak_anon = psutil.Process(process.pid), 0, 0
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
            peak_anon = max(peak_anon, anon_rss(process.pid))
        except (psutil.NoSuchProcess, FileNotFoundError, StopIteration, ProcessLookupError):
            break
        time.sleep(0.02)
    return peak, peak_anon


def archive(paragraphs: int) -> Path:
    dest = SCRATCH / f"archive-{paragraphs}"
    if not (dest / "_reportflow").exists():
        shutil.rmtree(dest, ignore_errors=True)
        generate(dest, ArchiveShape(paragraphs))
    return dest


def index_bytes(dest: Path) -> int:
    return sum(f.stat().st_size for f in (dest / "_reportflow" / "index").rglob("*.parquet"))


def cache_bytes(dest: Path) -> int:
    return sum(f.stat().st_size for f in (dest / CACHE_DIR).rglob("*") if f.is_file())


def _night_script(*args: str) -> list[str]:
    command = [sys.executable, str(Path(__file__).with_name("bench_night.py")), *args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()


def build_cache(dest: Path) -> str:
    """Wall seconds and peak anonymous MB of building DEST's index cache (in a process of its own)."""
    wall, anon = _night_script(str(dest), "--build-cache")
    return f"{float(wall):>7.1f} {float(anon):>6.0f}"


def a_night(dest: Path) -> str:
    """bench_night.py's line for DEST (in a process of its own, for its own peak memory)."""
    _, wall, peak, anon, precision, recall = _night_script(str(dest), str(NIGHT))
    return f"{float(wall):>8.1f} {float(peak):>8.0f} {float(anon):>6.0f} {precision:>9} {recall:>7}"


def a_cold_night(dest: Path) -> str:
    """The night's wall seconds with the page cache emptied first (root only: `/proc/sys/vm/drop_caches`),
    what the first night after a reboot pays; '-' where the cache cannot be emptied."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return f"{'-':>6}"
    return f"{float(_night_script(str(dest), str(NIGHT))[1]):>6.1f}"


def main() -> None:
    sizes = [int(n) for n in sys.argv[1:]] or [1_000_000]
    empty = SCRATCH / "archive-0"
    shutil.rmtree(empty, ignore_errors=True)
    nothing_new(empty)  # the first run in a Prefect home migrates its database
    wall, peak, anon = nothing_new(empty)
    print("nothing new: wall s, peak RSS and RssAnon MB of the command | index cache built once: wall s, peak")
    print("RssAnon MB | a night of 10,000 paragraphs (30% copies): wall s, peak RSS and RssAnon MB, precision,")
    print("recall | bytes on disk per paragraph: index parts, index cache")
    night_head = f"{'wall':>8} {'RSS':>8} {'anon':>6} {'precision':>9} {'recall':>7}"
    head = f"{'paragraphs':>12} {'wall':>8} {'RSS':>8} {'anon':>6} | {'build':>7} {'anon':>6} | {night_head}"
    print(f"{head} | {'cold':>6} | {'index':>6} {'cache':>6}")
    dashes = f"{'-':>7} {'-':>6} | {'-':>8} {'-':>8} {'-':>6} {'-':>9} {'-':>7} | {'-':>6} | {'-':>6} {'-':>6}"
    print(f"{0:>12} {wall:>8.1f} {peak / 2**20:>8.0f} {anon / 2**20:>6.0f} | {dashes}")
    baseline = archive(ArchiveShape(0).samples)  # an archive of only the paragraphs with text: the night's baseline
    built = build_cache(baseline)
    night = f"{a_night(baseline)} | {a_cold_night(baseline)}"
    print(f"{ArchiveShape(0).samples:>12} {'-':>8} {'-':>8} {'-':>6} | {built} | {night} | {'-':>6} {'-':>6}")
    for paragraphs in sizes:
        dest = archive(paragraphs)
        wall, peak, anon = nothing_new(dest)
        built = build_cache(dest)
        per_paragraph = f"{index_bytes(dest) / paragraphs:>6.0f} {cache_bytes(dest) / paragraphs:>6.0f}"
        nothing = f"{wall:>8.1f} {peak / 2**20:>8.0f} {anon / 2**20:>6.0f}"
        print(f"{paragraphs:>12} {nothing} | {built} | {a_night(dest)} | {a_cold_night(dest)} | {per_paragraph}")


if __name__ == "__main__":
    main()
