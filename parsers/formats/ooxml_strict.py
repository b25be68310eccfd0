"""Strict Open XML Word packages rewritten as the transitional ones python-docx reads.

ISO 29500 Strict differs from transitional Office Open XML mostly in its namespace and
relationship-type URIs (`http://purl.oclc.org/ooxml/wordprocessingml/main` for
`http://schemas.openxmlformats.org/wordprocessingml/2006/main`), which are rewritten in
every XML part, in memory; other parts (pictures) are copied as they are. Its `start` and
`end` alignments the Word parser reads itself (newer transitional files have them too).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

STRICT_NAMESPACE = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
_STRICT_URI = re.compile(rb"http://purl\.oclc\.org/ooxml/(\w+)/(\w+)((?:/\w+)?)")
# Names that Strict spells in camel case and transitional with a hyphen.
_HYPHENATED = {b"extendedProperties": b"extended-properties", b"customProperties": b"custom-properties"}


def to_transitional(data: bytes) -> bytes:
    """The same package with transitional namespaces and relationship types."""
    return rewrite_xml_parts(data, lambda xml: _STRICT_URI.sub(_transitional_uri, xml))


def rewrite_xml_parts(package: bytes, rewrite: Callable[[bytes], bytes]) -> bytes:
    """The package with every XML part (`.xml`, `.rels`) rewritten; other parts copied as they are."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(output, "w") as target:
        for member in source.infolist():
            content = source.read(member)
            target.writestr(
                member.filename, rewrite(content) if member.filename.endswith((".xml", ".rels")) else content
            )
    return output.getvalue()


def _transitional_uri(match: re.Match[bytes]) -> bytes:
    area, name, rest = match.groups()
    rest = b"/" + _HYPHENATED.get(rest[1:], rest[1:]) if rest else b""
    return b"http://schemas.openxmlformats.org/" + area + b"/2006/" + _HYPHENATED.get(name, name) + rest
