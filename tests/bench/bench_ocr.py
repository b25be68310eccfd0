"""OCR throughput (1 and 2 worker processes), our overhead beside the plain `tesseract` command on the
same page images, and accuracy against the corpus's ground truth — all in one run: character error rates,
the share of words wrong only by their diacritics, paragraphs read exactly (seed scans), and the issuer,
number and signer of the real Vietnamese scans read exactly (truth: tests/truth/vn_admin.json), for
reportflow with and without the AsterOCR second opinion (`reportflow-off`), and for plain `tesseract` (its
text through the same structure step).

Usage: python tests/bench/bench_ocr.py [CORPUS_DIR] [MAX_PAGES] [MAX_REAL_SCANS]   (defaults ../shared/corpus, 16, all)
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
from reportflow.parsers import ParseSettings, parse_document
from reportflow.parsers.formats.image import scan_dpi
from reportflow.parsers.formats.pdf import PageRenderer
from reportflow.parsers.formats.plaintext import parse_text
from reportflow.parsers.layout.structure import apply_structure
from reportflow.parsers.ocr.tesseract import DEFAULT_LANGUAGES, RENDER_DPI, OcrSettings, ocr_page
from reportflow.parsers.vietnamese.syllables import bare

SCANNED = {"scanned_pdf", "image", "mixed_pdf", "ocr_layer_pdf"}
READERS = {"reportflow": "auto", "reportflow-off": "off"}  # reader: its second-opinion setting


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


def _ocr_one(job: tuple[str, float, str]) -> tuple[float, int]:
    """Seconds for one page, and how many times Tesseract read it (2: turned by orientation and read again)."""
    path, dpi, second_opinion = job
    reads = 0
    read_words = tesseract._read_words

    def counted(*args: Any) -> Any:
        nonlocal reads
        reads += 1
        return read_words(*args)

    tesseract._read_words = counted
    start = time.perf_counter()
    ocr_page(Image.open(path), dpi, 1, OcrSettings(second_opinion=second_opinion))
    tesseract._read_words = read_words
    return time.perf_counter() - start, reads


def ours(
    pages: list[tuple[Path, float]], workers: int, second_opinion: str = "auto"
) -> tuple[float, list[tuple[float, int]]]:
    jobs = [(str(path), dpi, second_opinion) for path, dpi in pages]
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


def diacritics_only_share(got: str, expected: str) -> float:
    """Share of the expected words read with the right letters but wrong diacritics (`Quang` for `Quảng`)."""
    got_words, expected_words = folded(got).split(), folded(expected).split()
    matcher = difflib.SequenceMatcher(None, got_words, expected_words, autojunk=False)
    wrong = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace" and i2 - i1 == j2 - j1:
            pairs = zip(got_words[i1:i2], expected_words[j1:j2], strict=True)
            wrong += sum(a != b and bare(a).lower() == bare(b).lower() for a, b in pairs)
    return wrong / max(1, len(expected_words))


def paragraphs_exact(got: list[str], expected: list[str]) -> float:
    """Share of the truth's blocks that come out exactly as one of the blocks read."""
    read = {folded(text) for text in got}
    return sum(folded(text) in read for text in expected) / max(1, len(expected))


ADMIN_FIELDS = ("issuer", "doc_number", "signer")


