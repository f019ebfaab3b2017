"""The PDF writer: a Document laid out by one of the typst templates in `templates/`.

The document reaches typst as data, a JSON file the template reads with `json()`, never as typst
source: the templates only place its strings, which typst shows as text, so nothing a user typed
is ever read as markup. Passing it as a file rather than through `sys.inputs` keeps the compiler's
standard library unchanged between renders, so typst's memoisation keeps what did not change.

Fonts come from `cv.render.fonts` only (no system fonts, nothing downloaded). A typst-py
`Compiler` is borrowed mutably for the whole of a compile (a second thread using it meanwhile gets
"Already borrowed"), so each render takes a compiler of its own from a pool per template. It lets
go of the GIL while it compiles, so renders on several threads overlap; but every compile in a
process shares typst's memoisation caches, behind locks, so two threads on two cores render about
1.5 times what one does, where two processes render twice as much (bench/cv_render.py).
"""

import base64
import json
import queue
import re
from functools import cache
from pathlib import Path

import typst

from cv.render.document import Document, Entry, Rich, Run
from cv.render.fonts import FALLBACK, FONT_DIRS, MONOSPACE
from cv.render.options import RenderOptions
from cv.render.templates import TEMPLATES

_TEMPLATE_DIR = Path(__file__).with_name("templates")
_PAPER = {"a4": "a4", "letter": "us-letter"}
_PHOTO_TYPES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
# A word this long may not fit its column: typst breaks lines only where Unicode allows, never
# inside a word, so it would run off the page. A zero-width space every so often lets it break.
_LONG_WORD = re.compile(r"(\S{24})(?=\S{6})")
# Idle compilers, one pool per template so that each keeps its template parsed.
_POOLS: dict[str, queue.SimpleQueue] = {name: queue.SimpleQueue() for name in TEMPLATES}


class PdfRenderFailed(RuntimeError):
    """typst refused to compile: a bug in a template, never the CV's content (a photo typst
    cannot decode is left out)."""


def render_pdf(document: Document, options: RenderOptions, template: str,
               photo: bytes | None = None) -> bytes:
    """The CV as a PDF in `template` (one of templates.TEMPLATES), with `photo` (JPEG or PNG
    bytes) where the template shows one. CPU-bound (5 to 20 ms for two pages); releases the GIL
    while typst compiles, so it may run on a thread beside an event loop."""
    if template not in TEMPLATES:
        raise ValueError(f"no template {template!r}")
    files = {
        # The templates are read from the package; typst keeps them parsed between renders.
        "main.typ": f'#include "{template}.typ"'.encode(),
        "cv.json": json.dumps(_payload(document, options, photo=bool(photo)),
                              ensure_ascii=False, separators=(",", ":")).encode(),
        # Always given, so a compiler never keeps the previous CV's photo.
        "photo.svg": _photo_svg(photo) if photo else b"",
    }
    pool = _POOLS[template]
    try:
        compiler = pool.get_nowait()
    except queue.Empty:
        compiler = typst.Compiler(root=_TEMPLATE_DIR, font_paths=_fonts())
    try:
        return compiler.compile(input=files, format="pdf")
    except typst.TypstError as exc:
        raise PdfRenderFailed(exc.message) from exc
    finally:
        pool.put(compiler)


def _photo_svg(photo: bytes) -> bytes:
    """The photo in a square SVG, cropped to fill it. typst-py takes only UTF-8 text for a file
    it is handed in memory, and an SVG can carry the image as a data URL; typst embeds the JPEG
    or PNG in the PDF as it is."""
    kind = next((kind for magic, kind in _PHOTO_TYPES if photo.startswith(magic)), None)
    if kind is None:
        raise ValueError("the photo must be a JPEG or PNG image")
    data = base64.b64encode(photo).decode()
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><image width="100" '
            f'height="100" preserveAspectRatio="xMidYMid slice" href="data:{kind};base64,{data}"/>'
            '</svg>').encode()


@cache
def _fonts() -> typst.Fonts:
    # Scanned once, shared by every compiler (typst.Fonts holds the loaded faces behind an Arc).
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=True,
                       font_paths=[str(path) for path in FONT_DIRS])


def _on(accent: str) -> str:
    """The colour of text drawn on the accent: white, or black on a light accent."""
    red, green, blue = (int(accent[i:i + 2], 16) / 255 for i in (1, 3, 5))
    # WCAG relative luminance: white on anything lighter than about 0.18 reads worse than black.
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
              for c in (red, green, blue)]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#ffffff" if luminance < 0.18 else "#000000"


def _text(text: str) -> str:
    return _LONG_WORD.sub("\\1\u200b", text) if len(text) >= 30 else text


def _payload(document: Document, options: RenderOptions, photo: bool) -> dict:
    """What the templates read (templates/common.typ): the document and the options as JSON.
    Text that is shown goes through `_text`; metadata and URLs as they are."""
    header = document.header
    return {
        "title": document.title,
        "author": document.author,
        "lang": document.language,
        "options": {
            "accent": options.accent, "on_accent": _on(options.accent), "font": options.font,
            "fallback": list(FALLBACK), "mono": MONOSPACE, "size": options.font_size,
            "margin": options.margin_mm, "paper": _PAPER[options.page_size],
        },
        "photo": photo,
        "header": {
            "name": _text(header.name), "label": _text(header.label),
            "location": _text(header.location),
            "links": [{"label": _text(link.label), "url": link.url or None}
                      for link in header.links],
            "summary": _rich(header.summary), "summary_heading": header.summary_heading,
        },
        "sections": [
            {"key": section.key, "heading": _text(section.heading), "compact": section.compact,
             "entries": [_entry(entry) for entry in section.entries]}
            for section in document.sections
        ],
    }


def _entry(entry: Entry) -> dict:
    return {
        "title": _text(entry.title), "subtitle": _text(entry.subtitle),
        "url": entry.url or None, "dates": entry.dates, "location": _text(entry.location),
        "body": _rich(entry.body), "bullets": [_runs(line) for line in entry.bullets],
        "tags": [_text(tag) for tag in entry.tags],
    }


def _rich(rich: Rich) -> list[dict]:
    return [{"kind": block.kind, "start": block.start,
             "items": [_runs(item) for item in block.items]} for block in rich]


def _runs(runs: tuple[Run, ...]) -> list[dict]:
    return [{"text": _text(run.text), "bold": run.bold, "italic": run.italic, "url": run.url}
            for run in runs]
