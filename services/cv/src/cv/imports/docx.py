"""A Word (DOCX) CV's paragraphs, with the hints Word keeps, for `text_cv`: heading styles
and Title, runs' size and boldness against the body text's, list paragraphs (numbering, or a
List style), hyperlinks from the part's relationships. Paragraphs come in document order from
the body, tables (a row whose cells hold one paragraph each is one line, cells apart as
columns), content controls and text boxes, after the first page header."""

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from cv.imports.archive import check_sizes, open_zip
from cv.imports.errors import ImportFailed
from cv.imports.lines import Line, prominence
from cv.imports.text_cv import content_from_lines

_WHAT = "Word document"
_HEADING_STYLE = re.compile(r"heading\s*(\d)", re.IGNORECASE)
_TEXT_BOX = ".//*[local-name()='txbxContent'][not(ancestor::*[local-name()='Fallback'])]"
DEFAULT_SIZE = 11.0  # Word's body size when neither the runs nor the styles set one


def is_docx(data: bytes) -> bool:
    """Whether a ZIP archive is a Word document (it has word/document.xml)."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "word/document.xml" in names and "[Content_Types].xml" in names


def content_from_docx(data: bytes) -> dict:
    """The CV content read from a DOCX. Raises ImportFailed for a file that is not a Word
    document, or one that would unpack to too much."""
    return content_from_lines(docx_lines(data))


def docx_lines(data: bytes) -> list[Line]:
    archive = open_zip(data, _WHAT)
    check_sizes(archive.infolist(), _WHAT)
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = []
        header = document.sections[0].header if document.sections else None
        if header is not None and not header.is_linked_to_previous:
            for block in _blocks(header._element, header):
                paragraphs.extend(_read(block))
        for block in _blocks(document.element.body, document._body):
            paragraphs.extend(_read(block))
    except Exception as exc:  # python-docx fails on a damaged file in many ways
        raise ImportFailed("the Word document is damaged or not a DOCX") from exc
    sizes = Counter()
    for text, heading, size, _, _, _ in paragraphs:
        if heading is None:
            sizes[size] += len(text)
    body_size = sizes.most_common(1)[0][0] if sizes else DEFAULT_SIZE
    lines = [Line(text, _level(heading, size, bold, body_size), bullet, links)
             for text, heading, size, bold, bullet, links in paragraphs]
    if not any(line.text.strip() for line in lines):
        raise ImportFailed("the Word document has no text")
    return lines


def _blocks(element, parent) -> Iterator[Paragraph | Table]:
    """Paragraphs and tables in document order, looking inside content controls."""
    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent)
        elif child.tag == qn("w:tbl"):
            yield Table(child, parent)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _blocks(content, parent)


def _read(block: Paragraph | Table):
    """(text, heading level or None, size, bold, list item, links) for each line of a block."""
    if isinstance(block, Paragraph):
        yield _paragraph(block)
        for box in block._p.xpath(_TEXT_BOX):
            for inner in _blocks(box, block._parent):
                yield from _read(inner)
        return
    for row in block.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:  # a merged cell is listed once per grid column
                seen.add(id(cell._tc))
                cells.append(cell)
        parts = [[_paragraph(p) for p in cell.paragraphs if p.text.strip()] for cell in cells]
        if all(len(part) <= 1 for part in parts):
            filled = [part[0] for part in parts if part]
            if filled:
                text = "\t".join(part[0] for part in filled)
                links = tuple(link for part in filled for link in part[5])
                yield (text, *filled[0][1:5], links)
            continue
        for cell in cells:
            for inner in _blocks(cell._tc, cell):
                yield from _read(inner)


def _paragraph(paragraph: Paragraph):
    style = paragraph.style
    heading = _heading_level(style)
    first_column = paragraph.text.split("\t", 1)[0]
    # Size and weight of the first column only: "Title<tab>dates" is as bold as its title.
    wanted = sum(char.isalnum() for char in first_column)
    sizes, bold, letters = Counter(), 0, 0
    runs = [run for item in paragraph.iter_inner_content()
            for run in getattr(item, "runs", [item])]  # a hyperlink holds runs of its own
    for run in runs:
        count = sum(char.isalnum() for char in run.text)
        if not count:
            continue
        sizes[_run_size(run, style)] += count
        bold += count if _run_bold(run, style) else 0
        letters += count
        if letters >= wanted:
            break
    size = sizes.most_common(1)[0][0] if sizes else _style_size(style)
    is_bold = letters > 0 and bold >= 0.6 * letters
    links = tuple(link.url for link in paragraph.hyperlinks if link.url)
    return paragraph.text, heading, size, is_bold, _is_list(paragraph), links


def _styles(style) -> Iterator:
    seen = 0
    while style is not None and seen < 20:
        yield style
        style, seen = style.base_style, seen + 1


def _heading_level(style) -> int | None:
    for each in _styles(style):
        name = (each.name or "").strip()
        if name.casefold() == "title":
            return 0
        if match := _HEADING_STYLE.fullmatch(name):
            return int(match[1])
    return None


def _style_size(style) -> float:
    for each in _styles(style):
        if each.font.size is not None:
            return each.font.size.pt
    return DEFAULT_SIZE


def _run_size(run, style) -> float:
    if run.font.size is not None:
        return run.font.size.pt
    if run.style is not None and run.style.font.size is not None:
        return run.style.font.size.pt
    return _style_size(style)


def _run_bold(run, style) -> bool:
    if run.bold is not None:
        return run.bold
    if run.style is not None and run.style.font.bold is not None:
        return run.style.font.bold
    for each in _styles(style):
        if each.font.bold is not None:
            return each.font.bold
    return False


def _is_list(paragraph: Paragraph) -> bool:
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None:
        return True
    for each in _styles(paragraph.style):
        if "list" in (each.name or "").casefold():
            return True
        style_properties = each.element.pPr
        if style_properties is not None and style_properties.numPr is not None:
            return True
    return False


def _level(heading: int | None, size: float, bold: bool, body_size: float) -> int:
    """Title 4, Heading 1 3, Heading 2 2, deeper headings 1; else by size and weight."""
    if heading is not None:
        return {0: 4, 1: 3, 2: 2}.get(heading, 1)
    return prominence(size, body_size, bold)
