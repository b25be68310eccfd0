"""Each stage says what it did: pages by text layer and by OCR, exact and near duplicates, `similar_to`
links and skipped files by reason, in the `runs` row and the summary the command prints."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from reportflow.flows.steps.dedup import SeenIndex, flag_document
from reportflow.flows.steps.store import DatasetStore
from reportflow.schemas import Block, ParsedDocument, RunRecord, arrow_schema
from tests.helpers import pdf_builder as pdf
from tests.helpers.cli import rows, run_cli

# Without tone marks: the PDF's standard fonts have no glyphs for them.
LONG = "So Noi vu da ban hanh 04 van ban huong dan cong tac cai cach hanh chinh."
NEAR = LONG.replace("huong", "hueng")  # one letter misread: a near copy, same figures
NEW_FIGURES = LONG.replace("04", "07")  # same words, other figures: linked, never flagged
COUNTS = (
    "files_seen",
    "files_skipped",
    "skipped_unchanged",
    "skipped_already_ingested",
    "skipped_same_bytes",
    "documents_written",
    "pages_text_layer",
    "pages_ocr",
    "exact_duplicates",
    "near_duplicates",
    "similar_to_links",
    "duplicates_flagged",
)


def _mixed_pdf(folder: Path) -> bytes:
    """Page 1 a scan (OCR'd), page 2 typed (text layer) with the report's first paragraph."""
    scan = folder / "scan.png"
    Image.new("L", (600, 800), 200).save(scan)

    def scanned(c: Canvas) -> None:
        c.drawImage(str(scan), 0, 0, width=pdf.WIDTH, height=pdf.HEIGHT)
        pdf.text(c, pdf.LEFT, 40, "Signed", 8)

    return pdf.build(scanned, lambda c: pdf.text(c, pdf.LEFT, 100, LONG))


@pytest.mark.slow
def test_runs_row_counts_what_each_stage_did(tmp_path: Path) -> None:
    source, dest = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    report = "\n\n".join(["Báo cáo tháng", LONG, LONG, NEAR, NEW_FIGURES])
    (source / "a.txt").write_text(report, encoding="utf-8")
    (source / "b.pdf").write_bytes(_mixed_pdf(tmp_path))
    (source / "c.txt").write_text(report, encoding="utf-8")  # the same bytes as a.txt

    first = run_cli(tmp_path, str(source), str(dest))
    assert first.returncode == 0, first.stderr
    os.utime(source / "a.txt", ns=(1, 1))  # touched: read again, its bytes already ingested
    second = run_cli(tmp_path, str(source), str(dest))
    assert second.returncode == 0, second.stderr

    runs = sorted(rows(dest, "runs"), key=lambda r: r["started_at"])
    assert [tuple(r[c] for c in COUNTS) for r in runs] == [
        (3, 1, 0, 0, 1, 2, 1, 1, 2, 1, 1, 3),
        (3, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0),
    ]
    assert "3 files seen, 1 already ingested, 2 documents" in first.stdout
    assert "skipped: 0 unchanged, 0 ingested before, 1 copies of another file;" in first.stdout
    assert "pages: 1 from a text layer, 1 by OCR; duplicates: 2 exact, 1 near; 1 similar_to links" in first.stdout
    assert "skipped: 2 unchanged, 1 ingested before, 0 copies of another file;" in second.stdout


def test_runs_files_written_before_the_counts_existed_still_read(tmp_path: Path) -> None:
    new = {"skipped_unchanged", "pages_ocr", "near_duplicates", "similar_to_links"}
    old_schema = pa.schema([f for f in arrow_schema(RunRecord) if f.name not in new])
    started = datetime(2026, 11, 1, tzinfo=UTC)
    old_row = {"run_id": "old", "started_at": started, "finished_at": started, "source": "/in", "status": "completed"}
    old_row |= {f.name: 1 for f in old_schema if f.name not in old_row and pa.types.is_integer(f.type)}
    part = tmp_path / "runs" / "ingest_date=2026-11-01" / "part-old.parquet"
    part.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([old_row], schema=old_schema), part)
    read = DatasetStore(tmp_path).read("runs", ["run_id", "files_seen", "pages_ocr"]).to_pylist()
    assert read == [{"run_id": "old", "files_seen": 1, "pages_ocr": None}]


def test_flagging_counts_exact_and_near_duplicates_and_links() -> None:
    texts = ("Báo cáo tháng", LONG, LONG, NEAR, NEW_FIGURES, NEAR)
    flagged = flag_document("d1", ParsedDocument("txt", "native", tuple(Block(t) for t in texts)), SeenIndex(), "r")
    # The second near copy matches the first occurrence nearly again: near copies never enter the index.
    assert (flagged.exact_duplicates, flagged.near_duplicates, flagged.similar_to_links) == (1, 2, 1)
    assert flagged.duplicate_count == sum(p.is_duplicate for p in flagged.paragraphs) == 3
