"""Reading and parsing one source file into a result or a typed failure. Plain functions."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from reportflow.flows.steps.sources import SourceFile, read_source
from reportflow.parsers import ParseSettings, parse_document
from reportflow.schemas import InputError, ParsedDocument, ParserError, TooLargeError, UnreadableError

log = logging.getLogger(__name__)
TOO_MUCH_MEMORY = "Parsing the file needed more memory than a worker may use."


@dataclass(frozen=True, slots=True)
class Parsed:
    source: SourceFile
    doc_id: str
    document: ParsedDocument


@dataclass(frozen=True, slots=True)
class Failed:
    source: SourceFile
    doc_id: str | None
    error_type: str
    message: str

    @classmethod
    def of(cls, source: SourceFile, doc_id: str | None, error: InputError) -> Failed:
        """The failure an input error describes: its code and its message."""
        return cls(source, doc_id, error.error_type, str(error))


def parse_source(source: SourceFile, settings: ParseSettings | None = None) -> Parsed | Failed:
    """Parse one file; any failure becomes a `Failed` with a stable error type."""
    try:
        data = read_source(source)
    except OSError as e:
        return Failed.of(source, None, UnreadableError(f"The file could not be read: {e.strerror or e}."))
    doc_id = hashlib.sha256(data).hexdigest()
    try:
        return Parsed(source, doc_id, parse_document(data, settings))
    except InputError as e:
        return Failed.of(source, doc_id, e)
    except MemoryError:
        return Failed.of(source, doc_id, TooLargeError(TOO_MUCH_MEMORY))
    except Exception as e:  # a library choking on malformed input must not stop the night
        log.warning("parser failed on %s", source.uri, exc_info=True)
        return Failed.of(source, doc_id, ParserError(f"The parser failed: {type(e).__name__}: {e}"))
