"""The one error an import raises: the upload is not a CV this package can read."""

from career_kit.errors import InvalidArgument


class ImportFailed(InvalidArgument):
    """The file cannot be read as a CV (not a PDF, DOCX or LinkedIn export, damaged, encrypted,
    too large once unpacked, or without any text). `detail` says which, in plain English."""

    problem_type = "cv-import-failed"

    def __init__(self, message: str) -> None:
        super().__init__(message)
