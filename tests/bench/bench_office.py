"""The LibreOffice route per document (`.doc`, `.rtf`, `.odt`) and the HTML parser beside lxml's bare parse.

Usage: python tests/bench/bench_office.py [REPEATS] [CORPUS_DIR]   (default 2, ../shared/corpus)
Every input is made from the corpus `.docx` files by LibreOffice first (its own export, a private
profile). Prints seconds per document of `parse_document` for each LibreOffice format, then HTML
documents per second of `parse_document` and of lxml's HTML parser alone on the same files.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from timing import best_of

from reportflow.parsers import parse_document

OFFICE_TARGETS = ("doc", "rtf", "odt")


def convert(sources: list[Path], target: str, folder: Path) -> list[bytes]:
    profile = f"-env:UserInstallation={(folder / 'profile').as_uri()}"
    out = folder / target
    subprocess.run(
        ["soffice", profile, "--headless", "--convert-to", target, "--outdir", str(out), *map(str, sources)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return [path.read_bytes() for path in sorted(out.glob(f"*.{target.split(':')[0]}"))]


def seconds_per_document(files: list[bytes], repeats: int) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        for data in files:
            parse_document(data)
    return (time.perf_counter() - start) / (repeats * len(files))


def documents_per_second(action: Callable[[bytes], object], files: list[bytes], repeats: int) -> float:
    def all_files() -> None:
        for data in files:
            action(data)

    return len(files) / best_of(all_files, repeats)


def main(repeats: int, corpus: Path) -> None:
    sources = sorted(p for p in corpus.rglob("*.docx") if "Strict" not in p.name)
    with tempfile.TemporaryDirectory(prefix="bench-office-") as folder:
        root = Path(folder)
        print(f"{len(sources)} corpus .docx files, each saved by LibreOffice as:")
        for target in OFFICE_TARGETS:
            files = convert(sources, target, root)
            print(f"  .{target:4} {seconds_per_document(files, repeats):6.2f} s per document")
        pages = convert(sources, "html", root)
    ours = documents_per_second(parse_document, pages, repeats)
    bare = documents_per_second(lambda data: etree.fromstring(data, etree.HTMLParser()), pages, repeats)
    print(f"HTML ({len(pages)} pages): reportflow {ours:8.1f} documents/s, lxml parse alone {bare:8.1f}/s")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 2,
        Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parents[3] / "shared" / "corpus",
    )
