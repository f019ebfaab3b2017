"""Reading an existing CV into our content, without any AI: a PDF or DOCX through its text
and layout (`pdf`, `docx`, then `text_cv`), or LinkedIn's "Get a copy of your data" export
(`linkedin`). `parse_upload` is the one entry point; what it returns passes `validate_content`,
and a file it cannot read raises `ImportFailed`."""

from cv.imports import docx, linkedin, pdf
from cv.imports.errors import ImportFailed

__all__ = ["KINDS", "ImportFailed", "detect_kind", "parse_upload"]

KINDS = ("pdf", "docx", "zip")
# Each format's first bytes: "%PDF-" (anywhere in the first KiB, as readers allow), and the
# ZIP local-file header that both a DOCX and LinkedIn's export begin with.
_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"


def detect_kind(data: bytes) -> str | None:
    """"pdf", "docx" or "zip" from the file's own bytes, or None."""
    if _PDF_MAGIC in data[:1024]:
        return "pdf"
    if data.startswith(_ZIP_MAGIC):
        return "docx" if docx.is_docx(data) else "zip"
    return None


def parse_upload(data: bytes, kind: str | None = None) -> dict:
    """The CV content read from an uploaded file. `kind` is what the files service's sniffing
    reported ("pdf", "docx" or "zip"); without it the bytes decide. Raises ImportFailed for a
    file that is not a CV we can read."""
    if kind != "pdf":
        # A DOCX and an export are both ZIP archives: what is inside tells which, whatever the
        # label said.
        kind = detect_kind(data)
    if kind is None:
        raise ImportFailed("the file is not a PDF, a Word document (DOCX) or a LinkedIn export")
    if kind == "pdf":
        return pdf.content_from_pdf(data)
    if kind == "docx":
        return docx.content_from_docx(data)
    return linkedin.content_from_export(data)
