"""A night of new paragraphs against a generated archive: wall time, peak memory, precision and recall.

Usage: python tests/bench/bench_night.py ARCHIVE [PARAGRAPHS]   (default 10000)

ARCHIVE is made by gen_archive.py and is not changed: the night is written into a copy of its
`_reportflow/index` and `paragraphs` (what dedup reads). 30% of the night's paragraphs copy one of
the archive's paragraphs with text, half exactly (case changed), half nearly (one letter in fifty
changed, digits spared); the rest are new. Everything the flow's process does for them is timed:
loading the index, flagging, assembling and committing, in batches of 50 documents of 40 paragraphs,
and the index cache absorbing the night's parts at the end.
Precision and recall are those of `duplicate_of` against the copied paragraph. Printed as one line:
paragraphs, wall seconds, peak RSS MB (this process), peak anonymous RSS MB (RssAnon: without the page
cache of memory-mapped files), precision, recall.

The copy's files are hard links (nothing rewrites a Parquet part or a cache run in place), the archive's
index cache included: build it first (`--build-cache` does only that) or the night pays for it.
"""

from __future__ import annotations

import hashlib
import os
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from gen_archive import random_texts, samples_path, vocabulary

from reportflow.flows.steps.assemble import Tally, assemble_batch
from reportflow.flows.steps.dedup_cache import CACHE_DIR, absorb_new_parts
from reportflow.flows.steps.dedup_index import load_index
from reportflow.flows.steps.parse import Parsed
from reportflow.flows.steps.sources import SourceFile
from reportflow.flows.steps.store import INDEX_DIR, DatasetStore
from reportflow.schemas import Block, ParsedDocument

PER_DOC = 40
BATCH = 50
COPIES = 0.3


def night(archive: Path, paragraphs: int, seed: int = 5) -> tuple[list[Parsed], dict[str, str]]:
    """Parse results for the night, and the archive paragraph each copied paragraph (by id) repeats."""
    samples = pq.read_table(samples_path(archive)).to_pylist()
    rng, pick = np.random.default_rng(seed), random.Random(seed)
    texts = random_texts(paragraphs, rng, vocabulary(rng))
    truth: dict[int, str] = {}
    for i in range(paragraphs):
        if pick.random() < COPIES:
            sample = pick.choice(samples)
            texts[i] = sample["text"].upper() if pick.random() < 0.5 else _noisy(sample["text"], pick)
            truth[i] = sample["paragraph_id"]
    results, copied = [], {}
    for start in range(0, paragraphs, PER_DOC):
        doc_id = hashlib.sha256(f"night-{start}".encode()).hexdigest()
        blocks = tuple(Block(t) for t in texts[start : start + PER_DOC])
        source = SourceFile(f"/night/{start:09d}.txt", 10_000, 0, doc_id)
        results.append(Parsed(source, doc_id, ParsedDocument("txt", "text", blocks, language="vi")))
        copied.update({f"{doc_id}:{i - start}": truth[i] for i in range(start, start + len(blocks)) if i in truth})
    return results, copied


def _noisy(text: str, pick: random.Random) -> str:
    chars = list(text)
    letters = [i for i, c in enumerate(chars) if c.isalpha()]
    for i in pick.sample(letters, max(1, len(letters) // 50)):
        chars[i] = "q" if chars[i] != "q" else "z"
    return "".join(chars)


def flag_night(dest: Path, results: list[Parsed], now: datetime) -> dict[str, str | None]:
    """What the flow's process does for the night in DEST: load the index, then flag, assemble and commit in
    batches. Returns the `duplicate_of` of every paragraph flagged."""
    store, tally = DatasetStore(dest), Tally()
    index = load_index(store)
    flagged = {}
    for seq, first in enumerate(range(0, len(results), BATCH)):
        batch = assemble_batch(results[first : first + BATCH], index, "night", now, tally)
        flagged.update({p.paragraph_id: p.duplicate_of for p in batch.paragraphs if p.is_duplicate})
        store.commit(f"night-{seq:05d}", now.date(), batch)
    absorb_new_parts(store)  # as the flow does when it ends
    return flagged


def precision_recall(flagged: dict[str, str | None], copied: dict[str, str]) -> tuple[float, float]:
    """Of the paragraphs flagged, the share pointing at the paragraph they copy; of the copies, the share found."""
    right = sum(1 for paragraph, earlier in flagged.items() if copied.get(paragraph) == earlier)
    return (right / len(flagged) if flagged else 1.0), right / len(copied)


def anon_rss(pid: int | str = "self") -> int:
    """Anonymous resident bytes of a process (heap, not the page cache of the files it maps)."""
    with Path(f"/proc/{pid}/status").open() as status:
        line = next(line for line in status if line.startswith("RssAnon:"))
    return int(line.split()[1]) * 1024


class AnonPeak:
    """The highest RssAnon of this process, polled by a thread while it runs."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, anon_rss())

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return max(self.peak, anon_rss())


def build_cache(archive: Path) -> None:
    """The archive's index cache, built (or brought up to date) by loading its index once."""
    with DatasetStore(archive).locked():
        load_index(DatasetStore(archive))


def main() -> None:
    archive = Path(sys.argv[1])
    if sys.argv[2:3] == ["--build-cache"]:
        anon = AnonPeak()
        start = time.monotonic()
        build_cache(archive)
        print(f"{time.monotonic() - start:.1f} {anon.stop() / 2**20:.0f}")
        return
    paragraphs = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    results, copied = night(archive, paragraphs)
    with tempfile.TemporaryDirectory(dir=archive.parent) as scratch:
        dest = Path(scratch)
        for folder in (INDEX_DIR, "paragraphs", "documents", CACHE_DIR):
            if (archive / folder).exists():
                shutil.copytree(archive / folder, dest / folder, copy_function=os.link)
        anon = AnonPeak()
        start = time.monotonic()
        flagged = flag_night(dest, results, datetime.now(UTC))
        wall = time.monotonic() - start
        peak_anon = anon.stop()
    precision, recall = precision_recall(flagged, copied)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{paragraphs} {wall:.1f} {peak:.0f} {peak_anon / 2**20:.0f} {precision:.4f} {recall:.4f}")


if __name__ == "__main__":
    main()
