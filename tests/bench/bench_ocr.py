"""OCR throughput (1 and 2 worker processes), our overhead beside the plain `tesseract` command on the
same page images, and character error rates against the corpus's ground truth — all in one run.

Usage: python tests/bench/bench_ocr.py [CORPUS_DIR] [MAX_PAGES]   (defaults ../shared/corpus, 16)
"""

from __future__ import annotations

import csv
import difflib
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image

import reportflow.parsers.ocr.tesseract as tesseract
from reportflow.parsers import parse_document
from reportflow.parsers.formats.image import scan_dpi
from reportflow.parsers.formats.pdf import PageRenderer
from reportflow.parsers.ocr.tesseract import DEFAULT_LANGUAGES, RENDER_DPI, OcrSettings, ocr_page

SCANNED = {"scanned_pdf", "image", "mixed_pdf", "ocr_layer_pdf"}


def page_images(corpus: Path, limit: int, folder: Path) -> list[tuple[Path, float]]:
    """PNG files of the first `limit` scanned pages of the corpus, with their resolution."""
    with (corpus / "public" / "MANIFEST.tsv").open(encoding="utf-8") as manifest:
        files = [
            corpus / "public" / r["path"] for r in csv.DictReader(manifest, delimiter="\t") if r["kind"] in SCANNED
        ]
    pages: list[tuple[Path, float]] = []
    for path in [corpus / "seed" / "seed_scan.pdf", *sorted(files)]:
        for image, dpi in _render(path):
            if len(pages) >= limit:
                return pages
            target = folder / f"page-{len(pages):03d}.png"
            image.save(target, dpi=(dpi, dpi))
            pages.append((target, dpi))
    return pages


def _render(path: Path) -> list[tuple[Image.Image, float]]:
    if path.suffix.lower() != ".pdf":
        image = Image.open(path)
        return [(image.convert("L"), scan_dpi(image))]
    renderer = PageRenderer(path.read_bytes())
    rendered = [renderer.render(index) for index in range(len(pdfium.PdfDocument(path)))]
    renderer.close()
    return rendered


def _ocr_one(job: tuple[str, float]) -> tuple[float, int]:
    """Seconds for one page, and how many times Tesseract read it (2: turned by orientation and read again)."""
    path, dpi = job
    reads = 0
    read_words = tesseract._read_words

    def counted(*args: Any) -> Any:
        nonlocal reads
        reads += 1
        return read_words(*args)

    tesseract._read_words = counted
    start = time.perf_counter()
    ocr_page(Image.open(path), dpi, 1, OcrSettings())
    tesseract._read_words = read_words
    return time.perf_counter() - start, reads


def ours(pages: list[tuple[Path, float]], workers: int) -> tuple[float, list[tuple[float, int]]]:
    jobs = [(str(path), dpi) for path, dpi in pages]
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        per_page = pool.map(_ocr_one, jobs, chunksize=1)
    return time.perf_counter() - start, per_page


def plain_tesseract(pages: list[tuple[Path, float]]) -> list[float]:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    times = []
    for path, _ in pages:
        start = time.perf_counter()
        subprocess.run(
            ["tesseract", str(path), "stdout", "-l", DEFAULT_LANGUAGES], capture_output=True, env=env, check=True
        )
        times.append(time.perf_counter() - start)
    return times


_TYPOGRAPHY = str.maketrans({"‐": "-", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})


def folded(text: str) -> str:
    """Whitespace, dash and quote styles and ligatures (NFKC) folded: typography, not recognition."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY).split())


def cer(got: str, expected: str) -> float:
    got, expected = folded(got), folded(expected)
    matcher = difflib.SequenceMatcher(None, got, expected, autojunk=False)
    edits = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal")
    return edits / max(1, len(expected))


def truths(corpus: Path) -> list[tuple[Path, str]]:
    found = []
    for name in ("seed_scan.png", "seed_scan.pdf"):
        blocks = json.loads((corpus / "seed" / f"{name}.truth.json").read_text(encoding="utf-8"))["blocks"]
        found.append((corpus / "seed" / name, "\n".join(b["text"] for b in blocks)))
    linn = (corpus / "public/ocrmypdf/linn.gt.txt").read_text()
    found += [(corpus / "public/ocrmypdf" / name, linn) for name in ("linn.pdf", "skew.pdf")]
    for name in ("ocr_test", "ocr_test_rotated_90"):
        markdown = (corpus / f"public/docling/{name}.tesseract.full_page.gt.md").read_text(encoding="utf-8")
        found.append((corpus / f"public/docling/{name}.pdf", _plain_markdown(markdown)))
    markdown = (corpus / "public/unstructured/layout-parser-paper-with-table.jpg.gt.md").read_text(encoding="utf-8")
    found.append((corpus / "public/unstructured/layout-parser-paper-with-table.jpg", _plain_markdown(markdown)))
    return found


def _plain_markdown(markdown: str) -> str:
    return re.sub(r"[#*|`!-]+", " ", re.sub(r"<[^>]+>", " ", markdown))


def plain_text(path: Path, folder: Path) -> str:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    texts = []
    for i, (image, dpi) in enumerate(_render(path)):
        target = folder / f"truth-{path.stem}-{i}.png"
        image.save(target, dpi=(dpi, dpi))
        run = subprocess.run(
            ["tesseract", str(target), "stdout", "-l", DEFAULT_LANGUAGES], capture_output=True, env=env
        )
        texts.append(run.stdout.decode())
    return "\n".join(texts)


def main(corpus: Path, limit: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pages = page_images(corpus, limit, folder)
        (one, per_page), (two, _), cli_pages = ours(pages, 1), ours(pages, 2), plain_tesseract(pages)
        cli = sum(cli_pages)
        print(f"{len(pages)} scanned pages at {RENDER_DPI} dpi (page images written once, same for all)")
        print(f"  ours, 1 worker:   {one:6.1f} s  {len(pages) / one:5.2f} pages/s")
        print(f"  ours, 2 workers:  {two:6.1f} s  {len(pages) / two:5.2f} pages/s  ({one / two:.2f}x one worker)")
        print(f"  tesseract CLI:    {cli:6.1f} s  {len(pages) / cli:5.2f} pages/s  (ours/CLI {one / cli:.2f})")
        for label, wanted in [("read once", lambda r: r == 1), ("turned and read again", lambda r: r > 1)]:
            chosen = [i for i, (_, reads) in enumerate(per_page) if wanted(reads)]
            mine, theirs = sum(per_page[i][0] for i in chosen), sum(cli_pages[i] for i in chosen)
            print(f"    pages {label} ({len(chosen)}): ours {mine:5.1f} s, CLI {theirs:5.1f} s", end="")
            print(f"  (ours/CLI {mine / theirs:.2f})" if theirs else "")
        print("character error rate against ground truth (typography folded): ours | plain tesseract")
        for path, expected in truths(corpus):
            got = "\n".join(b.text for b in parse_document(path.read_bytes()).blocks)
            print(f"  {path.name:40} {cer(got, expected):7.2%} | {cer(plain_text(path, folder), expected):7.2%}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    root = Path(arguments[0]) if arguments else Path(__file__).resolve().parents[3] / "shared" / "corpus"
    main(root, int(arguments[1]) if len(arguments) > 1 else 16)
