"""A stop for a test that hangs: a limit far above any normal run, never a measure of speed."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def stop_if_hung(seconds: float) -> Iterator[None]:
    """Fail the test if the block is still running after `seconds` (SIGALRM: the main thread only).

    Python checks for signals inside long regular-expression matches too, so a pattern that backtracks
    without end is stopped here rather than holding the suite.
    """

    def hung(signum: int, frame: object) -> None:
        pytest.fail(f"still running after {seconds:g} s: hung", pytrace=False)

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
