"""Every file under SOURCE accounted for: what each file's state is this run, and what to parse.

The `files` dataset holds one row per file and change of state; a file's current state is its latest
row (by `seen_at`). A run writes a row only when a file's state changed: a file whose latest row already
says `ingested`, `same_bytes_as` or `unchanged` with the same bytes, size and mtime gets no new row, so an
unchanged archive costs no rows at all. Plain functions, no Prefect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from reportflow.flows.steps.listing import UNREADABLE, Listing
from reportflow.flows.steps.parse import Failed, Parsed
from reportflow.flows.steps.sources import SourceFile, file_digest, fingerprint
from reportflow.schemas import (
    ConverterMissingError,
    ErrorRecord,
    FileRecord,
    OcrFailedError,
    SeenFileRecord,
    TimedOutError,
    UnreadableError,
    WorkerDiedError,
)

# A file's state while it holds a current document.
HOLDS_DOCUMENT = ("ingested", "same_bytes_as", "unchanged")
# Failures that a new attempt at the same bytes may cure; after this many nights they are left alone too.
TRANSIENT_ERRORS = frozenset(
    error.error_type
    for error in (TimedOutError, WorkerDiedError, UnreadableError, OcrFailedError, ConverterMissingError)
)
TRANSIENT_ATTEMPTS = 3
# Why a listed file was not parsed although it can be: the `runs` columns `skipped_*`.
UNCHANGED, ALREADY_INGESTED, SAME_BYTES = "unchanged", "already_ingested", "same_bytes"


@dataclass(frozen=True, slots=True)
class InventorySettings:
    settle_seconds: float = 60.0
    retry_errors: bool = False


@dataclass(slots=True)
class Inventory:
    """What a run does with each listed file, and the `files` rows it already knows it will write."""

    todo: list[SourceFile] = field(default_factory=list)
    learned: list[SeenFileRecord] = field(default_factory=list)
    rows: list[FileRecord] = field(default_factory=list)
    copies: list[SourceFile] = field(default_factory=list)  # same bytes as a file parsed in this run
    errors: list[ErrorRecord] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    left_alone: int = 0
    not_settled: int = 0
    removed: int = 0
    removal_note: str | None = None


def current_states(rows: Iterable[FileRecord]) -> dict[str, FileRecord]:
    """Each file's latest row."""
    return {row.source_uri: row for row in sorted(rows, key=lambda r: r.seen_at)}


def take_inventory(
    listing: Listing,
    states: dict[str, FileRecord],
    known: set[str],
    fingerprints: dict[str, SeenFileRecord],
    run_id: str,
    now: datetime,
    settings: InventorySettings = InventorySettings(),
) -> Inventory:
    """Decide every listed file's fate: skipped (unchanged, left alone, not settled), or parsed."""
    inventory, seen_bytes = Inventory(), set(known)
    settled_before = now.timestamp() * 1e9 - settings.settle_seconds * 1e9
    row = _RowMaker(states, run_id, now, inventory)
    for source in listing.files:
        state = states.get(source.uri)
        if settings.settle_seconds > 0 and source.mtime_ns > settled_before:
            inventory.not_settled += 1
            row.add(source, "not_settled", state.doc_id if state and state.status in HOLDS_DOCUMENT else None)
        elif not settings.retry_errors and _left_alone(source, state):
            inventory.left_alone += 1
        else:
            _sort_out(source, state, known, seen_bytes, fingerprints, inventory, row)
    for problem in listing.problems:
        state = states.get(problem.uri)
        if not problem.is_folder and not settings.retry_errors and _stat_failed_for_good(state):
            inventory.left_alone += 1
            continue
        inventory.errors.append(ErrorRecord(problem.uri, None, UNREADABLE, problem.message, run_id, now))
        if not problem.is_folder:
            row.add(SourceFile(problem.uri, 0), "error", None, error_type=UNREADABLE, size_known=False)
    _record_removed(listing, states, inventory, row)
    return inventory


def _sort_out(
    source: SourceFile,
    state: FileRecord | None,
    known: set[str],
    seen_bytes: set[str],
    fingerprints: dict[str, SeenFileRecord],
    inventory: Inventory,
    row: _RowMaker,
) -> None:
    cached = fingerprints.get(source.uri)
    if cached and (cached.size_bytes, cached.mtime_ns) == (source.size, source.mtime_ns) and cached.doc_id in known:
        row.add(source, "unchanged", cached.doc_id)
        inventory.skipped[UNCHANGED] += 1
        return
    try:
        doc_id = file_digest(source)
    except OSError:
        inventory.todo.append(source)  # parsing reports why it cannot be read
        return
    if doc_id in known:
        inventory.skipped[ALREADY_INGESTED] += 1
        inventory.learned.append(fingerprint(source, doc_id))
        held_before = state is not None and state.doc_id == doc_id
        row.add(source, "unchanged" if held_before else "same_bytes_as", doc_id)
    elif doc_id in seen_bytes:
        inventory.skipped[SAME_BYTES] += 1
        inventory.learned.append(fingerprint(source, doc_id))
        inventory.copies.append(replace(source, doc_id=doc_id))
    else:
        seen_bytes.add(doc_id)
        previous = state.doc_id if state and state.doc_id != doc_id and state.status != "error" else None
        inventory.todo.append(replace(source, doc_id=doc_id, previous_doc_id=previous))


