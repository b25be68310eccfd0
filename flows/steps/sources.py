"""Finding input files and fingerprinting their bytes. Plain functions, no Prefect."""

from __future__ import annotations

import errno
import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import BinaryIO, cast
from urllib.parse import unquote, urlparse

import pyarrow.fs as pafs

from reportflow.schemas import SeenFileRecord, SourceError

_CHUNK = 1 << 20
READ_ATTEMPTS, RETRY_DELAY_SECONDS = 3, 0.5
TRANSIENT_ERRNOS = {errno.EAGAIN, errno.EINTR, errno.ETIMEDOUT, errno.EBUSY, errno.ESTALE, errno.ECONNRESET}
# Why a file is not parsed: its size and mtime match its fingerprint (not even read), its bytes were
# ingested by an earlier run, or they equal an earlier file's of this run.
UNCHANGED, ALREADY_INGESTED, SAME_BYTES = "unchanged", "already_ingested", "same_bytes"


@dataclass(frozen=True, slots=True)
class SourceFile:
    uri: str  # an absolute local path, or s3://bucket/key
    size: int
    mtime_ns: int = 0
    doc_id: str | None = None


def local_path(location: str | Path) -> Path:
    """A local path from a path or `file://` URI; s3:// and other schemes are refused."""
    parsed = urlparse(str(location))
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme and len(parsed.scheme) > 1:
        raise SourceError(f"{parsed.scheme}:// locations are not supported here; use a local path")
    return Path(location)


def is_s3(location: str | Path) -> bool:
    return str(location).startswith("s3://")


def discover(location: str | Path, exclude: str | Path | None = None) -> list[SourceFile]:
    """Every file under SOURCE (a local file or folder, or an s3:// prefix) in sorted `source_uri` order.

    Hidden files and folders, Word's `~$` lock files and DEST (when it lies
    inside SOURCE) are left out.
    """
    if is_s3(location):
        return _discover_s3(str(location), str(exclude) if exclude and is_s3(str(exclude)) else None)
    source = local_path(location).absolute()
    if source.is_file():
        return [_source_file(source)]
    if not source.is_dir():
        raise SourceError(f"SOURCE {source} does not exist")
    skip = Path(exclude).absolute() if exclude and not is_s3(str(exclude)) else None
    found = []
    for folder, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if not d.startswith(".") and Path(folder, d) != skip]
        for name in files:
            path = Path(folder, name)
            if _wanted(name) and path.is_file():
                found.append(_source_file(path))
    return sorted(found, key=lambda f: f.uri)


def _wanted(name: str) -> bool:
    return not name.startswith((".", "~$"))


def _source_file(path: Path) -> SourceFile:
    status = path.stat()
    return SourceFile(uri=str(path), size=status.st_size, mtime_ns=status.st_mtime_ns)


def _discover_s3(location: str, exclude: str | None) -> list[SourceFile]:
    filesystem, prefix = s3_filesystem(), location.removeprefix("s3://").rstrip("/")
    skip = exclude.removeprefix("s3://").strip("/") + "/" if exclude else None
    try:
        top = filesystem.get_file_info(prefix)
        if top.type == pafs.FileType.File:
            infos = [top]
        elif top.type == pafs.FileType.Directory:
            infos = filesystem.get_file_info(pafs.FileSelector(prefix, recursive=True))
        else:
            raise SourceError(f"SOURCE {location} does not exist")
    except OSError as e:
        raise SourceError(f"SOURCE {location} cannot be listed: {e}") from e
    found = [
        SourceFile(uri=f"s3://{info.path}", size=info.size, mtime_ns=info.mtime_ns or 0)
        for info in infos
        if info.type == pafs.FileType.File
        and not any(not _wanted(part) for part in info.path.split("/"))
        and not (skip and info.path.startswith(skip))
    ]
    return sorted(found, key=lambda f: f.uri)


@cache
def s3_filesystem() -> pafs.S3FileSystem:
    """S3 with the standard AWS settings: credentials, region, and AWS_ENDPOINT_URL for S3-compatible stores."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")
    if not endpoint:
        return pafs.S3FileSystem(region=region)
    parsed = urlparse(endpoint)
    return pafs.S3FileSystem(region=region, endpoint_override=parsed.netloc, scheme=parsed.scheme or "https")


def open_source(source: SourceFile) -> BinaryIO:
    """The file's bytes as a stream; S3 reads are retried by pyarrow on transient errors."""
    if is_s3(source.uri):
        return cast(BinaryIO, s3_filesystem().open_input_stream(source.uri.removeprefix("s3://")))
    return Path(source.uri).open("rb")


def read_source(source: SourceFile, attempts: int = READ_ATTEMPTS) -> bytes:
    """The file's bytes; a read that fails for a passing reason (a busy or timed-out network mount) is tried again."""
    for attempt in range(1, attempts + 1):
        try:
            with open_source(source) as stream:
                return stream.read()
        except OSError as e:
            if e.errno not in TRANSIENT_ERRNOS or attempt == attempts:
                raise
            time.sleep(RETRY_DELAY_SECONDS * attempt)
    raise AssertionError("unreachable")


def select_new(
    files: list[SourceFile],
    known: set[str],
    fingerprints: dict[str, SeenFileRecord],
    skipped: Counter[str] | None = None,
) -> tuple[list[SourceFile], list[SeenFileRecord]]:
    """Files whose bytes were never ingested (of byte-identical files only the first), and fingerprints
    for the skipped files that had none. A file whose size and mtime match its fingerprint is not read.
    `skipped` counts the files left out by reason."""
    todo, learned, seen = [], [], set(known)
    skipped = Counter() if skipped is None else skipped
    for source in files:
        cached = fingerprints.get(source.uri)
        if cached and (cached.size_bytes, cached.mtime_ns) == (source.size, source.mtime_ns) and cached.doc_id in known:
            skipped[UNCHANGED] += 1
            continue
        try:
            doc_id = file_digest(source)
        except OSError:
            todo.append(source)  # parsing reports why it cannot be read
            continue
        if doc_id in seen:
            skipped[ALREADY_INGESTED if doc_id in known else SAME_BYTES] += 1
            learned.append(fingerprint(source, doc_id))
        else:
            seen.add(doc_id)
            todo.append(replace(source, doc_id=doc_id))
    return todo, learned


def fingerprint(source: SourceFile, doc_id: str) -> SeenFileRecord:
    return SeenFileRecord(source_uri=source.uri, size_bytes=source.size, mtime_ns=source.mtime_ns, doc_id=doc_id)


def file_digest(source: SourceFile) -> str:
    """sha256 hex of a file's bytes, read in chunks: the `doc_id`."""
    digest = hashlib.sha256()
    with open_source(source) as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
