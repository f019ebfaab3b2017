"""The one way CV text becomes HTML or plain text.

Text fields hold plain text; `summary`, `highlights` and `description` may use a small Markdown
subset: paragraphs (a blank line), line breaks, **bold**, *italic*, `- ` and `1. ` lists,
[links](https://...) and backslash escapes. Everything a user types is escaped first and only
the markup generated here is produced; the result then goes through nh3 (Ammonia) with an
allow-list, so a public link or a collaborator never receives a user's HTML as live markup.
"""

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3

_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_SANITIZER = nh3.Cleaner(
    tags={"p", "br", "strong", "em", "ul", "ol", "li", "a"},
    attributes={"a": {"href"}, "ol": {"start"}},
    url_schemes=set(_LINK_SCHEMES),
    url_relative="deny",
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)

_BULLET = re.compile(r" {0,3}[-*+•]\s+(?P<item>.*)")
# Up to three digits: "2019. A year to remember" is a sentence, not item 2019 of a list.
_NUMBERED = re.compile(r" {0,3}(?P<number>\d{1,3})[.)]\s+(?P<item>.*)")
# Alternatives tried at each position, earliest match wins; bold before italic so "**" pairs.
# Emphasis needs text touching its markers, as in CommonMark, so "2 * 3 * 4" stays as it is.
# Bold cannot span another "**" and italic no "*" at all: each attempt then stops at the next
# marker, which keeps rendering linear (a lazy ".*?" took 0.5 s on 5,000 hostile characters).
# A link target may hold one level of parentheses (Wikipedia's "Foo_(bar)").
_INLINE = re.compile(
    r"\\(?P<escaped>[\\*\[\]().+•-])"
    r"|\[(?P<label>[^\[\]\n]+)\]\((?P<url>(?:[^()\s]|\([^()\s]*\))+)\)"
    r"|\*\*(?P<bold>[^\s*](?:(?:[^*]|\*(?!\*))*?[^\s*])?)\*\*"
    r"|\*(?P<italic>[^\s*](?:[^*]*?[^\s*])?)\*"
)


def markdown_html(text: str) -> str:
    """Render the Markdown subset to sanitised HTML (p, br, strong, em, ul, ol, li and links to
    http/https/mailto with rel="noopener noreferrer nofollow"); anything else is shown as text."""
    parts = []
    for block in _blocks(text):
        if block.kind == "p":
            parts.append(f"<p>{_lines_html(block.items[0])}</p>")
            continue
        lis = "".join(f"<li>{_lines_html(item)}</li>" for item in block.items)
        start = f' start="{block.start}"' if block.start != 1 else ""
        parts.append(f"<{block.kind}{start}>{lis}</{block.kind}>")
    return _SANITIZER.clean("\n".join(parts))


def plain_text(text: str) -> str:
    """The text without Markdown syntax, for PDF, DOCX and TXT exports: emphasis markers
    dropped, links as "label (url)", list items as "• item" or "1. item", paragraphs separated
    by a blank line."""
    parts = []
    for block in _blocks(text):
        if block.kind == "p":
            parts.append(_inline_plain(block.items[0]))
            continue
        parts.append("\n".join(
            # Continuation lines indented under the item's text, as a reader expects.
            ("• " if block.kind == "ul" else f"{number}. ")
            + _inline_plain(item).replace("\n", "\n  ")
            for number, item in enumerate(block.items, start=block.start)
        ))
    return "\n\n".join(parts)


@dataclass(frozen=True)
class Run:
    """A stretch of text with one style; `url` set for a link's label (a safe URL only)."""
    text: str
    bold: bool = False
    italic: bool = False
    url: str | None = None


@dataclass(frozen=True)
class Block:
    """A paragraph or a list, for renderers that are not HTML (PDF, DOCX): each item is a line
    of runs, whose text may hold "\n" for a line break inside the item."""
    kind: str  # "p" (one item), "ul" or "ol"
    items: tuple[tuple[Run, ...], ...]
    start: int = 1


