"""The DOCX export: a Document (document.py) as a Word file whose structure Word, LibreOffice
and ATS parsers read: the name as Title, each section a Heading 1, each entry a Heading 2,
highlights as List Bullet paragraphs, Markdown emphasis as run formatting and links as real
hyperlinks. Nothing sits in text boxes, tables, headers or footers, which parsers skip.

A template changes only the styles (fonts, colours, rules, alignment), never which paragraphs
there are, so every template says the same to a parser. Fonts are named, not embedded: the
families the PDF is set in, and a font table that tells Word which kind of face to stand in
where they are not installed."""

import io
import re
import unicodedata
from itertools import groupby

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.text.paragraph import Paragraph
from docx.text.run import Run as WordRun

from cv.content.text import Run
from cv.render.document import Document, Entry, Header, Rich, Section
from cv.render.docx_styles import (
    LOOKS,
    Look,
    package,
    set_page,
    set_properties,
    style_num_id,
    styles,
)
from cv.render.options import RenderOptions

PHOTO_WIDTH = Mm(28)
SEPARATOR = " · "

# What XML 1.0 cannot hold. Validation refuses all of it (content/fields.py); this keeps a
# Document built some other way from producing a file Word will not open.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_docx(document: Document, options: RenderOptions, template: str,
                photo: bytes | None = None) -> bytes:
    """The CV as a .docx. `photo`, if given, is a JPEG or PNG (python-docx reads no WebP),
    shown above the name."""
    look = LOOKS.get(template)
    if look is None:
        raise ValueError(f"unknown template {template!r}")
    word = docx.Document(io.BytesIO(package()))
    set_page(word, options)
    body = _Body(word, styles(word, options, look))
    _header(body, document.header, photo, look)
    if document.header.summary:
        body.paragraph("Heading 1", [Run(document.header.summary_heading)])
        body.rich(document.header.summary)
    for section in document.sections:
        _section(body, section, look)
    set_properties(word, document)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


# The body


class _Body:
    """Appends paragraphs of runs to the document: emphasis as run formatting, runs with a
    URL inside one hyperlink, right-to-left text marked as such, numbered lists that start
    where the user's do."""

    def __init__(self, word, styles: dict[str, str]) -> None:
        self.word = word
        self.styles = styles
        self._numbering = word.part.numbering_part.element
        self._list_number = self._numbering.num_having_numId(
            style_num_id(word.styles["List Number"]))

    def paragraph(self, style: str, runs: list[Run] | tuple[Run, ...],
                  keywords: str = "") -> Paragraph:
        """A paragraph in `style` of `runs`, then `keywords` in the Keywords style."""
        paragraph = self.word.add_paragraph()
        if style != "Normal":
            # By id: python-docx's lookup by name scans every style, per paragraph.
            paragraph._p.style = self.styles[style]
        if _mainly_rtl("".join(run.text for run in runs) + keywords):
            paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))
        for url, group in groupby(runs, key=lambda run: run.url or ""):
            link = self._hyperlink(paragraph, url) if url else None
            for run in group:
                word_run = WordRun(link.add_r(), paragraph) if link is not None else (
                    paragraph.add_run())
                if link is not None:
                    word_run._r.style = self.styles["Hyperlink"]
                _write(word_run, run.text, bold=run.bold, italic=run.italic)
        if keywords:
            word_run = paragraph.add_run()
            word_run._r.style = self.styles["Keywords"]
            _write(word_run, keywords)
        return paragraph

    def rich(self, blocks: Rich) -> None:
        """Paragraphs and lists of the Markdown subset."""
        for block in blocks:
            if block.kind == "p":
                self.paragraph("Normal", block.items[0])
            elif block.kind == "ul":
                for item in block.items:
                    self.paragraph("List Bullet", item)
            else:
                num_id = self._numbered_list(block.start)
                for item in block.items:
                    paragraph = self.paragraph("List Number", item)
                    numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
                    numbering.get_or_add_ilvl().val = 0
                    numbering.get_or_add_numId().val = num_id

    def _numbered_list(self, start: int) -> int:
        """A numbering instance of List Number's that starts at `start`: one per list, or
        Word would count on from the previous list."""
        num = self._numbering.add_num(self._list_number.abstractNumId.val)
        num.add_lvlOverride(ilvl=0).add_startOverride(start)
        return num.numId

    def _hyperlink(self, paragraph: Paragraph, url: str):
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True))
        link.set(qn("w:history"), "1")
        paragraph._p.append(link)
        return link


