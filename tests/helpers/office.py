"""Files saved by LibreOffice itself, for the tests of the formats it writes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers.system import require_soffice


def convert(docx: bytes, target: str, folder: Path) -> bytes:
    """LibreOffice's own export of a .docx, with a private profile (as `legacy_doc` runs it)."""
    soffice = require_soffice()
    (folder / "in.docx").write_bytes(docx)
    profile = f"-env:UserInstallation={(folder / 'profile').as_uri()}"
    subprocess.run(
        [soffice, profile, "--headless", "--convert-to", target, "--outdir", str(folder), str(folder / "in.docx")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (folder / f"in.{target}").read_bytes()
