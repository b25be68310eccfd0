"""Every exception reportflow raises, under one base.

`InputError`: one input could not be ingested; one subclass per `error_type` code of the `errors`
dataset, and the run goes on. `RunError`: the run itself cannot go on (SOURCE, DEST, the Prefect
server); the command reports it on stderr with its exit status.
"""


class ReportflowError(Exception):
    """An error raised by reportflow."""


class InputError(ReportflowError):
    """An input could not be ingested; `error_type` is its code in the `errors` dataset."""

    error_type = "error"


class EmptyFileError(InputError):
    """The file has no bytes, or only white space."""

    error_type = "empty_file"


class CorruptFileError(InputError):
    """The file claims a format but its content is damaged."""

    error_type = "corrupt"


class UnsupportedFormatError(InputError):
    """The file's format is not one reportflow reads."""

    error_type = "unsupported_format"


class NoTextError(InputError):
    """The file is well formed but holds no text."""

    error_type = "no_text"


class TooLargeError(InputError):
    """The file exceeds a configured size limit."""

    error_type = "too_large"


class EncryptedError(InputError):
    """The file needs a password to be read."""

    error_type = "encrypted"


class OcrFailedError(InputError):
    """The OCR engine could not read the file, or is not installed."""

    error_type = "ocr_failed"


class ConverterMissingError(InputError):
    """The program that converts the file (LibreOffice for .doc) is not installed."""

    error_type = "converter_missing"


class ConversionFailedError(InputError):
    """The external converter could not convert the file."""

    error_type = "conversion_failed"


class TimedOutError(InputError):
    """Reading the file took longer than its time limit."""

    error_type = "timeout"


class UnreadableError(InputError):
    """The file or folder could not be read or listed (the OS error is in the message)."""

    error_type = "unreadable"


class ParserError(InputError):
    """A library failed on the file in a way no parser foresaw."""

    error_type = "parser_error"


class WorkerDiedError(InputError):
    """The worker process parsing the file died."""

    error_type = "worker_died"


class RunError(ReportflowError):
    """The run itself cannot go on."""


class SourceError(RunError):
    """SOURCE or DEST cannot be used."""


class StoreError(RunError):
    """DEST cannot be used for output."""


class DestinationBusyError(StoreError):
    """Another run is writing to the same DEST."""


class ServerError(RunError):
    """A Prefect server did not start."""


class SettingsError(RunError, ValueError):
    """A run setting is outside its range."""
