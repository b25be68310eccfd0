"""Where the datasets live: a local folder, or an S3 prefix. Plain functions, no Prefect.

Both give the store the same few operations on paths relative to DEST: write a whole file, move a
staged file into place, list, read, delete, and hold DEST for one run. A local folder does them with
`rename` and `flock`; S3, which has neither, with whole-object PUTs, server-side copies and a lease
taken and renewed by conditional PUTs (`If-None-Match`, `If-Match`).
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from reportflow.flows.steps.sources import is_s3, local_path, s3_filesystem
from reportflow.schemas import DestinationBusyError, StoreError

LEASE_SECONDS = 120.0
RENEW_EVERY_SECONDS = 30.0
# Our lease counts as lost this long before it runs out, so that we stop before another run may start.
LEASE_MARGIN_SECONDS = 20.0
_PRECONDITION_FAILED = {"PreconditionFailed", "412", "ConditionalRequestConflict"}


class Destination(Protocol):
    """The operations the store needs, on paths relative to DEST (`/`-separated)."""

    filesystem: pafs.FileSystem

    def __str__(self) -> str: ...
    def path(self, relative: str) -> str: ...
    def locked(self) -> Any: ...
    def ensure_held(self) -> None: ...
    def write(self, relative: str, data: bytes) -> None: ...
    def write_table(self, relative: str, table: pa.Table, row_group_size: int | None = None) -> None: ...
    def read(self, relative: str) -> bytes: ...
    def move(self, source: str, target: str) -> None: ...
    def delete(self, relative: str) -> None: ...
    def delete_tree(self, relative: str) -> None: ...
    def exists(self, relative: str) -> bool: ...
    def listing(self, folder: str, pattern: str) -> list[str]: ...
    def sizes(self, folder: str, pattern: str) -> dict[str, int]: ...
    def subfolders(self, folder: str) -> list[str]: ...


def open_destination(location: str | Path) -> Destination:
    """DEST as a local folder (a path or `file://` URI) or an `s3://bucket/prefix`."""
    if is_s3(str(location)):
        return S3Destination(str(location))
    return LocalDestination(local_path(location))


class LocalDestination:
    """A local folder: files written under a temporary name and renamed, directories fsynced."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.filesystem = pafs.LocalFileSystem()

    def __str__(self) -> str:
        return str(self.root)

    def path(self, relative: str) -> str:
        return str(self.root / relative)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold DEST for this process alone; a second run stops with `DestinationBusyError`."""
        lock = self.root / "_reportflow" / "lock"
        try:
            lock.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
        except OSError as e:
            raise StoreError(f"cannot write to {self.root}: {e.strerror}") from e
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as e:
                raise DestinationBusyError(f"another reportflow run is writing to {self.root}") from e
            yield
        finally:
            os.close(fd)

    def ensure_held(self) -> None:
        """flock holds as long as the process lives."""

    def write(self, relative: str, data: bytes) -> None:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)
        fsync_dir(target.parent)

    def write_table(self, relative: str, table: pa.Table, row_group_size: int | None = None) -> None:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as sink:
            pq.write_table(table, sink, compression="zstd", row_group_size=row_group_size)
            sink.flush()
            os.fsync(sink.fileno())

    def read(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()

    def move(self, source: str, target: str) -> None:
        destination = self.root / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        (self.root / source).replace(destination)
        fsync_dir(destination.parent)

    def delete(self, relative: str) -> None:
        (self.root / relative).unlink(missing_ok=True)

    def delete_tree(self, relative: str) -> None:
        shutil.rmtree(self.root / relative, ignore_errors=True)

    def exists(self, relative: str) -> bool:
        return (self.root / relative).exists()

    def listing(self, folder: str, pattern: str) -> list[str]:
        """Sorted paths under `folder` matching `pattern` (a glob relative to the folder)."""
        base = self.root / folder
        return sorted(str(p.relative_to(self.root)) for p in base.glob(pattern))

    def sizes(self, folder: str, pattern: str) -> dict[str, int]:
        """What `listing` lists, with each file's size in bytes."""
        base = self.root / folder
        return {str(p.relative_to(self.root)): p.stat().st_size for p in sorted(base.glob(pattern))}

    def subfolders(self, folder: str) -> list[str]:
        """Folders right under `folder`, empty ones included (a batch killed before its first file)."""
        base = self.root / folder
        return sorted(f"{folder}/{p.name}" for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


class S3Destination:
    """An S3 prefix: each file one PUT (readers see it whole or not at all), moves as server-side copies."""

    def __init__(self, location: str) -> None:
        self.root = location.removeprefix("s3://").strip("/")
        self.bucket, _, self.prefix = self.root.partition("/")
        self.filesystem = s3_filesystem()
        self._lease: S3Lease | None = None

    def __str__(self) -> str:
        return f"s3://{self.root}"

    def path(self, relative: str) -> str:
        return f"{self.root}/{relative}"

    @contextmanager
    def locked(self) -> Iterator[None]:
        lease = S3Lease(self.bucket, self._key("_reportflow/lock"), str(self))
        lease.acquire()
        self._lease = lease
        try:
            yield
        finally:
            self._lease = None
            lease.release()

    def ensure_held(self) -> None:
        if self._lease is not None:
            self._lease.ensure_held()

    def write(self, relative: str, data: bytes) -> None:
        with self.filesystem.open_output_stream(self.path(relative)) as sink:
            sink.write(data)

    def write_table(self, relative: str, table: pa.Table, row_group_size: int | None = None) -> None:
        path = self.path(relative)
        pq.write_table(table, path, filesystem=self.filesystem, compression="zstd", row_group_size=row_group_size)

    def read(self, relative: str) -> bytes:
        with self.filesystem.open_input_stream(self.path(relative)) as source:
            return bytes(source.read())

    def move(self, source: str, target: str) -> None:
        self.filesystem.copy_file(self.path(source), self.path(target))
        self.filesystem.delete_file(self.path(source))

    def delete(self, relative: str) -> None:
        if self.exists(relative):
            self.filesystem.delete_file(self.path(relative))

    def delete_tree(self, relative: str) -> None:
        """Every object under the prefix, and the empty-folder marker pyarrow may have made."""
        if self.exists(relative):
            self.filesystem.delete_dir(self.path(relative))

    def exists(self, relative: str) -> bool:
        return bool(self.filesystem.get_file_info(self.path(relative)).type != pafs.FileType.NotFound)

    def listing(self, folder: str, pattern: str) -> list[str]:
        return sorted(self.sizes(folder, pattern))

    def sizes(self, folder: str, pattern: str) -> dict[str, int]:
        """The objects under `folder` matching `pattern` (a glob relative to it) and their sizes, from one listing."""
        selector = pafs.FileSelector(self.path(folder), recursive=True, allow_not_found=True)
        base = len(self.root) + 1
        found = {info.path[base:]: info.size or 0 for info in self.filesystem.get_file_info(selector)}
        inside, depth = len(folder) + 1, folder.count("/") + pattern.count("/") + 1
        matching = (p for p in found if p.count("/") == depth and fnmatch.fnmatchcase(p[inside:], pattern))
        return {p: found[p] for p in sorted(matching)}

    def subfolders(self, folder: str) -> list[str]:
        """Prefixes right under `folder` that hold objects (S3 has no empty folders)."""
        selector = pafs.FileSelector(self.path(folder), recursive=True, allow_not_found=True)
        base, depth = len(self.root) + 1, folder.count("/") + 1
        files = [i.path[base:] for i in self.filesystem.get_file_info(selector) if i.type == pafs.FileType.File]
        return sorted({"/".join(p.split("/")[: depth + 1]) for p in files if p.count("/") > depth})

    def _key(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative


class S3Lease:
    """DEST held by one run on S3: a lock object created only if absent, renewed only if unchanged.

    A run that dies stops renewing; once its lease has run out (`LEASE_SECONDS`, by the clock of the
    run that finds it) the next run takes the lock over, again by a conditional PUT, so two runs can
    never both win it.
    """

    def __init__(self, bucket: str, key: str, display: str) -> None:
        self._bucket, self._key, self._display = bucket, key, display
        self._client = _s3_client()
        self._owner = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._etag: str | None = None
        self._held_until = 0.0
        self._lost: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def acquire(self) -> None:
        try:
            self._put(IfNoneMatch="*")
        except _Conflict:
            if not self._adopt_if_ours():
                self._take_over_if_expired()
        self._renewer = threading.Thread(target=self._renew_until_stopped, name="s3-lease", daemon=True)
        self._renewer.start()

    def ensure_held(self) -> None:
        """Raise unless the lease is ours and, by this machine's clock, still some way from running out."""
        if not self._lost and time.monotonic() > self._held_until:
            self._lost = "it could not be renewed in time"
        if self._lost:
            raise StoreError(f"lost the lock on {self._display}: {self._lost}")

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        if self._etag and not self._lost:
            with contextlib.suppress(Exception):  # a lock left behind runs out by itself
                self._client.delete_object(Bucket=self._bucket, Key=self._key, IfMatch=self._etag)

    def _take_over_if_expired(self) -> None:
        try:
            current = self._client.get_object(Bucket=self._bucket, Key=self._key)
        except self._client.exceptions.NoSuchKey:  # released meanwhile
            try:
                self._put(IfNoneMatch="*")
            except _Conflict as e:
                raise DestinationBusyError(f"another reportflow run is writing to {self._display}") from e
            return
        holder = json.loads(current["Body"].read() or b"{}")
        expires = float(holder.get("expires_at", 0))
        if time.time() < expires:
            until = time.strftime("%H:%M:%S UTC", time.gmtime(expires))
            raise DestinationBusyError(
                f"another reportflow run ({holder.get('owner')}) is writing to {self._display}"
                f" (its lease runs out at {until} unless renewed)"
            )
        try:
            self._put(IfMatch=current["ETag"])
        except _Conflict as e:
            raise DestinationBusyError(f"another reportflow run is writing to {self._display}") from e

    def _renew_until_stopped(self) -> None:
        while not self._stop.wait(RENEW_EVERY_SECONDS):
            try:
                self._put(IfMatch=self._etag)
            except _Conflict:
                if not self._adopt_if_ours():
                    self._lost = "another run took it over"
                    return
            except Exception:  # retried at the next turn; ensure_held watches the deadline
                if time.monotonic() > self._held_until:
                    return

    def _adopt_if_ours(self) -> bool:
        """A PUT that succeeded but whose answer was lost is retried and fails its condition: the lock
        then holds our own name, and its ETag is ours to use."""
        try:
            current = self._client.get_object(Bucket=self._bucket, Key=self._key)
        except Exception:  # not ours, then
            return False
        if json.loads(current["Body"].read() or b"{}").get("owner") != self._owner:
            return False
        self._etag = str(current["ETag"])
        self._held_until = time.monotonic() + LEASE_SECONDS - LEASE_MARGIN_SECONDS
        return True

    def _put(self, **condition: Any) -> None:
        started = time.monotonic()
        expires_at = time.time() + LEASE_SECONDS
        body = json.dumps({"owner": self._owner, "expires_at": expires_at}).encode()
        try:
            response = self._client.put_object(Bucket=self._bucket, Key=self._key, Body=body, **condition)
        except self._client.exceptions.ClientError as e:
            if e.response.get("Error", {}).get("Code") in _PRECONDITION_FAILED:
                raise _Conflict from e
            raise StoreError(f"cannot write to {self._display}: {e}") from e
        self._etag = str(response["ETag"])
        self._held_until = started + LEASE_SECONDS - LEASE_MARGIN_SECONDS


class _Conflict(StoreError):
    """A conditional PUT found the lock changed."""


def _s3_client() -> Any:
    import boto3  # only S3 destinations need it

    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None
    return boto3.client("s3", endpoint_url=endpoint)


def write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as sink:
        sink.write(data)
        sink.flush()
        os.fsync(sink.fileno())
    temporary.replace(path)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
