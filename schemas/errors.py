"""One exception type per `error_type` code of the `errors` dataset."""


class ReportflowError(Exception):
    """An input could not be ingested."""

    error_type = "error"


class EmptyFileError(ReportflowError):
    """The file has no bytes, or only white space."""

    error_type = "empty_file"


class CorruptFileError(ReportflowError):
    """The file claims a format but its content is damaged."""

    error_type = "corrupt"


class UnsupportedFormatError(ReportflowError):
    """The file's format is not one reportflow reads."""

    error_type = "unsupported_format"


class NoTextError(ReportflowError):
    """The file is well formed but holds no text."""

    error_type = "no_text"


class TooLargeError(ReportflowError):
    """The file exceeds a configured size limit."""

    error_type = "too_large"


class EncryptedError(ReportflowError):
    """The file needs a password to be read."""

    error_type = "encrypted"


class OcrFailedError(ReportflowError):
    """The OCR engine could not read the file, or is not installed."""

    error_type = "ocr_failed"


class ConverterMissingError(ReportflowError):
    """The program that converts the file (LibreOffice for .doc) is not installed."""

    error_type = "converter_missing"


class ConversionFailedError(ReportflowError):
    """The external converter could not convert the file."""

    error_type = "conversion_failed"


class TimedOutError(ReportflowError):
    """Reading the file took longer than its time limit."""

    error_type = "timeout"


class UnreadableError(ReportflowError):
    """The file or folder could not be read or listed (the OS error is in the message)."""

    error_type = "unreadable"
