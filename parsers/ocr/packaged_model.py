"""Model files shipped inside PyPI wheels: found in the installed distribution (whose modules are never
imported), checked against a pinned SHA-256, and run by onnxruntime on one thread."""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

import onnxruntime

from reportflow.schemas import OcrFailedError


def packaged_file(distribution: str, path: str, purpose: str) -> Path:
    """A file of an installed distribution; a clear error naming the package when it is not installed."""
    try:
        found = metadata.distribution(distribution)
    except metadata.PackageNotFoundError as e:
        raise OcrFailedError(f"The {purpose} needs the {distribution!r} package.") from e
    return Path(str(found.locate_file(path)))


def check_pinned(path: Path, wanted: str, distribution: str) -> None:
    """Refuse a missing file or one whose SHA-256 is not the pinned one (another version of the model)."""
    if not path.is_file():
        raise OcrFailedError(f"The model file {path} is missing.")
    found = sha256(path)
    if found != wanted:
        raise OcrFailedError(
            f"{path} has SHA-256 {found}, not the pinned {wanted}: another version of the"
            f" {distribution} model, refused (pin {distribution} as constraints.txt does)."
        )


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def one_thread_session(model: Path) -> onnxruntime.InferenceSession:
    """A session on one thread: parsing already runs one worker process per core."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
