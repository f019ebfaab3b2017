"""A PDF CV's lines, with the hints its layout gives, for `text_cv`: pypdf hands over each
run of text with its position, font and size; a sidebar is read apart from the main column;
runs on one baseline make a line (a wide gap, as before a right-aligned date, becomes a tab;
a heading set in the left margin becomes a line of its own); a line's size and boldness
against the body text's make its level; lines wrapped inside one paragraph are joined again;
link annotations give each line its URLs. Scanned PDFs (images only) have no text to read."""

import io
import itertools
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from cv.imports.errors import ImportFailed
from cv.imports.lines import Line, prominence
from cv.imports.pdf_fonts import FontFacts, font_facts, mark_wide_fonts_bold
from cv.imports.text_cv import content_from_lines

# pypdf logs each oddity of a damaged file as a warning; an import reports one failure instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

MAX_PAGES = 20  # a CV is a few pages; the rest of a long PDF is not a CV's
# List marks, with the private-use code points Word's Symbol and Wingdings bullets map to.
_BULLETS = "•·▪▫◦‣⁃∙●○■□►▶✓✔➢➤→⦁-–*\uf0b7\uf0a7\uf076\uf0d8\uf0fc"
_MAX_RUNS = 200_000  # runs of text on one page: beyond this it is not a CV's page


@dataclass
class _Run:
    x: float
    y: float
    text: str
    size: float
    font: FontFacts
    width: float


@dataclass
class _PdfLine:
    page: int
    y: float
    runs: list[_Run]
    text: str = ""
    left: float = 0.0
    right: float = 0.0
    size: float = 0.0
    bold: bool = False
    column_right: float = 0.0  # where the lines of its column end at the most
    links: list[str] = field(default_factory=list)


def content_from_pdf(data: bytes) -> dict:
    """The CV content read from a PDF's text. Raises ImportFailed for a file pypdf cannot
    read, an encrypted one, or one without text."""
    return content_from_lines(pdf_lines(data))


