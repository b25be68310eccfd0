"""Finding input files and fingerprinting their bytes. Plain functions, no Prefect."""

from __future__ import annotations

import errno
import hashlib
import os
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO, cast
from urllib.parse import unquote, urlparse

import pyarrow.fs as pafs

from reportflow.flows.steps.names import decode_name
from reportflow.schemas import SeenFileRecord, SourceError

_CHUNK = 1 << 20
READ_ATTEMPTS, RETRY_DELAY_SECONDS = 3, 0.5
TRANSIENT_ERRNOS = {errno.EAGAIN, errno.EINTR, errno.ETIMEDOUT, errno.EBUSY, errno.ESTALE, errno.ECONNRESET}
# Why a file is not parsed: its size and mtime match its fingerprint (not even read), its bytes were
# ingested by an earlier run, or they equal an earlier file's of this run.


@dataclass(frozen=True, slots=True)
class SourceFile:
    uri: str  # an absolute local path, or s3://bucket/key
    size: int
    mtime_ns: int = 0
    doc_id: str | None = None
    previous_doc_id: str | None = None  # the document this path held before its bytes changed


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
    if not source.is_file() and not source.is_dir():
        raise SourceError(f"SOURCE {source} does not exist")
    from reportflow.flows.steps.listing import list_source  # listing builds on this module

    return list_source(source, exclude).files


def _wanted(name: str) -> bool:
    return not name.startswith((".", "~$"))


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


discover_s3 = _discover_s3


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
    return Path(decode_name(source.uri)).open("rb")


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


def fingerprint(source: SourceFile, doc_id: str) -> SeenFileRecord:
    return SeenFileRecord(source_uri=source.uri, size_bytes=source.size, mtime_ns=source.mtime_ns, doc_id=doc_id)


def file_digest(source: SourceFile) -> str:
    """sha256 hex of a file's bytes, read in chunks: the `doc_id`."""
    digest = hashlib.sha256()
    with open_source(source) as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
