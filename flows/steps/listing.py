"""Listing SOURCE so that every file is accounted for: what could not be listed or stat'ed is a problem
to record, not a reason to stop. Plain functions, no Prefect.

Local folders are walked by hand rather than with `os.walk`: a folder that cannot be listed or a file
whose `stat` fails must be reported, a symbolic link is followed only when it stays inside SOURCE
(unless `follow_symlinks`), a link back to a folder being walked is a loop, and DEST is left out by its
real path, whatever link or `..` leads to it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from reportflow.flows.steps.names import encode_name
from reportflow.flows.steps.sources import SourceFile, discover_s3, is_s3, local_path
from reportflow.schemas import UnreadableError

UNREADABLE = UnreadableError.error_type


@dataclass(frozen=True, slots=True)
class Unlisted:
    """A file or folder under SOURCE that could not be listed or stat'ed."""

    uri: str
    message: str
    is_folder: bool = False


@dataclass(slots=True)
class Listing:
    files: list[SourceFile] = field(default_factory=list)
    problems: list[Unlisted] = field(default_factory=list)
    prefix: str = ""  # the `source_uri` every file under SOURCE starts with
    source_failed: str | None = None  # why SOURCE itself could not be listed

    def holds(self, uri: str) -> bool:
        """Whether URI lies under the SOURCE listed (a run over another folder removes nothing of this one)."""
        return uri == self.prefix or uri.startswith(self.prefix.rstrip("/") + "/")

    def unlisted_folders(self) -> list[str]:
        return [p.uri for p in self.problems if p.is_folder]


def list_source(location: str | Path, exclude: str | Path | None = None, follow_symlinks: bool = False) -> Listing:
    """Every file under SOURCE in sorted `source_uri` order, and what could not be listed."""
    if is_s3(location):
        skip = str(exclude) if exclude and is_s3(str(exclude)) else None
        prefix = str(location).rstrip("/")
        return Listing(files=discover_s3(str(location), skip), prefix=prefix)
    source = local_path(location).absolute()
    skip_real = os.path.realpath(exclude) if exclude and not is_s3(str(exclude)) else None
    listing = Listing(prefix=encode_name(str(source)))
    if source.is_file():
        listing.files.append(_source_file(str(source), source.stat()))
        return listing
    _walk(listing, str(source), skip_real, follow_symlinks)
    listing.files.sort(key=lambda f: f.uri)
    return listing


def _walk(listing: Listing, root: str, skip_real: str | None, follow_symlinks: bool) -> None:
    root_real = os.path.realpath(root)
    stack: list[tuple[str, tuple[str, ...]]] = [(root, (root_real,))]
    while stack:
        folder, ancestors = stack.pop()
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError as e:
            if folder == root:
                listing.source_failed = f"SOURCE could not be listed: {e.strerror or e}"
            listing.problems.append(Unlisted(encode_name(folder), _message("folder could not be listed", e), True))
            continue
        for entry in entries:
            if entry.name.startswith((".", "~$")):
                continue
            try:
                child = _visit(entry, root_real, skip_real, ancestors, follow_symlinks)
            except OSError as e:
                listing.problems.append(Unlisted(encode_name(entry.path), _message("file could not be stat'ed", e)))
                continue
            if isinstance(child, SourceFile):
                listing.files.append(child)
            elif child is not None:
                stack.append((entry.path, (*ancestors, child)))


def _visit(
    entry: os.DirEntry[str], root_real: str, skip_real: str | None, ancestors: tuple[str, ...], follow_symlinks: bool
) -> SourceFile | str | None:
    """The file, or the real path of a folder to walk, or None for what is left out."""
    real = os.path.realpath(entry.path) if entry.is_symlink() else None
    if real is not None and not follow_symlinks and not _inside(real, root_real):
        return None
    status = Path(entry.path).stat()  # follows links; a loop of links raises ELOOP
    if stat.S_ISREG(status.st_mode):
        return _source_file(entry.path, status)
    if not stat.S_ISDIR(status.st_mode):
        return None
    real = real or os.path.realpath(entry.path)
    if real == skip_real:
        return None
    if real in ancestors:
        raise OSError(0, f"a symbolic link loops back to {encode_name(real)}")
    return real


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _source_file(path: str, status: os.stat_result) -> SourceFile:
    return SourceFile(uri=encode_name(path), size=status.st_size, mtime_ns=status.st_mtime_ns)


def _message(what: str, error: OSError) -> str:
    return f"The {what}: {error.strerror or error}."
