"""File names as `source_uri` text: any byte string a file system allows, kept losslessly as valid UTF-8.

The rule (the one `file://` URIs follow for the bytes they cannot carry): a name's bytes are read as
UTF-8; every byte that is not part of a valid UTF-8 sequence becomes `%XX` (upper-case hex), and so
does `%` itself (`%25`), so that a `%` in a `source_uri` always starts an escape and decoding is
unambiguous. Everything else, a newline included, stays as it is. A name that is valid UTF-8 and
holds no `%` is therefore unchanged. Plain functions.
"""

from __future__ import annotations

import os
from urllib.parse import unquote_to_bytes


def encode_name(path: str | bytes) -> str:
    """A path (as the OS gave it: bytes, or text with surrogate escapes) as lossless UTF-8 text."""
    raw = path if isinstance(path, bytes) else os.fsencode(path)
    parts, start = [], 0
    while start < len(raw):
        try:
            parts.append(raw[start:].decode("utf-8").replace("%", "%25"))
            break
        except UnicodeDecodeError as e:
            parts.append(raw[start : start + e.start].decode("utf-8").replace("%", "%25"))
            parts.append("".join(f"%{b:02X}" for b in raw[start + e.start : start + e.end]))
            start += e.end
    return "".join(parts)


def decode_name(uri_path: str) -> str:
    """The path a `source_uri`'s local path names, as the OS takes it (surrogate escapes for undecodable bytes)."""
    return os.fsdecode(unquote_to_bytes(uri_path))
