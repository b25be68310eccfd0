"""What Prefect costs: the same documents through `reportflow run` and through a plain loop over the same steps.

Usage: python tests/bench/bench_orchestration.py [DOCUMENTS]   (default 1000)

The documents are copies of the corpus's Word and text-PDF samples, each made unique (a
docx with its own core-properties comment, a PDF with a trailing comment line) so that
none is skipped as already seen. Printed, from one run:
- the flow: `reportflow run` as a user starts it (Python, Prefect's embedded API, the flow);
- the same steps without Prefect (discover, select, parse in the same worker processes,
  dedup, write), in a fresh Python process;
- Prefect's start-up alone (a flow that does nothing), `reportflow run` over an empty folder
  (the command's own start-up), and for scale a one-process loop
  of the bare parse function.
"""

from __future__ import annotations

import io
import itertools
import os
import sys
import tempfile
from pathlib import Path

import docx
from timing import EMPTY_FLOW, REPORTFLOW, timed

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
PLAIN_PIPELINE = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from reportflow.flows.steps.assemble import Tally, assemble_batch
from reportflow.flows.steps.dedup import DedupSettings
from reportflow.flows.steps.dedup_index import load_index
from reportflow.flows.steps.isolation import WorkerSettings, parse_in_workers, worker_pools
from reportflow.flows.steps.inventory import InventorySettings, take_inventory
from reportflow.flows.steps.listing import list_source
from reportflow.flows.steps.store import DatasetStore
source, dest = Path(sys.argv[1]), Path(sys.argv[2])
store = DatasetStore(dest)
with store.locked(), worker_pools():
    listing, now = list_source(source), datetime.now(UTC)
    todo = take_inventory(
        listing, {}, store.known_documents(), store.fingerprints(), "plain", now, InventorySettings(0)
    ).todo
    index, tally, settings = load_index(store), Tally(), WorkerSettings()
    for seq in range(0, len(todo), 16):
        results = parse_in_workers(todo[seq : seq + 16], settings)
        batch = assemble_batch(results, index, "plain", datetime.now(UTC), tally, DedupSettings())
        store.commit(f"plain-{seq:06d}", datetime.now(UTC).date(), batch)
print(tally.documents)
"""
BARE_LOOP = """
import sys
from reportflow.flows.steps.parse import parse_source
from reportflow.flows.steps.sources import discover
print(sum(1 for source in discover(__import__("pathlib").Path(sys.argv[1])) if parse_source(source)))
"""


def samples() -> list[Path]:
    chosen = [CORPUS / "seed" / "seed.docx", CORPUS / "seed" / "seed.pdf"]
    chosen += sorted((CORPUS / "public").rglob("*.docx"))[:6] + sorted((CORPUS / "public").rglob("*.pdf"))[:4]
    return [p for p in chosen if p.stat().st_size < 300_000]


def unique_copy(sample: Path, n: int) -> bytes:
    if sample.suffix == ".docx":
        document = docx.Document(str(sample))
        document.core_properties.comments = f"benchmark copy {n}"
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()
    return sample.read_bytes() + f"\n%benchmark copy {n}\n".encode()


def write_documents(folder: Path, count: int) -> None:
    folder.mkdir()
    sources = itertools.cycle(s for s in samples() if _readable(s))
    for n, sample in zip(range(count), sources, strict=False):
        (folder / f"{n:05d}-{sample.name}").write_bytes(unique_copy(sample, n))


def _readable(sample: Path) -> bool:
    try:
        unique_copy(sample, 0)
    except Exception:
        return False
    return True


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_documents(root / "in", count)
        bare = timed([sys.executable, "-c", EMPTY_FLOW])
        (root / "none").mkdir()
        empty = timed([str(REPORTFLOW), "run", str(root / "none"), str(root / "empty"), "--no-progress"])
        flow = timed([str(REPORTFLOW), "run", str(root / "in"), str(root / "flow"), "--no-progress"])
        plain = timed([sys.executable, "-c", PLAIN_PIPELINE, str(root / "in"), str(root / "plain")])
        loop = timed([sys.executable, "-c", BARE_LOOP, str(root / "in")])
    print(f"{count} documents (copies of {len(samples())} Word and text-PDF samples), {os.cpu_count()} cores")
    print(f"  reportflow run (Prefect flow):        {flow:7.2f} s  {count / flow:6.1f} docs/s")
    print(f"  same steps without Prefect:           {plain:7.2f} s  {count / plain:6.1f} docs/s")
    print(f"  flow / plain:                         {flow / plain:7.2f}x  (target <= 1.10)")
    print(f"  Prefect start-up alone (empty flow):  {bare:7.2f} s")
    print(f"  reportflow run over an empty folder:  {empty:7.2f} s  (its API server starts first)")
    print(f"  flow minus that start-up / plain:     {(flow - empty) / plain:7.2f}x")
    print(f"  for scale, one-process parse loop:    {loop:7.2f} s  {count / loop:6.1f} docs/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
