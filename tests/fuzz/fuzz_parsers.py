"""Coverage-guided fuzzing of the parsers with atheris (libFuzzer): `make fuzz` (MINUTES=10 by default).

Starts from the demo's sample documents (text, Word, legacy Word, PDF, scan) plus small corpus
files, mutates them, and feeds each input to `parse_document`. A typed `ReportflowError` is the
expected way to refuse bad input; any other exception, a hang past 60 s or more than 2 GB of
memory is a crash: libFuzzer stops and writes the input to `tests/fuzz/crashes/`. Fixed crashes
go to `tests/fuzz/regressions/`, which `tests/test_fuzz_regressions.py` replays in `make test`.

Usage: python tests/fuzz/fuzz_parsers.py [MINUTES]
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["reportflow", "docx", "pdfplumber", "pdfminer", "charset_normalizer"]):
    from reportflow.parsers import ParseSettings, parse_document
    from reportflow.parsers.formats.legacy_doc import DocSettings
    from reportflow.schemas import ReportflowError

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
MAX_LEN = 300_000
# LibreOffice is a separate program with its own time limit; a short one keeps the fuzzer moving.
SETTINGS = ParseSettings(doc=DocSettings(timeout_seconds=20))
# Formats the samples lack: a Word web page (notes, spanned cells), its MHTML packaging, RTF.
EXTRA_SEEDS = {
    "word-page.htm": (
        "<html><head><meta name=Generator content='Microsoft Word 12'></head><body><p class=MsoTitle>Báo cáo</p>"
        "<table><tr><td rowspan=2>1</td><td>a</td></tr><tr><td>b</td></tr></table><p class=MsoNormal>Nội dung"
        "<a href='#_ftn1'>[1]</a></p><div id=ftn1><p class=MsoFootnoteText>Ghi chú</p></div></body></html>"
    ).encode(),
    "page.mht": (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n--b\r\n'
        b'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
        b"<p class=3DMsoNormal>N=E1=BB=99i dung</p>\r\n--b--\r\n"
    ),
    "report.rtf": b"{\\rtf1\\ansi{\\fonttbl{\\f0 Times New Roman;}}\\f0 B\\u225?o c\\u225?o\\par}",
}


def one_input(data: bytes) -> None:
    with contextlib.suppress(ReportflowError):
        parse_document(data, SETTINGS)


def seeds(folder: Path) -> Path:
    samples = folder / "samples"
    subprocess.run([sys.executable, str(REPO / "samples" / "make_samples.py"), str(samples)], check=True)
    seed_dir = folder / "seeds"
    seed_dir.mkdir()
    chosen = [p for p in samples.rglob("*") if p.is_file()]
    if CORPUS.is_dir():
        chosen += [CORPUS / "seed" / name for name in ("seed.txt", "seed.docx", "seed.pdf")]
        chosen += sorted(p for p in (CORPUS / "public").rglob("*.docx") if p.stat().st_size < 60_000)[:5]
        chosen += sorted(p for p in (CORPUS / "public").rglob("*.pdf") if p.stat().st_size < 60_000)[:5]
    for n, path in enumerate(chosen):
        if path.stat().st_size <= MAX_LEN:
            shutil.copy(path, seed_dir / f"{n:03d}-{path.name}")
    for name, data in EXTRA_SEEDS.items():
        (seed_dir / name).write_bytes(data)
    return seed_dir


def main(minutes: float) -> None:
    crashes = HERE / "crashes"
    crashes.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        seed_dir = seeds(Path(tmp))
        work = Path(tmp) / "work"
        work.mkdir()
        arguments = [
            sys.argv[0],
            str(work),
            str(seed_dir),
            f"-max_total_time={round(minutes * 60)}",
            "-timeout=60",
            "-rss_limit_mb=2048",
            f"-max_len={MAX_LEN}",
            f"-artifact_prefix={crashes}/",
            "-print_final_stats=1",
        ]
        atheris.Setup(arguments, one_input)
        atheris.Fuzz()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10)
