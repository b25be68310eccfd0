"""Finding input files and fingerprinting their bytes. Plain functions, no Prefect."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlparse

from reportflow.schemas import SeenFileRecord

_CHUNK = 1 << 20


class SourceError(Exception):
    """SOURCE or DEST cannot be used."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    uri: str
    path: Path
    size: int
    mtime_ns: int = 0
    doc_id: str | None = None


def local_path(location: str) -> Path:
    """A local path from a path or `file://` URI; other schemes are not supported yet."""
    parsed = urlparse(location)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme and len(parsed.scheme) > 1:
        raise SourceError(f"{parsed.scheme}:// locations are not supported yet; use a local path")
    return Path(location)


def discover(source: Path, exclude: Path | None = None) -> list[SourceFile]:
    """Every regular file under SOURCE in sorted `source_uri` order.

    Hidden files and folders, Word's `~$` lock files and DEST (when it lies
    inside SOURCE) are left out.
    """
    source = source.absolute()
    if source.is_file():
        return [_source_file(source)]
    if not source.is_dir():
        raise SourceError(f"SOURCE {source} does not exist")
    skip = exclude.absolute() if exclude else None
    found = []
    for folder, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if not d.startswith(".") and Path(folder, d) != skip]
        for name in files:
            path = Path(folder, name)
            if not name.startswith((".", "~$")) and path.is_file():
                found.append(_source_file(path))
    return sorted(found, key=lambda f: f.uri)


def _source_file(path: Path) -> SourceFile:
    status = path.stat()
    return SourceFile(uri=str(path), path=path, size=status.st_size, mtime_ns=status.st_mtime_ns)


def select_new(
    files: list[SourceFile], known: set[str], fingerprints: dict[str, SeenFileRecord]
) -> tuple[list[SourceFile], list[SeenFileRecord]]:
    """Files whose bytes were never ingested (of byte-identical files only the first), and fingerprints
    for the skipped files that had none. A file whose size and mtime match its fingerprint is not read."""
    todo, learned, seen = [], [], set(known)
    for source in files:
        cached = fingerprints.get(source.uri)
        if cached and (cached.size_bytes, cached.mtime_ns) == (source.size, source.mtime_ns) and cached.doc_id in known:
            continue
        try:
            doc_id = file_digest(source.path)
        except OSError:
            todo.append(source)  # parsing reports why it cannot be read
            continue
        if doc_id in seen:
            learned.append(fingerprint(source, doc_id))
        else:
            seen.add(doc_id)
            todo.append(replace(source, doc_id=doc_id))
    return todo, learned


def fingerprint(source: SourceFile, doc_id: str) -> SeenFileRecord:
    return SeenFileRecord(source_uri=source.uri, size_bytes=source.size, mtime_ns=source.mtime_ns, doc_id=doc_id)


def file_digest(path: Path) -> str:
    """sha256 hex of a file's bytes, read in chunks: the `doc_id`."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
