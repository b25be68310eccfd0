"""Peak memory of the PDF parser on a long generated PDF, beside pdfplumber reading the same pages.

Usage: python tests/bench/bench_pdf_memory.py [PAGES]   (default 500; target: under 500 MB peak RSS)
Each measurement runs in a fresh process so that peaks do not mix.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

PARSE = """
import resource, sys
from pathlib import Path
from reportflow.parsers.formats.pdf import parse_pdf
doc = parse_pdf(Path(sys.argv[1]).read_bytes())
print(len(doc.blocks), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""
WORDS_ONLY = """
import resource, sys, pdfplumber
with pdfplumber.open(sys.argv[1]) as pdf:
    n = sum(len(page.extract_words()) for page in pdf.pages)
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def write_pdf(path: Path, pages: int) -> None:
    canvas = Canvas(str(path), pagesize=A4)
    for number in range(pages):
        canvas.setFont("Helvetica", 9)
        canvas.drawString(280, 20, f"Page {number + 1} of {pages}")
        canvas.setFont("Helvetica", 11)
        for row in range(48):
            canvas.drawString(60, 800 - row * 15, f"Line {row} of page {number}: regional report on public services.")
        canvas.showPage()
    canvas.save()


def measure(script: str, path: Path) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    return time.perf_counter() - start, result.stdout.split()[-1]


def main(pages: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.pdf"
        write_pdf(path, pages)
        size = path.stat().st_size
        words_s, words_mb = measure(WORDS_ONLY, path)
        ours_s, ours_mb = measure(PARSE, path)
    print(f"{pages}-page PDF ({size / 1e6:.1f} MB)")
    print(f"pdfplumber extract_words, all pages in one open: {words_s:6.1f} s, peak RSS {words_mb} MB")
    print(f"reportflow parse_pdf:                            {ours_s:6.1f} s, peak RSS {ours_mb} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
