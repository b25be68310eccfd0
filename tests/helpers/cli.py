"""Running the real `reportflow` command and reading what it wrote."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

REPO = Path(__file__).resolve().parents[2]
REPORTFLOW = Path(sys.executable).with_name("reportflow")
SHARED_PREFECT_HOME = "REPORTFLOW_TEST_PREFECT_HOME"


def cli_env(prefect_home: Path) -> dict[str, str]:
    """The environment of a `reportflow` command: no Prefect settings of the caller's, and a Prefect home.

    Within the suite every command shares one Prefect home (`SHARED_PREFECT_HOME`, set by conftest):
    a new home costs about 9 s of database migrations on the first run in it.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = os.environ.get(SHARED_PREFECT_HOME, str(prefect_home))
    return env


def run_cli(prefect_home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPORTFLOW), "run", *args, "--no-progress"],
        capture_output=True,
        text=True,
        env=cli_env(prefect_home),
        timeout=timeout,
        check=False,
    )


def rows(dest: Path, dataset: str, order_by: str = "1") -> list[dict[str, Any]]:
    if not any((dest / dataset).rglob("*.parquet")):
        return []
    files = f"{dest}/{dataset}/**/*.parquet"
    query = f"SELECT * FROM read_parquet('{files}', hive_partitioning = true) ORDER BY {order_by}"
    relation = duckdb.sql(query)
    return [dict(zip(relation.columns, values, strict=True)) for values in relation.fetchall()]
