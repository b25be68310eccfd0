"""Record types and Arrow schemas of the output contract (see README)."""

from reportflow.schemas.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedError,
    NoTextError,
    OcrFailedError,
    ReportflowError,
    TooLargeError,
    UnsupportedFormatError,
)
from reportflow.schemas.records import (
    SCHEMA_VERSION,
    Block,
    DocumentRecord,
    ErrorRecord,
    ParagraphRecord,
    ParsedDocument,
    RunRecord,
    arrow_schema,
)

__all__ = [
    "SCHEMA_VERSION",
    "Block",
    "CorruptFileError",
    "DocumentRecord",
    "EmptyFileError",
    "EncryptedError",
    "ErrorRecord",
    "NoTextError",
    "OcrFailedError",
    "ParagraphRecord",
    "ParsedDocument",
    "ReportflowError",
    "RunRecord",
    "TooLargeError",
    "UnsupportedFormatError",
    "arrow_schema",
]
