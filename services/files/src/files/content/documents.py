"""CVs (cv-files): a PDF (`pdf.py`) or a DOCX (`docx.py`), checked for what a recruiter's
ATS, Word or our own preview could be made to run or fetch, stored byte for byte as uploaded,
with a PNG preview of the first page. This module holds what both share.

A CV is stored unchanged because it is a document the user signs off: re-writing it could
change its layout. The checks therefore refuse (422) rather than strip: JavaScript, launch
actions and embedded files in a PDF; macros, ActiveX, OLE objects, external templates and
other outside links (plain hyperlinks excepted) and auto-running fields in a DOCX. A PDF or a
DOCX that inflates too far (a bomb) is refused with 413.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PIL import Image

from files.content.model import Output
from files.content.sniff import MIME_AND_EXTENSION

MB = 1024 * 1024
PREVIEW_WIDTH = 600
# A page four times taller than wide is still previewed whole, narrower than 600 px.
PREVIEW_MAX_HEIGHT = 4 * PREVIEW_WIDTH


def original_output(source: Path, workdir: Path, kind: str) -> Output:
    mime, extension = MIME_AND_EXTENSION[kind]
    path = workdir / f"original.{extension}"
    if path.resolve() != source.resolve():
        shutil.copyfile(source, path)
    return Output(name="original", path=path, mime=mime, size=path.stat().st_size)


def png_output(name: str, path: Path) -> Output:
    with Image.open(path) as image:
        width, height = image.size
    return Output(name=name, path=path, mime="image/png", size=path.stat().st_size,
                  width=width, height=height)


def listed(reasons: set[str]) -> str:
    ordered = sorted(reasons)
    return ordered[0] if len(ordered) == 1 else ", ".join(ordered[:-1]) + " and " + ordered[-1]
