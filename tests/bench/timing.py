"""Timing helper shared by the benchmark scripts (run as `python tests/bench/NAME.py`)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(action: Callable[[], object], repeats: int = 3) -> float:
    """The fastest of several runs, in seconds: the figure least disturbed by a noisy machine."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)
