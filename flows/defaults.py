"""Defaults of the run's settings, in a module light enough for the command line to import before
Prefect and the parsers load."""

import os

DEFAULT_BATCH_SIZE = 16
DEFAULT_TIME_LIMIT = 900.0
DEFAULT_MAX_FILE_MB = 1024.0
DEFAULT_MAX_MEMORY_MB = 1536.0
# Normalised Levenshtein similarity from which a paragraph is a near duplicate (about 5% of characters changed).
DEFAULT_THRESHOLD = 0.9
# Port of the local Prefect server `reportflow serve` starts when no PREFECT_API_URL is set.
DEFAULT_PORT = 4200
# Files modified this recently may still be being copied: they wait for the next run (0: no wait).
DEFAULT_SETTLE_SECONDS = float(os.environ.get("REPORTFLOW_SETTLE_SECONDS", "60"))