def _write(word_run: WordRun, text: str, *, bold: bool = False, italic: bool = False) -> None:
    if bold:
        word_run.bold = word_run.font.cs_bold = True
    if italic:
        word_run.italic = word_run.font.cs_italic = True
    if _mainly_rtl(text):
        word_run.font.rtl = True
    word_run.text = _NOT_XML.sub("", text)  # "\n" and "\t" become w:br and w:tab


def _mainly_rtl(text: str) -> bool:
    """More strong right-to-left characters (Arabic, Hebrew) than left-to-right ones."""
    if text.isascii():  # most of a CV, found at C speed
        return False
    rtl = ltr = 0
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            rtl += 1
        elif direction == "L":
            ltr += 1
    return rtl > ltr


def _header(body: _Body, header: Header, photo: bytes | None, look: Look) -> None:
    if photo:
        paragraph = body.paragraph("Normal", [])
        if look.centred:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        shape = paragraph.add_run().add_picture(io.BytesIO(photo), width=PHOTO_WIDTH)
        shape._inline.docPr.set("descr", header.name)  # alt text for screen readers
    if header.name:
        body.paragraph("Title", [Run(header.name)])
    if header.label:
        body.paragraph("Subtitle", [Run(header.label)])
    contact = [Run(header.location)] if header.location else []
    contact += [Run(link.label, url=link.url or None) for link in header.links]
    if contact:
        body.paragraph("Contact", _joined(contact))


def _section(body: _Body, section: Section, look: Look) -> None:
    if section.heading:
        body.paragraph("Heading 1", [Run(section.heading)])
    for entry in section.entries:
        if section.compact:
            _compact_entry(body, entry)
        else:
            _entry(body, entry, look)


def _entry(body: _Body, entry: Entry, look: Look) -> None:
    heading = [Run(text) for text in (entry.title, entry.subtitle) if text]
    if heading:
        body.paragraph("Heading 2", _joined(heading, " — "))
    details = _details(entry, look)
    if details:
        paragraph = body.paragraph("Entry Details", details)
        if entry.body or entry.bullets or entry.tags:
            # The heading's style keeps it with this line; this line keeps with the first of
            # the text, so an entry never starts at the foot of a page.
            paragraph.paragraph_format.keep_with_next = True
    body.rich(entry.body)
    for bullet in entry.bullets:
        body.paragraph("List Bullet", bullet)
    if entry.tags:
        body.paragraph("Normal", [], keywords=", ".join(entry.tags))


def _details(entry: Entry, look: Look) -> list[Run]:
    """Dates, location and the entry's link on one line; with `dates_right` the dates after a
    tab, at the right margin."""
    where = [Run(entry.location)] if entry.location else []
    if entry.url:
        where.append(Run(_shown(entry.url), url=entry.url))
    if look.dates_right:
        return [*_joined(where), Run("\t" + entry.dates)] if entry.dates else _joined(where)
    return _joined([Run(entry.dates), *where] if entry.dates else where)


def _compact_entry(body: _Body, entry: Entry) -> None:
    """One line: "Title — Subtitle: tag, tag" (skills, languages, interests)."""
    runs = [Run(entry.title, bold=True)] if entry.title else []
    if entry.subtitle:
        runs.append(Run(f" — {entry.subtitle}" if runs else entry.subtitle))
    if entry.tags and runs:
        runs.append(Run(": "))
    body.paragraph("Normal", runs, keywords=", ".join(entry.tags))


def _joined(runs: list[Run], separator: str = SEPARATOR) -> list[Run]:
    out: list[Run] = []
    for run in runs:
        if out:
            out.append(Run(separator))
        out.append(run)
    return out


def _shown(url: str) -> str:
    """A URL as a reader types it, as document.py shows the header's links."""
    return url.split("://", 1)[-1].rstrip("/")
