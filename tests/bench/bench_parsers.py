"""Parser speed against the raw libraries, measured in the same run.

Usage: python tests/bench/bench_parsers.py [CORPUS_DIR]   (default ../shared/corpus)
Prints, per file, the best of several timings of the raw library read and of
reportflow's parse (detection, normalisation, structure included), and the ratio.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import docx
from timing import best_of

from reportflow.parsers import parse_document

REPEATS = 5


def raw_docx(data: bytes) -> object:
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return texts, cells


def raw_text(data: bytes) -> object:
    return [line.strip() for line in data.decode("utf-8").splitlines() if line.strip()]


def main(corpus: Path) -> None:
    files = sorted(corpus.rglob("*.docx")) + sorted(corpus.rglob("seed.txt"))
    print(f"{'file':60} {'raw ms':>9} {'ours ms':>9} {'ratio':>7}")
    total_raw = total_ours = 0.0
    for path in files:
        data = path.read_bytes()
        raw = raw_docx if path.suffix == ".docx" else raw_text
        try:
            raw(data)
            parse_document(data)
        except Exception as e:  # e.g. Strict OOXML, which python-docx alone cannot open
            print(f"{path.name[:60]:60} skipped: {type(e).__name__}")
            continue
        raw_s, ours_s = best_of(lambda d=data, r=raw: r(d), REPEATS), best_of(lambda d=data: parse_document(d), REPEATS)
        total_raw, total_ours = total_raw + raw_s, total_ours + ours_s
        print(f"{path.name[:60]:60} {raw_s * 1e3:9.2f} {ours_s * 1e3:9.2f} {ours_s / raw_s:7.2f}")
    print(f"{'all files':60} {total_raw * 1e3:9.2f} {total_ours * 1e3:9.2f} {total_ours / total_raw:7.2f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared" / "corpus")