def real_scans(corpus: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The Vietnamese administrative scans of the corpus with their fields' truth."""
    truth_file = Path(__file__).resolve().parents[1] / "truth" / "vn_admin.json"
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    scans = [".pdf", ".jpg", ".png", ".tif", ".tiff"]
    return [
        (corpus / "public" / name, fields)
        for name, fields in sorted(truth.items())
        if fields["is_admin_document"] and Path(name).suffix.lower() in scans
    ]


def fields_exact(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> tuple[int, int]:
    """Fields read exactly, diacritics and all, of the fields the truth has."""
    wanted = [(got.get(f), want[f]) for got, want in pairs for f in ADMIN_FIELDS if want[f] is not None]
    return sum(a == b for a, b in wanted), len(wanted)


def _fields(doc: Any) -> dict[str, Any]:
    return {f: getattr(doc, f) for f in ADMIN_FIELDS}


def accuracy(corpus: Path, folder: Path, max_scans: int) -> None:
    """Ours and plain tesseract on the same pages: errors, diacritics, paragraphs, fields, seconds per page."""
    readers = [*READERS, "tesseract"]
    rows: dict[str, dict[str, list[float]]] = {who: {} for who in readers}
    pairs: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {who: [] for who in readers}
    seconds = dict.fromkeys(readers, 0.0)
    pages = 0
    seeds = [(corpus / "seed" / name, name) for name in ("seed_scan.png", "seed_scan.pdf")]
    for path, name in seeds:
        blocks = json.loads((corpus / "seed" / f"{name}.truth.json").read_text(encoding="utf-8"))["blocks"]
        expected = [b["text"] for b in blocks]
        read = {who: _ours(path, mode)[:2] for who, mode in READERS.items()}
        theirs = _theirs(path, folder)
        for who, (got, took) in [*read.items(), ("tesseract", theirs[:2])]:
            text = "\n".join(got)
            rows[who].setdefault("cer", []).append(cer(text, "\n".join(expected)))
            rows[who].setdefault("diacritics", []).append(diacritics_only_share(text, "\n".join(expected)))
            rows[who].setdefault("paragraphs", []).append(paragraphs_exact(got, expected))
            seconds[who] += took
        pages += theirs[2]
    for path, truth in real_scans(corpus)[:max_scans]:
        docs = {who: _parsed_timed(path, mode) for who, mode in READERS.items()}
        if docs["reportflow"][0].extraction == "text_layer":
            continue  # a born-digital PDF
        for who, (doc, took) in docs.items():
            seconds[who] += took
            pairs[who].append((_fields(doc), truth))
        text, took, count = _plain_text_timed(path, folder)
        seconds["tesseract"] += took
        pages += count
        pairs["tesseract"].append((_fields(apply_structure(parse_text(text.encode()))), truth))
    print(f"accuracy on the seed scans and {len(pairs['reportflow'])} real Vietnamese scans ({pages} pages):")
    print("  reader           CER(seeds)  diacritics-only words  paragraphs exact  fields exact  s/page")
    for who in readers:
        ok, total = fields_exact(pairs[who])
        mean = {key: sum(values) / len(values) for key, values in rows[who].items()}
        print(
            f"  {who:15}  {mean['cer']:9.2%}  {mean['diacritics']:21.2%}  {mean['paragraphs']:16.0%}"
            f"  {ok:3}/{total:<3} {ok / max(1, total):4.0%}  {seconds[who] / max(1, pages):6.2f}"
        )
    for (got, want), (plain, _) in zip(pairs["reportflow"], pairs["tesseract"], strict=True):
        for f in ADMIN_FIELDS:
            if want[f] is not None and got[f] != want[f]:
                print(f"    miss {f}: {got[f]!r} (plain: {plain[f]!r}), truth {want[f]!r}")


def _ours(path: Path, second_opinion: str) -> tuple[list[str], float, int]:
    doc, took = _parsed_timed(path, second_opinion)
    return [b.text for b in doc.blocks], took, 0


def _parsed_timed(path: Path, second_opinion: str) -> tuple[Any, float]:
    settings = ParseSettings(ocr=OcrSettings(second_opinion=second_opinion))
    start = time.perf_counter()
    doc = parse_document(path.read_bytes(), settings)
    return doc, time.perf_counter() - start


def _theirs(path: Path, folder: Path) -> tuple[list[str], float, int]:
    text, took, count = _plain_text_timed(path, folder)
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()], took, count


def _plain_text_timed(path: Path, folder: Path) -> tuple[str, float, int]:
    """Plain tesseract's text of every page, the seconds it took (rendering aside), and the page count."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    texts, took = [], 0.0
    images = _render(path)
    for i, (image, dpi) in enumerate(images):
        target = folder / f"plain-{path.stem}-{i}.png"
        image.save(target, dpi=(dpi, dpi))
        start = time.perf_counter()
        run = subprocess.run(["tesseract", str(target), "stdout", "-l", "vie+eng"], capture_output=True, env=env)
        took += time.perf_counter() - start
        texts.append(run.stdout.decode())
    return "\n".join(texts), took, len(images)


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


def main(corpus: Path, limit: int, max_scans: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pages = page_images(corpus, limit, folder)
        (one, per_page), (two, _), cli_pages = ours(pages, 1), ours(pages, 2), plain_tesseract(pages)
        one_off, _ = ours(pages, 1, "off")
        cli = sum(cli_pages)
        print(f"{len(pages)} scanned pages at {RENDER_DPI} dpi (page images written once, same for all)")
        print(f"  ours, 1 worker:   {one:6.1f} s  {len(pages) / one:5.2f} pages/s")
        print(f"  ours, 1 worker, no second opinion: {one_off:6.1f} s  (ours/CLI {one_off / cli:.2f})")
        print(f"  ours, 2 workers:  {two:6.1f} s  {len(pages) / two:5.2f} pages/s  ({one / two:.2f}x one worker)")
        print(f"  tesseract CLI:    {cli:6.1f} s  {len(pages) / cli:5.2f} pages/s  (ours/CLI {one / cli:.2f})")
        for label, wanted in [("read once", lambda r: r == 1), ("turned and read again", lambda r: r > 1)]:
            chosen = [i for i, (_, reads) in enumerate(per_page) if wanted(reads)]
            mine, theirs = sum(per_page[i][0] for i in chosen), sum(cli_pages[i] for i in chosen)
            print(f"    pages {label} ({len(chosen)}): ours {mine:5.1f} s, CLI {theirs:5.1f} s", end="")
            print(f"  (ours/CLI {mine / theirs:.2f})" if theirs else "")
        accuracy(corpus, folder, max_scans)
        print("character error rate against ground truth (typography folded): ours | no second opinion | plain")
        for path, expected in truths(corpus):
            got = ["\n".join(_ours(path, mode)[0]) for mode in READERS.values()]
            plain = cer(plain_text(path, folder), expected)
            print(f"  {path.name:40} {cer(got[0], expected):7.2%} | {cer(got[1], expected):7.2%} | {plain:7.2%}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    root = Path(arguments[0]) if arguments else Path(__file__).resolve().parents[3] / "shared" / "corpus"
    main(root, int(arguments[1]) if len(arguments) > 1 else 16, int(arguments[2]) if len(arguments) > 2 else 99)
