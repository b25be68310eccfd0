"""The `reportflow` command line."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow.fs as pafs

from reportflow.flows.defaults import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_FILE_MB,
    DEFAULT_MAX_MEMORY_MB,
    DEFAULT_PORT,
    DEFAULT_SETTLE_SECONDS,
    DEFAULT_THRESHOLD,
    DEFAULT_TIME_LIMIT,
)
from reportflow.flows.progress import progress_callback
from reportflow.flows.steps.sources import is_s3, local_path, s3_filesystem
from reportflow.flows.temporary_api import TemporaryApi, start_temporary_api
from reportflow.schemas import DestinationBusyError, RunRecord, SettingsError, SourceError, StoreError

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "compact":
        return _compact(args.dest)
    _quiet_prefect(args.verbose)
    # Dask workers never talk to it: the parse tasks wait for them in this process.
    api = start_temporary_api() if args.command == "run" else None
    if api is not None:
        atexit.register(api.stop)  # after Prefect's own exit hooks have sent their last logs and events
    problem = _preflight(args.source, args.dest)
    if problem:
        print(f"reportflow: {problem}", file=sys.stderr)
        return EXIT_USAGE
    return _serve(args) if args.command == "serve" else _run(args, api)


def _flow_parameters(args: argparse.Namespace) -> dict[str, Any]:
    given = {
        "source": args.source,
        "dest": args.dest,
        "batch_size": args.batch_size,
        "near_threshold": args.near_threshold,
        "ocr_languages": args.ocr_languages,
        "ocr_second_opinion": args.ocr_second_opinion,
        "workers": args.workers,
        "time_limit": args.time_limit,
        "max_file_mb": args.max_file_mb,
        "max_memory_mb": args.max_memory_mb,
        "settle_seconds": args.settle_seconds,
        "retry_errors": args.retry_errors,
        "follow_symlinks": args.follow_symlinks,
        "reprocess": args.reprocess,
        "reprocess_format": args.reprocess_format,
        "reprocess_older": args.reprocess_older,
    }
    # Left out, a setting takes the flow's default (the OCR languages' lives with the OCR, which the command
    # does not import).
    return {name: value for name, value in given.items() if value is not None}


def _compact(dest: str) -> int:
    from reportflow.flows.steps.compact import compact

    if is_s3(dest):
        print("reportflow: compact works on a local DEST only (S3 has no atomic swap of files)", file=sys.stderr)
        return EXIT_USAGE
    root = local_path(dest)
    if not (root / "_reportflow").is_dir():
        print(f"reportflow: {dest} holds no reportflow datasets", file=sys.stderr)
        return EXIT_USAGE
    try:
        done = compact(root)
    except DestinationBusyError as e:
        print(f"reportflow: {e}; try again when it has finished", file=sys.stderr)
        return EXIT_BUSY
    except StoreError as e:
        print(f"reportflow: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(f"reportflow: {done.partitions} day(s) compacted: {done.files_before} files into {done.files_after}.")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from reportflow.flows.serve import serve

    try:
        parameters = _flow_parameters(args)
        serve(args.name, args.cron, args.timezone, parameters, port=args.port, dask_address=args.dask_address)
    except KeyboardInterrupt:
        return 0
    except Exception as e:
        print(f"reportflow: serving failed: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def _run(args: argparse.Namespace, api: TemporaryApi | None) -> int:
    from reportflow.flows.ingest import ingest

    cluster = {"dask_address": args.dask_address} if args.dask_address else {}
    try:
        with _progress_bar(enabled=sys.stderr.isatty() and not args.no_progress), _using(api):
            run = ingest(**_flow_parameters(args), **cluster)
    except DestinationBusyError as e:
        print(f"reportflow: {e}; try again when it has finished", file=sys.stderr)
        return EXIT_BUSY
    except (SourceError, StoreError, SettingsError) as e:
        print(f"reportflow: {e}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as e:
        print(f"reportflow: the run failed: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILED
    _print_summary(run, args.dest)
    return 0


@contextmanager
def _using(api: TemporaryApi | None) -> Iterator[None]:
    """Prefect's client pointed at our temporary server, unless a profile names a server of its own."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if api is None or PREFECT_API_URL.value() or not api.ready():
        yield
        return
    with temporary_settings(updates={PREFECT_API_URL: api.url}):
        yield


def _preflight(source: str, dest: str) -> str | None:
    """Why the run cannot start, checked before Prefect's start-up cost is paid."""
    try:
        problem = _source_problem(source) or _s3_dest_problem(dest)
        if problem or is_s3(dest):
            return problem
        root = local_path(dest)
        root.mkdir(parents=True, exist_ok=True)
    except SourceError as e:
        return str(e)
    except OSError as e:
        return f"cannot create DEST {dest}: {e.strerror}"
    if not os.access(root, os.W_OK):
        return f"DEST {dest} is not writable"
    return None


def _s3_dest_problem(dest: str) -> str | None:
    if not is_s3(dest):
        return None
    bucket = dest.removeprefix("s3://").split("/", 1)[0]
    try:
        found = s3_filesystem().get_file_info(bucket)
    except OSError as e:
        return f"DEST {dest} cannot be reached: {e}"
    return None if found.type != pafs.FileType.NotFound else f"DEST bucket {bucket} does not exist"


