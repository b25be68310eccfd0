"""One writer, many parsers: paragraphs per second through dedup, assembly and commit, on one core.

Usage: python tests/bench/bench_writer.py [PARAGRAPHS] [ARCHIVE]   (default 20000, an empty DEST)

The flow's process flags and writes every batch the parsing workers hand it, one batch at a time; this
is the ceiling of a run however many workers parse. Synthetic parse results (documents of 40 paragraphs
of random words, 30% of them exact or near copies of earlier ones) go through `assemble_batch` and
`DatasetStore.commit` in batches of 50 documents; with ARCHIVE (made by gen_archive.py) they are written
into a copy of it (hard links: nothing rewrites a file in place), its index loaded first (the load is not
counted). Reported: paragraphs per CPU second
of this process, and per wall second.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from gen_archive import random_texts, vocabulary

from reportflow.flows.steps.assemble import Tally, assemble_batch
from reportflow.flows.steps.dedup_index import load_index
from reportflow.flows.steps.parse import Parsed
from reportflow.flows.steps.sources import SourceFile
from reportflow.flows.steps.store import DatasetStore
from reportflow.schemas import Block, ParsedDocument

PER_DOC = 40
BATCH = 50


def night(paragraphs: int, seed: int = 3) -> list[Parsed]:
    rng, pick = np.random.default_rng(seed), random.Random(seed)
    texts = random_texts(paragraphs, rng, vocabulary(rng))
    for i in range(len(texts)):
        if i > 100 and pick.random() < 0.3:
            earlier = texts[pick.randrange(i)]
            texts[i] = earlier.upper() if pick.random() < 0.5 else earlier.replace("a", "o", 1)
    results = []
    for start in range(0, len(texts), PER_DOC):
        blocks = tuple(Block(t) for t in texts[start : start + PER_DOC])
        doc_id = hashlib.sha256(f"night-{start}".encode()).hexdigest()
        source = SourceFile(f"/night/{start:09d}.txt", 10_000, 0, doc_id)
        results.append(Parsed(source, doc_id, ParsedDocument("txt", "text", blocks, language="vi")))
    return results


def main() -> None:
    paragraphs = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory(dir=Path(sys.argv[2]).parent if len(sys.argv) > 2 else None) as scratch:
        dest = Path(scratch) / "dest"
        if len(sys.argv) > 2:
            shutil.copytree(sys.argv[2], dest, copy_function=os.link)  # nothing rewrites a file in place
        store = DatasetStore(dest)
        index, tally, results = load_index(store), Tally(), night(paragraphs)
        now = datetime.now(UTC)
        cpu, wall = time.process_time(), time.monotonic()
        for seq, start in enumerate(range(0, len(results), BATCH)):
            batch = assemble_batch(results[start : start + BATCH], index, "bench", now, tally)
            store.commit(f"bench-{seq:05d}", now.date(), batch)
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    print(
        f"{tally.paragraphs} paragraphs ({tally.duplicates} flagged duplicates): "
        f"{tally.paragraphs / cpu:,.0f} paragraphs per CPU second, {tally.paragraphs / wall:,.0f} per wall second"
    )


if __name__ == "__main__":
    main()