def _left_alone(source: SourceFile, state: FileRecord | None) -> bool:
    """A file that failed for good with these very size and mtime is not tried again."""
    if state is None or state.status != "error" or state.error_type is None:
        return False
    if (state.size_bytes, state.mtime_ns) != (source.size, source.mtime_ns):
        return False
    return state.error_type not in TRANSIENT_ERRORS or state.attempts >= TRANSIENT_ATTEMPTS


def _stat_failed_for_good(state: FileRecord | None) -> bool:
    """A file whose `stat` failed on as many runs as a passing failure gets is left alone until it works."""
    return (
        state is not None
        and (state.status, state.error_type, state.size_bytes) == ("error", UNREADABLE, None)
        and state.attempts >= TRANSIENT_ATTEMPTS
    )


def _record_removed(listing: Listing, states: dict[str, FileRecord], inventory: Inventory, row: _RowMaker) -> None:
    listed = {f.uri for f in listing.files} | {p.uri for p in listing.problems}
    hidden = [folder.rstrip("/") + "/" for folder in listing.unlisted_folders()]
    gone = [
        state
        for uri, state in states.items()
        if state.status != "removed"
        and listing.holds(uri)
        and uri not in listed
        and not any(uri.startswith(h) for h in hidden)
    ]
    if not gone:
        return
    if listing.source_failed or not listing.files:
        why = listing.source_failed or "SOURCE listed no files"
        inventory.removal_note = f"{why} while an earlier run saw {len(gone)} there: nothing recorded as removed."
        return
    for state in gone:
        inventory.removed += 1
        inventory.rows.append(replace(state, status="removed", run_id=row.run_id, seen_at=row.now, attempts=0))


def outcome_rows(
    results: Sequence[Parsed | Failed], states: dict[str, FileRecord], run_id: str, now: datetime
) -> list[FileRecord]:
    """The `files` rows of parsed files, committed with their documents and errors."""
    inventory = Inventory()
    row = _RowMaker(states, run_id, now, inventory)
    for result in results:
        if isinstance(result, Parsed):
            row.add(result.source, "ingested", result.doc_id, force=True)
        else:
            row.add(result.source, "error", result.doc_id, error_type=result.error_type, force=True)
    return inventory.rows


def copy_rows(
    copies: Sequence[SourceFile], failures: dict[str, str], states: dict[str, FileRecord], run_id: str, now: datetime
) -> list[FileRecord]:
    """Files holding the same bytes as a file parsed this run: `same_bytes_as` its document, or its error
    (FAILURES: the error type of each doc_id that failed this run)."""
    inventory = Inventory()
    row = _RowMaker(states, run_id, now, inventory)
    for copy in copies:
        error_type = failures.get(copy.doc_id or "")
        status = "same_bytes_as" if error_type is None else "error"
        row.add(copy, status, copy.doc_id, error_type=error_type, force=True)
    return inventory.rows


@dataclass(slots=True)
class _RowMaker:
    states: dict[str, FileRecord]
    run_id: str
    now: datetime
    inventory: Inventory

    def add(
        self,
        source: SourceFile,
        status: str,
        doc_id: str | None,
        *,
        error_type: str | None = None,
        size_known: bool = True,
        force: bool = False,
    ) -> None:
        state = self.states.get(source.uri)
        if not force and _same_state(state, source, status, doc_id, error_type):
            return
        attempts = 0
        if status == "error":
            mtime_ns = source.mtime_ns if size_known else None
            again = state is not None and state.status == "error" and state.mtime_ns == mtime_ns
            attempts = (state.attempts if state and again else 0) + 1
        self.inventory.rows.append(
            FileRecord(
                source_uri=source.uri,
                size_bytes=source.size if size_known else None,
                modified_at=datetime.fromtimestamp(source.mtime_ns / 1e9, UTC) if size_known else None,
                doc_id=doc_id,
                status=status,
                run_id=self.run_id,
                seen_at=self.now,
                mtime_ns=source.mtime_ns if size_known else None,
                error_type=error_type,
                attempts=attempts,
            )
        )


def _same_state(
    state: FileRecord | None, source: SourceFile, status: str, doc_id: str | None, error_type: str | None
) -> bool:
    if state is None or (state.size_bytes, state.mtime_ns, state.doc_id) != (source.size, source.mtime_ns, doc_id):
        return False
    if status == "unchanged":
        return state.status in HOLDS_DOCUMENT
    return (state.status, state.error_type) == (status, error_type)
