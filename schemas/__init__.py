"""Record types and Arrow schemas of the output contract (see README)."""

from reportflow.schemas.errors import (
    ConversionFailedError,
    ConverterMissingError,
    CorruptFileError,
    EmptyFileError,
    EncryptedError,
    NoTextError,
    OcrFailedError,
    ReportflowError,
    TimedOutError,
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
    SeenFileRecord,
    arrow_schema,
)

__all__ = [
    "SCHEMA_VERSION",
    "Block",
    "ConversionFailedError",
    "ConverterMissingError",
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
    "SeenFileRecord",
    "TimedOutError",
    "TooLargeError",
    "UnsupportedFormatError",
    "arrow_schema",
]