def _source_problem(source: str) -> str | None:
    if not is_s3(source):
        return None if local_path(source).exists() else f"SOURCE {source} does not exist"
    try:
        found = s3_filesystem().get_file_info(source.removeprefix("s3://").rstrip("/"))
    except OSError as e:
        return f"SOURCE {source} cannot be read: {e}"
    return None if found.type != pafs.FileType.NotFound else f"SOURCE {source} does not exist"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reportflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    options = _flow_options()
    run = commands.add_parser(
        "run", parents=[options], help="ingest the reports under SOURCE into Parquet datasets under DEST, once"
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    serve = commands.add_parser(
        "serve", parents=[options], help="run the ingest on a schedule, as a Prefect deployment, until interrupted"
    )
    serve.add_argument("--cron", required=True, help='when to run, as a cron expression ("0 2 * * *": 02:00 daily)')
    serve.add_argument("--timezone", help="time zone of the cron expression, e.g. Asia/Ho_Chi_Minh (UTC)")
    serve.add_argument("--name", default="nightly", help="deployment name (nightly)")
    compact = commands.add_parser(
        "compact", help="rewrite each day's many small Parquet files under DEST as one file per dataset"
    )
    compact.add_argument("dest", metavar="DEST", help="root folder of the output datasets")
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port of the local Prefect server, when one is started ({DEFAULT_PORT})",
    )
    return parser


def _flow_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "source", metavar="SOURCE", help="a file or folder: a local path, a file:// URI, or an s3://bucket/prefix"
    )
    options.add_argument(
        "dest", metavar="DEST", help="root of the output datasets: a local folder or an s3://bucket/prefix"
    )
    options.add_argument(
        "--dask-address", metavar="tcp://HOST:PORT", help="parse on this running Dask cluster instead of this machine"
    )
    options.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"files parsed and committed together ({DEFAULT_BATCH_SIZE})",
    )
    options.add_argument(
        "--near-threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="similarity (1 - edits / length of the normalised text) from which a paragraph is a near duplicate"
        f" ({DEFAULT_THRESHOLD:g})",
    )
    options.add_argument(
        "--ocr-languages", help="Tesseract languages for scans, joined by + (default: Vietnamese and English)"
    )
    options.add_argument(
        "--ocr-second-opinion",
        choices=("auto", "off"),
        help="auto: doubtful words of Vietnamese scans read again by the AsterOCR line recogniser (default auto)",
    )
    options.add_argument("--workers", type=int, help="worker processes that parse, per machine (one per core)")
    options.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT,
        help="seconds one document may take to parse before its worker is killed and it becomes a timeout error"
        f" ({DEFAULT_TIME_LIMIT:g})",
    )
    options.add_argument(
        "--max-file-mb",
        type=float,
        default=DEFAULT_MAX_FILE_MB,
        help=f"files larger than this many MB are not read and become a too_large error ({DEFAULT_MAX_FILE_MB:g})",
    )
    options.add_argument(
        "--max-memory-mb",
        type=float,
        default=DEFAULT_MAX_MEMORY_MB,
        help=f"heap one worker process may use; a document needing more becomes a too_large error"
        f" ({DEFAULT_MAX_MEMORY_MB:g})",
    )
    options.add_argument(
        "--settle-seconds",
        type=float,
        default=DEFAULT_SETTLE_SECONDS,
        help="files modified this recently may still be being copied and wait for the next run; 0: no wait"
        f" ({DEFAULT_SETTLE_SECONDS:g}, or REPORTFLOW_SETTLE_SECONDS)",
    )
    options.add_argument(
        "--retry-errors",
        action="store_true",
        help="try again files that failed for good (corrupt, encrypted, ...) although they did not change",
    )
    options.add_argument(
        "--follow-symlinks", action="store_true", help="follow symbolic links that lead outside SOURCE too"
    )
    options.add_argument(
        "--reprocess",
        action="store_true",
        help="parse the files already ingested again and write them as new versions of their documents",
    )
    options.add_argument(
        "--reprocess-format", metavar="FORMAT", help="re-parse only documents of this format (pdf, docx, ...)"
    )
    options.add_argument(
        "--reprocess-older", action="store_true", help="re-parse only documents that another parser version wrote"
    )
    options.add_argument("-v", "--verbose", action="store_true", help="show Prefect's own log lines")
    return options


def _quiet_prefect(verbose: bool) -> None:
    """Prefect's defaults for an interactive command: its INFO lines and telemetry off."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_EXTRA_LEVEL", "WARNING")


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task_id = bar.add_task("Parsing", total=None)
        token = progress_callback.set(lambda done, total: bar.update(task_id, completed=done, total=total))
        try:
            yield
        finally:
            progress_callback.reset(token)


def _print_summary(run: RunRecord, dest: str) -> None:
    from reportflow.flows.ingest import run_summary

    print(f"reportflow: {run_summary(run)}; {run.errors} errors.")
    if run.removal_note:
        print(f"reportflow: {run.removal_note}")
    print(f"Parquet datasets: {dest}/documents  {dest}/paragraphs  {dest}/errors  {dest}/runs  {dest}/files")


if __name__ == "__main__":
    sys.exit(main())
