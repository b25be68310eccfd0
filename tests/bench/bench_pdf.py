"""PDF parser speed against pdfplumber's own `page.extract_words()` on the same pages, in the same run.

Usage: python tests/bench/bench_pdf.py [CORPUS_DIR]   (default ../shared/corpus)
Text-layer PDFs are those the MANIFEST calls `text_pdf`, plus seed.pdf. Each figure is the best of a few runs.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pdfplumber
from timing import best_of

from reportflow.parsers.formats.pdf import parse_pdf

REPEATS = 3


def extract_words_only(data: bytes) -> int:
    count = 0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            count += len(page.extract_words())
            page.close()
    return count


def text_pdfs(corpus: Path) -> list[Path]:
    with (corpus / "public" / "MANIFEST.tsv").open(encoding="utf-8") as manifest:
        rows = csv.DictReader(manifest, delimiter="\t")
        paths = [corpus / "public" / row["path"] for row in rows if row["kind"] == "text_pdf"]
    return [corpus / "seed" / "seed.pdf", *sorted(paths)]


def main(corpus: Path) -> None:
    print(f"{'file':58} {'pages':>5} {'words ms':>9} {'ours ms':>9} {'ratio':>6}")
    total_pages, total_words, total_ours = 0, 0.0, 0.0
    for path in text_pdfs(corpus):
        data = path.read_bytes()
        try:
            pages = parse_pdf(data).page_count or 0
        except Exception as e:
            print(f"{path.name[-58:]:58} skipped: {type(e).__name__}: {e}")
            continue
        words_s = best_of(lambda d=data: extract_words_only(d), REPEATS)
        ours_s = best_of(lambda d=data: parse_pdf(d), REPEATS)
        total_pages, total_words, total_ours = total_pages + pages, total_words + words_s, total_ours + ours_s
        print(f"{path.name[-58:]:58} {pages:5d} {words_s * 1e3:9.1f} {ours_s * 1e3:9.1f} {ours_s / words_s:6.2f}")
    print(
        f"{'all':58} {total_pages:5d} {total_words * 1e3:9.1f} {total_ours * 1e3:9.1f} {total_ours / total_words:6.2f}"
    )
    print(f"pages/s: extract_words {total_pages / total_words:.1f}, reportflow {total_pages / total_ours:.1f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared" / "corpus")
