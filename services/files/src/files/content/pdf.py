"""PDF CVs: opened with pypdf (an empty password at most), refused for active content, the
first page rendered with PDFium for the preview (documents.py says why CVs are refused rather
than cleaned)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
from pypdf import PasswordType, PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from files.content import images
from files.content.documents import (
    PREVIEW_MAX_HEIGHT,
    PREVIEW_WIDTH,
    listed,
    original_output,
    png_output,
)
from files.content.model import ContentRefused, Output, Processed

# A long CV has a few thousand objects; hundreds of thousands is a parser bomb.
MAX_PDF_OBJECTS = 200_000

# Dictionary keys and values that make a PDF do something besides showing pages.
PDF_ACTIVE_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/EmbeddedFiles": "embedded files",
    "/EF": "embedded files",
    "/XFA": "an XFA form (which carries scripts)",
}
PDF_ACTIVE_ACTIONS = {  # values of an action's /S
    "/JavaScript": "JavaScript",
    "/Launch": "a Launch action (which starts programs)",
    "/GoToE": "embedded files",
    "/RichMediaExecute": "RichMedia (Flash)",
}
PDF_ACTIVE_SUBTYPES = {  # values of an annotation's /Subtype
    "/FileAttachment": "embedded files",
    "/RichMedia": "RichMedia (Flash)",
}

PDF_OPEN_ACTION_SCRIPT = "JavaScript run on opening (/OpenAction)"

# PDFium is not thread-safe, and the service runs content processing in threads.
PDFIUM = threading.Lock()



def cv_pdf(source: Path, workdir: Path) -> Processed:
    """A PDF CV: it must open (an empty password at most), have a page, and carry no
    JavaScript, launch actions or embedded files. Outputs "original" and "preview"."""
    reader = _pdf_reader(source)
    pages = _page_count(reader)
    active = _pdf_active_content(reader)
    if active:
        raise ContentRefused(422, f"The PDF contains {listed(active)}; a CV may not carry "
                                  "active content, which recruiters' systems could run.")
    preview = _pdf_preview(source, workdir / "preview.png")
    metadata: dict[str, object] = {"pages": pages}
    title = _pdf_title(reader)
    if title:
        metadata["title"] = title
    return Processed([original_output(source, workdir, "pdf"), preview], metadata)



def _pdf_reader(source: Path) -> PdfReader:
    try:
        reader = PdfReader(source, strict=False)
        encrypted = reader.is_encrypted
    except LimitReachedError as error:
        raise ContentRefused(413, f"The PDF inflates too far to be read: {error}") from error
    except Exception as error:  # pypdf raises errors of every kind on malformed files
        raise ContentRefused(422, f"The file does not open as a PDF: {error}") from error
    if encrypted:
        _decrypt(reader)
    return reader


def _decrypt(reader: PdfReader) -> None:
    """Opens a PDF whose user password is empty (restrictions only): what a reader opens
    without asking is a CV; one that asks for a password is not readable by recruiters."""
    try:
        opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception as error:
        raise ContentRefused(422, f"The PDF is encrypted in a way we cannot open: {error}"
                             ) from error
    if not opened:
        raise ContentRefused(422, "The PDF is password-protected; upload it without a "
                                  "password so recruiters can open it.")


def _page_count(reader: PdfReader) -> int:
    try:
        pages = len(reader.pages)
    except Exception as error:
        raise ContentRefused(422, f"The PDF's pages do not read: {error}") from error
    if pages < 1:
        raise ContentRefused(422, "The PDF has no pages.")
    return pages


def _pdf_active_content(reader: PdfReader) -> set[str]:
    """What in the PDF would run or unpack, named for the refusal. Every object is looked at,
    reachable from the trailer or only listed in the cross-reference table: another reader
    may recover what pypdf skips."""
    found: set[str] = set()
    for value in _pdf_objects(reader):
        if not isinstance(value, DictionaryObject):
            continue
        for key, item in value.items():
            if key in PDF_ACTIVE_KEYS:
                found.add(PDF_ACTIVE_KEYS[key])
            elif key == "/S" and item in PDF_ACTIVE_ACTIONS:
                found.add(PDF_ACTIVE_ACTIONS[item])
            elif key == "/Subtype" and item in PDF_ACTIVE_SUBTYPES:
                found.add(PDF_ACTIVE_SUBTYPES[item])
            elif key == "/OpenAction" and _runs_javascript(item):
                found.add(PDF_OPEN_ACTION_SCRIPT)
    if PDF_OPEN_ACTION_SCRIPT in found:
        found.discard("JavaScript")  # the same script, said more precisely
    return found


def _runs_javascript(action: object) -> bool:
    try:
        resolved = action.get_object() if isinstance(action, IndirectObject) else action
    except Exception:
        return False
    return isinstance(resolved, DictionaryObject) and resolved.get("/S") == "/JavaScript"


def _pdf_objects(reader: PdfReader) -> Iterator[object]:
    """Every direct and indirect object once, without decoding any stream's data (only its
    dictionary): walked with a stack, as nesting can be deeper than Python's recursion."""
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [reader.trailer, *_xref_references(reader)]
    while stack:
        value = stack.pop()
        if isinstance(value, IndirectObject):
            key = (value.idnum, value.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_PDF_OBJECTS:
                raise ContentRefused(413, f"The PDF has more than {MAX_PDF_OBJECTS} objects.")
            value = _resolved(value)
        yield value
        if isinstance(value, DictionaryObject):
            stack.extend(value.values())
        elif isinstance(value, ArrayObject):
            stack.extend(value)


def _xref_references(reader: PdfReader) -> list[IndirectObject]:
    listed = [(idnum, generation) for generation, entries in reader.xref.items()
              for idnum in entries]
    listed += [(idnum, 0) for idnum in reader.xref_objStm]
    if len(listed) > MAX_PDF_OBJECTS:
        raise ContentRefused(413, f"The PDF has more than {MAX_PDF_OBJECTS} objects.")
    return [IndirectObject(idnum, generation, reader) for idnum, generation in listed]


def _resolved(reference: IndirectObject) -> object:
    """The object behind `reference`. One that does not read cannot be checked, and another
    reader may well read it: the PDF is refused rather than passed unchecked (pypdf already
    recovers what it can, answering null for a missing object)."""
    try:
        return reference.get_object()
    except LimitReachedError as error:
        raise ContentRefused(413, f"The PDF inflates too far to be checked: {error}") from error
    except Exception as error:
        raise ContentRefused(422, f"The PDF has an object that does not read (object "
                                  f"{reference.idnum}): {error}") from error


def _pdf_title(reader: PdfReader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:
        return None
    return str(title).strip()[:500] or None if title else None


def _pdf_preview(source: Path, path: Path) -> Output:
    """The first page drawn 600 px wide (less for a page over four times taller than wide)."""
    with PDFIUM:
        try:
            document = pdfium.PdfDocument(source)
        except pdfium.PdfiumError as error:
            raise ContentRefused(422, f"The PDF does not open for its preview: {error}"
                                 ) from error
        try:
            page = document[0]
            width, height = page.get_size()
            scale = min(PREVIEW_WIDTH / width, PREVIEW_MAX_HEIGHT / height)
            image = page.render(scale=scale).to_pil()
        except (pdfium.PdfiumError, ValueError, ZeroDivisionError) as error:
            raise ContentRefused(422, f"The PDF's first page does not render: {error}"
                                 ) from error
        finally:
            document.close()
    # pdfium rounds the bitmap's size up, so a 600.0000001 px page comes back 601 wide.
    images.fit_inside(image.convert("RGB"), (PREVIEW_WIDTH, PREVIEW_MAX_HEIGHT)).save(
        path, "PNG")
    return png_output("preview", path)

