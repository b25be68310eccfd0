"""Timing helper shared by the benchmark scripts (run as `python tests/bench/NAME.py`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPORTFLOW = Path(sys.executable).with_name("reportflow")
# A flow that does nothing: what Prefect's start-up alone costs in a fresh process.
EMPTY_FLOW = "from prefect import flow\n@flow\ndef nothing():\n    return 1\nnothing()\n"


def best_of(action: Callable[[], object], repeats: int = 3) -> float:
    """The fastest of several runs, in seconds: the figure least disturbed by a noisy machine."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def timed(command: list[str]) -> float:
    """Seconds one command takes, Prefect quiet; a failing command stops the benchmark with its stderr."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(command[:2])} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return time.perf_counter() - start
