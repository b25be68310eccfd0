"""End-to-end throughput of `reportflow run`: a first run over generated reports, then an unchanged re-run.

Usage: python tests/bench/bench_flow.py [FILES]   (default 500)
Prints wall time and files per second for both runs and, for scale, a bare
Prefect flow with no work (the embedded API's start-up cost on this machine).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from timing import EMPTY_FLOW, REPORTFLOW, timed


def write_reports(folder: Path, count: int) -> None:
    folder.mkdir()
    for i in range(count):
        body = f"Nội dung báo cáo số {i} về tình hình kinh tế, xã hội của địa phương trong tháng. " * 6
        text = f"Báo cáo số {i}\nNgày: 17.07.2017\n{body}\nCác đơn vị thực hiện nghiêm chế độ báo cáo.\nLâm Văn Ảnh"
        (folder / f"bao-cao-{i:05d}.txt").write_text(text, encoding="utf-8")


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_reports(root / "in", count)
        bare = timed([sys.executable, "-c", EMPTY_FLOW])
        first = timed([str(REPORTFLOW), "run", str(root / "in"), str(root / "out"), "--no-progress"])
        again = timed([str(REPORTFLOW), "run", str(root / "in"), str(root / "out"), "--no-progress"])
    print(f"bare Prefect flow (start-up only): {bare:6.2f} s")
    print(f"first run, {count} files:          {first:6.2f} s  {count / first:7.1f} files/s")
    print(f"unchanged re-run:                  {again:6.2f} s  {count / again:7.1f} files/s")
    print(f"first run minus start-up:          {first - bare:6.2f} s  {count / (first - bare):7.1f} files/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
