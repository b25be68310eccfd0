"""Legacy Word 97-2003 `.doc` through LibreOffice headless: the one module that runs LibreOffice.

Each file is converted alone, in a private temporary folder with a LibreOffice profile of its
own (parallel conversions would otherwise share one profile and its lock), under a time limit;
the `.docx` it writes is read by the Word parser, TCVN3 and VNI decoding included.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from reportflow.parsers.formats.word import parse_docx
from reportflow.schemas import ConversionFailedError, ConverterMissingError, ParsedDocument, TimedOutError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 120.0
PROGRAMS = ("soffice", "libreoffice")
_STDERR_CHARS = 300


@dataclass(frozen=True, slots=True)
class DocSettings:
    """`timeout_seconds` bounds one conversion; `program` is LibreOffice's path (found on PATH if None)."""

    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    program: str | None = None

    def __post_init__(self) -> None:
        if self.timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be positive, not {self.timeout_seconds!r}")


def parse_doc(data: bytes, settings: DocSettings = DocSettings()) -> ParsedDocument:
    """Blocks of a legacy `.doc`: converted to `.docx` by LibreOffice, then read like one."""
    parsed = parse_docx(convert_to_docx(data, settings))
    return dataclasses.replace(parsed, source_format="doc")


def convert_to_docx(data: bytes, settings: DocSettings = DocSettings(), kind: str = "doc") -> bytes:
    """The `.docx` LibreOffice makes of these `.doc` bytes (or of another format it opens, named by `kind`)."""
    program = find_program(settings)
    with tempfile.TemporaryDirectory(prefix="reportflow-doc-") as folder:
        root = Path(folder)
        source = root / f"input.{kind}"
        source.write_bytes(data)
        started = time.monotonic()
        returncode, stderr = _run(_command(program, root, source), root, settings.timeout_seconds, kind)
        output = root / "out" / "input.docx"
        if returncode != 0 or not output.is_file():
            reason = stderr.strip()[:_STDERR_CHARS] or f"exit status {returncode}, no output"
            raise ConversionFailedError(f"LibreOffice could not convert the .{kind} file ({reason}).")
        log.debug("LibreOffice converted %d bytes in %.1f s", len(data), time.monotonic() - started)
        return output.read_bytes()


def find_program(settings: DocSettings) -> str:
    """LibreOffice's path, or `ConverterMissingError`."""
    candidates = [settings.program] if settings.program else list(PROGRAMS)
    for name in candidates:
        path = shutil.which(name)
        if path:
            return path
    raise ConverterMissingError(
        "LibreOffice (soffice) is not installed; install libreoffice-writer-nogui to read .doc, .rtf and .odt files."
    )


def _command(program: str, root: Path, source: Path) -> list[str]:
    return [
        program,
        f"-env:UserInstallation={(root / 'profile').as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        "docx:MS Word 2007 XML",
        "--outdir",
        str(root / "out"),
        str(source),
    ]


def _run(command: list[str], cwd: Path, timeout: float, kind: str = "doc") -> tuple[int, str]:
    """Exit status and stderr; on time-out the whole process group goes (soffice starts soffice.bin)."""
    env = {**os.environ, "HOME": str(cwd)}
    with subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    ) as process:
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as e:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise TimedOutError(f"LibreOffice did not convert the .{kind} file within {timeout:g} s.") from e
    return process.returncode, stderr.decode("utf-8", "replace")
