"""A hook through which the command line shows a progress bar while a flow runs in-process."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

ProgressCallback = Callable[[int, int], None]
"""Called with (files done, files to do)."""

progress_callback: ContextVar[ProgressCallback | None] = ContextVar("progress_callback", default=None)


def report_progress(done: int, total: int) -> None:
    callback = progress_callback.get()
    if callback is not None:
        callback(done, total)