def markdown_blocks(text: str) -> tuple[Block, ...]:
    """The Markdown subset as paragraphs and lists of styled runs: what markdown_html renders,
    for the PDF and DOCX writers (which escape the text in their own syntax)."""
    return tuple(
        Block(block.kind, tuple(_inline_runs(item, False, False) for item in block.items),
              block.start)
        for block in _blocks(text)
    )


@dataclass
class _Block:
    kind: str  # "p" (items holds one string, its lines joined by \n), "ul" or "ol"
    items: list[str]
    start: int = 1  # the first number of an "ol", as the user wrote it


def _blocks(text: str) -> list[_Block]:
    """Group lines into paragraphs and lists; a blank line ends either, an indented line right
    after a list item continues that item."""
    blocks: list[_Block] = []
    current: _Block | None = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            current = None
            continue
        bullet, numbered = _BULLET.fullmatch(line), _NUMBERED.fullmatch(line)
        if bullet or numbered:
            kind = "ul" if bullet else "ol"
            item = (bullet or numbered)["item"].strip()
            if current and current.kind == kind:
                current.items.append(item)
                continue
            current = _Block(kind, [item], int(numbered["number"]) if numbered else 1)
        elif current and (current.kind == "p" or line[:1].isspace()):
            current.items[-1] += "\n" + line.strip()
            continue
        else:
            current = _Block("p", [line.strip()])
        blocks.append(current)
    return blocks


def _lines_html(text: str) -> str:
    return "<br>".join(_inline_html(line) for line in text.split("\n"))


def _inline_html(text: str) -> str:
    out, position = [], 0
    for match in _INLINE.finditer(text):
        out.append(html.escape(text[position:match.start()]))
        position = match.end()
        if match["escaped"] is not None:
            out.append(html.escape(match["escaped"]))
        elif match["label"] is not None:
            label = _inline_html(match["label"])
            url = match["url"]
            if _is_safe_link(url):
                out.append(f'<a href="{html.escape(url, quote=True)}">{label}</a>')
            else:
                out.append(html.escape(match[0]))
        elif match["bold"] is not None:
            out.append(f"<strong>{_inline_html(match['bold'])}</strong>")
        else:
            out.append(f"<em>{_inline_html(match['italic'])}</em>")
    out.append(html.escape(text[position:]))
    return "".join(out)


def _inline_runs(text: str, bold: bool, italic: bool) -> tuple[Run, ...]:
    out: list[Run] = []
    position = 0

    def plain(part: str) -> None:
        if part:
            out.append(Run(part, bold, italic))

    for match in _INLINE.finditer(text):
        plain(text[position:match.start()])
        position = match.end()
        if match["escaped"] is not None:
            plain(match["escaped"])
        elif match["label"] is not None:
            if _is_safe_link(match["url"]):
                out.extend(Run(run.text, run.bold, run.italic, match["url"])
                           for run in _inline_runs(match["label"], bold, italic))
            else:
                plain(match[0])
        elif match["bold"] is not None:
            out.extend(_inline_runs(match["bold"], True, italic))
        else:
            out.extend(_inline_runs(match["italic"], bold, True))
    plain(text[position:])
    return tuple(out)


def _inline_plain(text: str) -> str:
    def plain(match: re.Match[str]) -> str:
        if match["escaped"] is not None:
            return match["escaped"]
        if match["label"] is not None:
            label = _inline_plain(match["label"])
            shown = match["url"].removeprefix("mailto:")
            return label if label == shown else f"{label} ({shown})"
        return _inline_plain(match["bold"] or match["italic"])

    return _INLINE.sub(plain, text)


def _is_safe_link(url: str) -> bool:
    if not url.isprintable():  # control or invisible characters hide a scheme from the eye
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme.lower() not in _LINK_SCHEMES:
        return False
    return parts.scheme.lower() == "mailto" or bool(parts.netloc)
