"""Which parser wrote a document: the package version plus a hash of the parsing settings. Plain functions."""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version

from reportflow.parsers import ParseSettings


def parser_version(settings: ParseSettings) -> str:
    """`0.1.0+1a2b3c4d`: a new release or other OCR languages or conversion limits give another version."""
    try:
        release = version("reportflow")
    except PackageNotFoundError:  # run from a source tree that was never installed
        release = "0+unknown"
    return f"{release}+{hashlib.sha256(repr(settings).encode()).hexdigest()[:8]}"
