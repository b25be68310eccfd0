"""Text normalisation shared by every parser."""

from __future__ import annotations

import re
import unicodedata

# ZWJ and ZWNJ stay: they change how Arabic, Indic and emoji text reads.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad\u180e"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_SPACE_RUN = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFC, invisible characters dropped, every run of Unicode white space one space, stripped."""
    text = text.translate(_INVISIBLE)
    text = _CONTROL.sub("", text)
    text = _SPACE_RUN.sub(" ", text)
    return unicodedata.normalize("NFC", text).strip()
