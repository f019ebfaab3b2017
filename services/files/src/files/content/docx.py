"""DOCX CVs: a well-formed OOXML package within size limits, refused for macros, ActiveX, OLE
objects, outside links other than hyperlinks and fields that run or fetch; the preview is the
package's thumbnail or its first text drawn (documents.py says why CVs are refused rather
than cleaned)."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring, iterparse
from PIL import Image, ImageDraw, ImageFont

from files.content import images
from files.content.documents import (
    MB,
    PREVIEW_MAX_HEIGHT,
    PREVIEW_WIDTH,
    original_output,
    png_output,
)
from files.content.model import ContentRefused, Processed

DOCX_MAX_MEMBERS = 2000
DOCX_MAX_UNCOMPRESSED = 100 * MB
DOCX_MAX_RATIO = 100
# Small parts legitimately compress beyond 100:1 (a run of spaces) and cannot inflate far.
DOCX_RATIO_FREE_SIZE = 1 * MB
# Parts read whole ([Content_Types].xml, *.rels, core.xml); document parts are streamed.
DOCX_MAX_XML_PART = 10 * MB
DOCX_MAX_THUMBNAIL = 5 * MB

W_NAMESPACES = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                "http://purl.oclc.org/ooxml/wordprocessingml/main")  # Strict OOXML
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
# The parts Word shows text from: field codes in any of them run when the document opens.
DOCX_STORY_PARTS = re.compile(
    r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments|glossary/document)\.xml")
DOCX_THUMBNAIL = re.compile(r"docProps/thumbnail\.(png|jpe?g)", re.IGNORECASE)
DOCX_MACRO_MEMBERS = {"vbaproject.bin", "vbadata.xml"}
# Relationships refused even inside the package: code and foreign documents Word would load.
DOCX_REFUSED_RELATIONSHIPS = {
    "oleObject": "an OLE object (the way Equation Editor and packager exploits arrive)",
    "control": "an ActiveX control",
    "aFChunk": "an embedded foreign document (altChunk)",
}
# A CV links to LinkedIn, a portfolio, an e-mail address: plain hyperlinks are the one kind
# of external relationship kept, and only to these schemes (a file:// or \\server link leaks
# the reader's Windows credentials when clicked).
HYPERLINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
# Fields Word updates on opening that start programs (DDE) or fetch other files.
DOCX_REFUSED_FIELDS = {
    "DDE": "a DDE field (which starts programs)",
    "DDEAUTO": "a DDE field (which starts programs)",
    "INCLUDETEXT": "an INCLUDETEXT field (which fetches another file)",
    "INCLUDEPICTURE": "an INCLUDEPICTURE field (which fetches a picture from elsewhere)",
    "IMPORT": "an IMPORT field (which fetches a picture from elsewhere)",
    "LINK": "a LINK field (which links another file)",
}

TEXT_PAGE_SIZE = (PREVIEW_WIDTH, 849)  # A4's ratio
TEXT_MARGIN = 48
TEXT_FONT = "DejaVuSans.ttf"  # found in the system's font folders (fonts-dejavu-core)
TEXT_FONT_SIZE = 13
TEXT_LINE_HEIGHT = 18
TEXT_MAX_LINES = 40



def cv_docx(source: Path, workdir: Path) -> Processed:
    """A DOCX CV: a well-formed OOXML package within size limits, without macros, ActiveX or
    OLE objects, links outside the document other than hyperlinks, or fields that run or
    fetch. Outputs "original" and "preview" (its thumbnail, or its first text drawn)."""
    with _docx_archive(source) as archive:
        members = _docx_members(archive)
        _check_xml_prologues(archive, members)
        _check_docx_code(archive, members)
        _check_docx_relationships(archive, members)
        document = _docx_story(archive, "word/document.xml", keep_text=True)
        for name in members:
            if name != "word/document.xml" and DOCX_STORY_PARTS.fullmatch(name):
                _docx_story(archive, name, keep_text=False)
        title = _docx_title(archive, members)
        preview_path = workdir / "preview.png"
        if not _docx_thumbnail(archive, members, preview_path):
            _text_page(document.paragraphs, preview_path)
    preview = png_output("preview", preview_path)
    metadata: dict[str, object] = {"paragraphs": document.paragraph_count,
                                   "words": document.word_count}
    if title:
        metadata["title"] = title
    return Processed([original_output(source, workdir, "docx"), preview], metadata)



# DOCX: the package


@contextmanager
def _docx_archive(source: Path) -> Iterator[zipfile.ZipFile]:
    """The package open, with what zipfile raises on a broken one (while opening or while
    reading a part) told as a refusal."""
    try:
        with zipfile.ZipFile(source) as archive:
            yield archive
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as error:
        # RuntimeError: an encrypted part; NotImplementedError: an unknown compression.
        raise ContentRefused(422, f"The DOCX does not read as a zip package: {error}") from error


def _docx_members(archive: zipfile.ZipFile) -> list[str]:
    """The package's part names, once the central directory says it is no bomb and no part
    would be written outside the folder it is unpacked in."""
    infos = archive.infolist()
    if len(infos) > DOCX_MAX_MEMBERS:
        raise ContentRefused(413, f"The DOCX has {len(infos)} parts; the limit is "
                                  f"{DOCX_MAX_MEMBERS}.")
    names = [info.filename for info in infos]
    # Part names are case-insensitive in OOXML: two spellings of one name are two candidates
    # for one part, and which one a reader takes is up to the reader.
    if len({name.casefold() for name in names}) != len(names):
        raise ContentRefused(422, "The DOCX has two parts with the same name.")
    for info in infos:
        _check_member(info)
    total = sum(info.file_size for info in infos)
    if total > DOCX_MAX_UNCOMPRESSED:
        raise ContentRefused(413, f"The DOCX unpacks to {total / MB:.0f} MB; the limit is "
                                  f"{DOCX_MAX_UNCOMPRESSED / MB:.0f} MB.")
    for required in ("[Content_Types].xml", "word/document.xml"):
        if required not in names:
            raise ContentRefused(422, f"The DOCX has no {required}.")
    return names


def _check_member(info: zipfile.ZipInfo) -> None:
    name = info.filename
    parts = re.split(r"[/\\]", name)
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
        raise ContentRefused(422, f"The DOCX has a part outside the package: {name[:100]!r}.")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > DOCX_RATIO_FREE_SIZE and ratio > DOCX_MAX_RATIO:
        raise ContentRefused(413, f"The DOCX part {name[:100]!r} inflates {ratio:.0f} times; "
                                  f"the limit is {DOCX_MAX_RATIO}.")


def _check_xml_prologues(archive: zipfile.ZipFile, members: list[str]) -> None:
    """No XML part declares a DTD, not even one this check never reads whole (custom XML,
    charts, settings): Word's own parser would expand its entities. A DTD comes before the
    root element, so each part is read only up to there."""
    for name in members:
        if name.lower().endswith((".xml", ".rels")):
            with archive.open(name) as part, _parsing(name):
                for _ in iterparse(part, events=("start",), forbid_dtd=True):
                    break


def _check_docx_code(archive: zipfile.ZipFile, members: list[str]) -> None:
    """Macros and ActiveX, found by part name and by declared content type."""
    for name in members:
        if PurePosixPath(name).name.lower() in DOCX_MACRO_MEMBERS:
            raise _macros(name)
        if name.lower().startswith("word/activex/"):
            raise ContentRefused(422, f"The DOCX contains an ActiveX control ({name}).")
    for element in _xml_part(archive, "[Content_Types].xml").iter():
        content_type = element.get("ContentType", "").lower()
        if "macroenabled" in content_type or "vbaproject" in content_type:
            raise _macros(content_type)
        if "activex" in content_type:
            raise ContentRefused(422, f"The DOCX contains an ActiveX control ({content_type}).")


def _macros(found: str) -> ContentRefused:
    return ContentRefused(422, f"The DOCX contains macros ({found}); save it as a Word "
                               "Document (.docx) without macros.")


def _check_docx_relationships(archive: zipfile.ZipFile, members: list[str]) -> None:
    """Every relationship of every part: no code objects, and nothing outside the package
    except hyperlinks. An external template, frame, subdocument, OLE link or linked picture
    is fetched by Word when the document opens (from anywhere: a tracking URL, or a
    \\server share that is handed the reader's Windows credentials)."""
    for name in members:
        if not name.endswith(".rels"):
            continue
        for relationship in _xml_part(archive, name).iter():
            if _local(relationship.tag) == "Relationship":
                _check_relationship(relationship)


def _check_relationship(relationship: Element) -> None:
    kind = relationship.get("Type", "").rsplit("/", 1)[-1]
    target = relationship.get("Target", "").strip()
    if kind in DOCX_REFUSED_RELATIONSHIPS:
        raise ContentRefused(422, f"The DOCX contains {DOCX_REFUSED_RELATIONSHIPS[kind]}.")
    if relationship.get("TargetMode", "").lower() != "external":
        return
    if kind == "hyperlink":
        if target.lower().startswith(HYPERLINK_SCHEMES):
            return
        raise ContentRefused(422, f"The DOCX has a hyperlink to {target[:100]!r}; links may "
                                  "only be http, https, mailto or tel.")
    raise ContentRefused(422, f"The DOCX links to an outside {kind} ({target[:100]!r}), which "
                              "Word would fetch on opening; only hyperlinks may point outside "
                              "the document.")


def _xml_part(archive: zipfile.ZipFile, name: str) -> Element:
    """A small part parsed whole, without DTDs (entities are how XML bombs inflate)."""
    if archive.getinfo(name).file_size > DOCX_MAX_XML_PART:
        raise ContentRefused(413, f"The DOCX part {name} is larger than "
                                  f"{DOCX_MAX_XML_PART // MB} MB.")
    with _parsing(name):
        return fromstring(archive.read(name), forbid_dtd=True)


@contextmanager
def _parsing(name: str) -> Iterator[None]:
    try:
        yield
    except DefusedXmlException as error:
        raise ContentRefused(422, f"The DOCX part {name} declares a DTD or entities, which "
                                  "Word documents never need.") from error
    except ParseError as error:
        raise ContentRefused(422, f"The DOCX part {name} is not well-formed XML: {error}"
                             ) from error


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _docx_title(archive: zipfile.ZipFile, members: list[str]) -> str | None:
    if "docProps/core.xml" not in members:
        return None
    title = _xml_part(archive, "docProps/core.xml").find(DC_TITLE)
    return (title.text or "").strip()[:500] or None if title is not None else None


# DOCX: the text


@dataclass
class Story:
    """What a story part says: the first paragraphs' text (for the preview) and counts."""

    paragraphs: list[str] = field(default_factory=list)
    paragraph_count: int = 0
    word_count: int = 0

    def add(self, text: str, *, keep: bool) -> None:
        if text.strip():
            self.paragraph_count += 1
            self.word_count += len(text.split())
        if keep and len(self.paragraphs) < TEXT_MAX_LINES:
            # A paragraph longer than the page is cut: wrapping it whole would be slow.
            self.paragraphs.append(text[:TEXT_MAX_LINES * 120])


@dataclass
class _Field:
    code: str = ""
    checked: bool = False


def _docx_story(archive: zipfile.ZipFile, name: str, *, keep_text: bool) -> Story:
    """A story part streamed (it may be the largest part): its paragraphs' text, and every
    field code checked against the ones that run programs or fetch files."""
    story, open_paragraphs, fields = Story(), [], []
    with archive.open(name) as part, _parsing(name):
        for event, element in _xml_events(part):
            tag = _w_local(element.tag)
            if event == "start":
                if tag == "p":
                    open_paragraphs.append([])
                elif tag == "fldSimple":
                    _check_field(_w_attribute(element, "instr"))
                elif tag == "fldChar":
                    _field_char(fields, _w_attribute(element, "fldCharType"))
                continue
            if tag == "t" and open_paragraphs:
                open_paragraphs[-1].append(element.text or "")
            elif tag == "tab" and open_paragraphs:
                open_paragraphs[-1].append(" ")
            elif tag in ("br", "cr") and open_paragraphs:
                open_paragraphs[-1].append("\n")
            elif tag == "instrText" and fields:
                fields[-1].code += element.text or ""
            elif tag == "p" and open_paragraphs:
                story.add("".join(open_paragraphs.pop()), keep=keep_text)
            # Every child has been seen by its end: clearing keeps memory flat.
            element.clear()
    return story


def _xml_events(part: IO[bytes]) -> Iterator[tuple[str, Element]]:
    yield from iterparse(part, events=("start", "end"), forbid_dtd=True)


def _w_local(tag: str) -> str | None:
    namespace, _, local = tag[1:].partition("}")
    return local if namespace in W_NAMESPACES else None


def _w_attribute(element: Element, name: str) -> str:
    for namespace in W_NAMESPACES:
        value = element.get(f"{{{namespace}}}{name}")
        if value is not None:
            return value
    return ""


def _field_char(fields: list[_Field], kind: str) -> None:
    """A complex field: begin, its code in instrText runs, separate, its result, end; fields
    nest, so they are kept on a stack."""
    if kind == "begin":
        fields.append(_Field())
    elif fields and kind in ("separate", "end"):
        if not fields[-1].checked:
            _check_field(fields[-1].code)
            fields[-1].checked = True
        if kind == "end":
            fields.pop()


def _check_field(code: str) -> None:
    words = code.split()
    name = words[0].upper() if words else ""
    if name in DOCX_REFUSED_FIELDS:
        raise ContentRefused(422, f"The DOCX contains {DOCX_REFUSED_FIELDS[name]}.")


# DOCX: the preview


def _docx_thumbnail(archive: zipfile.ZipFile, members: list[str], path: Path) -> bool:
    """The thumbnail Word saved with the document, re-encoded as PNG; False when there is
    none that decodes (a broken thumbnail is no reason to refuse the CV: its text is drawn)."""
    name = next((member for member in members if DOCX_THUMBNAIL.fullmatch(member)), None)
    if name is None or archive.getinfo(name).file_size > DOCX_MAX_THUMBNAIL:
        return False
    kind = "png" if name.lower().endswith(".png") else "jpeg"
    try:
        picture = images.decode(io.BytesIO(archive.read(name)), kind, animation=False)
    except ContentRefused:
        return False
    fitted = picture.map(
        lambda frame: images.fit_inside(frame, (PREVIEW_WIDTH, PREVIEW_MAX_HEIGHT)))
    path.write_bytes(images.encode(fitted, "png"))
    return True


def _text_page(paragraphs: list[str], path: Path) -> None:
    """The document's first lines drawn on a white A4-shaped page: a preview that shows
    which CV this is, not how Word would lay it out."""
    page = Image.new("RGB", TEXT_PAGE_SIZE, "white")
    draw = ImageDraw.Draw(page)
    font = _text_font()
    width = TEXT_PAGE_SIZE[0] - 2 * TEXT_MARGIN
    for index, line in enumerate(_page_lines(paragraphs, font, width)):
        draw.text((TEXT_MARGIN, TEXT_MARGIN + index * TEXT_LINE_HEIGHT), line, fill="black",
                  font=font)
    page.save(path, "PNG")


def _text_font() -> ImageFont.FreeTypeFont:
    """DejaVu Sans where the system has it: Pillow's built-in font draws only ASCII, so a
    "Müller" or a "Łódź" would show boxes. Loaded per page (a few milliseconds): a FreeType
    face must not be shared between threads."""
    try:
        return ImageFont.truetype(TEXT_FONT, TEXT_FONT_SIZE)
    except OSError:
        return ImageFont.load_default(size=TEXT_FONT_SIZE)


def _page_lines(paragraphs: list[str], font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in paragraphs:
        for piece in paragraph.split("\n"):
            wrapped = _wrapped(piece, font, width)
            if wrapped:
                lines += wrapped
            elif lines and lines[-1]:
                lines.append("")  # one blank line for any run of empty paragraphs
        if len(lines) >= TEXT_MAX_LINES:
            break
    return lines[:TEXT_MAX_LINES]


def _wrapped(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while font.getlength(word) > width:  # a URL longer than the line is cut
            cut = _fitting_prefix(word, font, width)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    return [*lines, current] if current else lines


def _fitting_prefix(word: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(word[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low