def pdf_lines(data: bytes) -> list[Line]:
    """The PDF's lines in reading order, with their levels, list marks and links."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ImportFailed("the PDF is protected by a password")
        pages = list(reader.pages[:MAX_PAGES])
        fonts: dict[str, FontFacts] = {}
        page_runs = [_runs(page, fonts) for page in pages]
        page_links = [_links(page) for page in pages]
    except ImportFailed:
        raise
    except Exception as exc:  # pypdf fails on a damaged file in many ways
        raise ImportFailed("the PDF cannot be read (it is damaged or not a PDF)") from exc
    used = Counter()
    for runs in page_runs:
        for run in runs:
            used[run.font.name] += len(run.text.strip())
    mark_wide_fonts_bold(list(fonts.values()), used)
    # Each page as its columns (one, or a sidebar and the main text), each as its lines.
    grouped = [[_baselines(number, column) for column in _columns(runs)]
               for number, runs in enumerate(page_runs)]
    text_left = _text_left([line for page in grouped for column in page for line in column])
    lines: list[_PdfLine] = []
    for page, links in zip(grouped, page_links, strict=True):
        page_lines = []
        for column in page:
            column = [part for line in column for part in _margin_apart(line, text_left)]
            for line in column:
                _compose(line)
            column = [line for line in column if line.text.strip()]
            right = max((line.right for line in column), default=0.0)
            for line in column:
                line.column_right = right
            page_lines.extend(column)
        _attach_links(page_lines, links)
        lines.extend(page_lines)
    lines = _joined_paragraphs(_without_repeated_margins(lines))
    if not any(line.text.strip() for line in lines):
        raise ImportFailed("the PDF has no text to read (a scanned CV needs OCR, which we do "
                           "not do)")
    body_size = _body_size(lines)
    # List marks are text in a PDF: text_cv reads them off.
    return [Line(line.text, prominence(line.size, body_size, line.bold), links=tuple(line.links))
            for line in lines]


def _runs(page, fonts: dict[str, FontFacts]) -> list[_Run]:
    runs: list[_Run] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text or not text.strip("\n") or font_dict is None or len(runs) > _MAX_RUNS:
            return
        # Where the run starts and how tall it is, on the page: the text matrix, then the CTM.
        a = tm[0] * cm[0] + tm[1] * cm[2]
        b = tm[0] * cm[1] + tm[1] * cm[3]
        c = tm[2] * cm[0] + tm[3] * cm[2]
        d = tm[2] * cm[1] + tm[3] * cm[3]
        if abs(b) > abs(a):
            return  # rotated text (a sidebar's vertical label) is not part of the reading
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        size = abs(font_size * math.hypot(c, d)) or font_size
        key = str(font_dict.get("/BaseFont", id(font_dict)))
        if key not in fonts:
            fonts[key] = font_facts(font_dict)
            fonts[key].name = key
        font = fonts[key]
        text = text.replace("\n", "")
        runs.append(_Run(x, y, text, size, font, font.text_width(text, size)))

    page.extract_text(visitor_text=visit)
    return runs


def _links(page) -> list[tuple[tuple[float, float, float, float], str]]:
    """The page's link annotations that open a URL (http(s), mailto:, tel:), with their
    rectangles."""
    found = []
    annotations = page.get("/Annots")
    annotations = annotations.get_object() if annotations is not None else None
    if not isinstance(annotations, ArrayObject):
        return found
    for annotation in annotations:
        annotation = annotation.get_object()
        if not isinstance(annotation, DictionaryObject) or annotation.get("/Subtype") != "/Link":
            continue
        action = annotation.get("/A")
        action = action.get_object() if action is not None else None
        if not isinstance(action, DictionaryObject) or action.get("/S") != "/URI":
            continue
        uri = str(action.get("/URI", "")).strip()
        rect = annotation.get("/Rect")
        if uri and isinstance(rect, ArrayObject) and len(rect) == 4:
            x1, y1, x2, y2 = (float(value) for value in rect)
            found.append(((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)), uri))
    return found


def _columns(runs: list[_Run]) -> list[list[_Run]]:
    """The page's runs as one column, or as two when a sidebar stands beside the main text:
    a gutter no run crosses, with lines on both sides that each start at one left edge (a
    right-aligned date column starts wherever its dates' widths put it, and long lines of the
    main text cross where it would be). The left column is read first, unless the right one
    starts clearly higher on the page."""
    if len(runs) < 10:
        return [runs]
    spans = sorted((run.x, run.x + run.width) for run in runs if run.text.strip())
    if not spans:
        return [runs]
    left_edge, right_edge = spans[0][0], max(end for _, end in spans)
    width = right_edge - left_edge
    reach = spans[0][1]
    for start, end in spans[1:]:
        gutter = (reach + start) / 2
        if start > reach + 4 and left_edge + 0.15 * width < gutter < right_edge - 0.15 * width:
            left = [run for run in runs if run.x < gutter]
            right = [run for run in runs if run.x >= gutter]
            if _aligned(left) and _aligned(right):
                # Within a line or two of each other, both start at the top: left first.
                if max(run.y for run in right) > max(run.y for run in left) + 2 * runs[0].size:
                    return [right, left]
                return [left, right]
        reach = max(reach, end)
    return [runs]


def _aligned(runs: list[_Run]) -> bool:
    """Whether at least five lines of these runs start at the same left edge."""
    starts = Counter(round(run.x) for run in runs if run.text.strip())
    return bool(starts) and starts.most_common(1)[0][1] >= 5


def _baselines(number: int, runs: list[_Run]) -> list[_PdfLine]:
    """Runs on one baseline as one line, top to bottom, runs left to right."""
    lines: list[_PdfLine] = []
    for run in runs:
        for line in lines:
            if abs(line.y - run.y) <= 0.35 * max(run.size, line.runs[0].size):
                line.runs.append(run)
                break
        else:
            lines.append(_PdfLine(number, run.y, [run]))
    lines.sort(key=lambda line: -line.y)
    for line in lines:
        line.runs.sort(key=lambda run: run.x)
    return lines


def _text_left(lines: list[_PdfLine]) -> float | None:
    """Where most lines start: the left edge of the text column."""
    starts = Counter(round(line.runs[0].x) for line in lines if line.runs[0].text.strip())
    return float(starts.most_common(1)[0][0]) if starts else None


def _margin_apart(line: _PdfLine, text_left: float | None) -> list[_PdfLine]:
    """A line that starts in the left margin and goes on in the text column (a section
    heading or dates set beside the entries) as two lines: the margin's, then the text's."""
    if text_left is None or line.runs[0].x >= text_left - line.runs[0].size:
        return [line]
    for index, run in enumerate(line.runs[1:], start=1):
        if abs(run.x - text_left) <= 2:
            return [_PdfLine(line.page, line.y, line.runs[:index]),
                    _PdfLine(line.page, line.y, line.runs[index:])]
    return [line]


def _compose(line: _PdfLine) -> None:
    """The line's text (a space where runs are apart, a tab where a column starts), its
    extent, and the size and boldness of its first column."""
    text, end = "", None
    for run in line.runs:
        if end is not None:
            gap = run.x - end
            if gap > 2.5 * run.size:
                text = text.rstrip() + "\t"
            # No space after a hyphen that allowed a break ("double-\u200b" "entry").
            elif gap > 0.2 * run.size and not text.endswith((" ", "\t", "-", "\u200b")) and \
                    not run.text[:1].isspace():
                text += " "
        text += run.text
        end = max(end or run.x, run.x + run.width)
    line.text = text.strip()
    line.left = line.runs[0].x
    line.right = end or line.left
    first_column = []
    for run in line.runs:
        if first_column and run.x - (first_column[-1].x + first_column[-1].width) > 2.5 * run.size:
            break
        first_column.append(run)
    weights = Counter()
    bold = 0
    for run in first_column:
        letters = sum(char.isalnum() for char in run.text)
        weights[round(run.size * 2) / 2] += letters
        bold += letters if run.font.bold else 0
    total = sum(weights.values())
    line.size = weights.most_common(1)[0][0] if total else line.runs[0].size
    line.bold = total > 0 and bold >= 0.6 * total


def _attach_links(lines: list[_PdfLine], links) -> None:
    """Each link to the line it is drawn on: the one whose baseline is nearest the bottom of
    the link's box (the baseline sits just above a box's lower edge, by the descent)."""
    for (x1, y1, x2, y2), uri in links:
        inside = [line for line in lines
                  if y1 - 2 <= line.y <= y2 and x1 <= line.right and x2 >= line.left]
        if not inside:
            continue
        line = min(inside, key=lambda line: abs(line.y - (y1 + 0.25 * (y2 - y1))))
        if uri not in line.links:
            line.links.append(uri)


def _joined_paragraphs(lines: list[_PdfLine]) -> list[_PdfLine]:
    """Lines wrapped inside one paragraph (or list item) joined again: the next line has the
    same look, follows at the document's line spacing (paragraphs are further apart), is not
    a new item, and its first word would not have fitted at the end of this one."""
    if not lines:
        return lines
    spacing = _line_spacing(lines)
    joined: list[_PdfLine] = [lines[0]]
    for line in lines[1:]:
        previous = joined[-1]
        first_word = line.text.split(" ", 1)[0]
        needed = line.runs[0].font.text_width(" " + first_word, line.size)
        if (
            previous.page == line.page
            and "\t" not in previous.text and "\t" not in line.text
            and line.text[:1] not in _BULLETS
            and abs(previous.size - line.size) < 0.5 and previous.bold == line.bold
            and 0 < (previous.y - line.y) / line.size <= spacing * 1.12
            and line.left >= previous.left - 1
            and previous.right + needed > line.column_right - 1
        ):
            # A hyphen at the end of a line stays, without a space: "Łukasiewicz-" "Núñez".
            glue = "" if previous.text.endswith("-") else " "
            previous.text = previous.text + glue + line.text
            previous.y = line.y
            previous.right = line.right
            previous.links.extend(link for link in line.links if link not in previous.links)
            continue
        joined.append(line)
    return joined


def _line_spacing(lines: list[_PdfLine]) -> float:
    """The distance between baselines inside a paragraph, in font sizes: the smallest that
    recurs between lines of one size (list items are set that close too)."""
    gaps = Counter(
        round((above.y - below.y) / below.size, 2)
        for above, below in itertools.pairwise(lines)
        if above.page == below.page and abs(above.size - below.size) < 0.5 and above.y > below.y
    )
    recurring = [gap for gap, count in gaps.items() if count >= 2] or list(gaps)
    return min(recurring, default=1.4)


def _without_repeated_margins(lines: list[_PdfLine]) -> list[_PdfLine]:
    """Running headers and footers (the same text at the same height on another page) are
    kept once."""
    first_page: dict[tuple[int, str], int] = {}
    kept = []
    for line in lines:
        key = (round(line.y), re.sub(r"\d+", "#", line.text))
        if first_page.setdefault(key, line.page) == line.page:
            kept.append(line)
    return kept


def _body_size(lines: list[_PdfLine]) -> float:
    sizes = Counter()
    for line in lines:
        sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


