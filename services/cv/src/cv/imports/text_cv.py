"""A CV's content read from its text alone, whatever the file was: the lines (or paragraphs) a
format parser found, each with what the layout hinted (how prominent it is, whether it is a list
item, the links on it), become `basics` and the sections the headings name, in four languages.

The header (what comes before the first section heading) gives basics; each section is cut
into entries at its entry headings (emphasised lines, or dated lines when nothing is
emphasised); `entries.py` reads each entry's fields. Sections with a heading nobody knows are
kept as custom sections, so nothing the CV said is dropped."""

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from cv.content.fields import FORBIDDEN_CHARS, LONG_CHARS, NAME_CHARS, SHORT_CHARS
from cv.imports import entries, lists
from cv.imports.contacts import find_emails, find_phones, find_urls, profile, url_key, web_url
from cv.imports.fitting import clip, fit_content
from cv.imports.headings import heading_key, section_of_heading
from cv.imports.lines import (
    POSTAL_CITY,
    STRONG_SEPARATOR,
    Entry,
    Line,
    is_sentence,
    line_dates,
    looks_like_place,
)

# A list item's mark at the start of its text, when the file kept it as text.
_BULLET_MARK = re.compile(
    r"\s*(?:[•·▪▫◦‣⁃∙●○■□►▶✓✔➢➤→⦁*\uf0b7\uf0a7\uf076\uf0d8\uf0fc]|[-–—+](?=\s))\s*"
)
_PAGE_NUMBER = re.compile(
    r"(?:page|seite|página|pagina|p\.)?\s*\d{1,3}(?:\s*(?:/|of|von|de|sur)\s*\d{1,3})?",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Characters that only steer line breaking or joining: a soft hyphen, zero-width spaces.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_DOCUMENT_TITLES = frozenset({
    "curriculum vitae", "cv", "résumé", "resume", "lebenslauf", "currículum",
    "currículum vítae", "curriculum", "hoja de vida", "vita",
})
_CONTACT_LABEL = re.compile(
    r"(?:e-?mail|mail|courriel|correo|phone|tel(?:efon|éfono|ephone|\.)?|t[ée]l\.?|mobile?|"
    r"mobil|móvil|portable|cell|handy|web(?:site|seite)?|homepage|site|url|linkedin|github|"
    r"address|adresse|anschrift|dirección|location|ort|wohnort|lieu)\s*[:：]\s*",
    re.IGNORECASE,
)
_LIST_SECTIONS = frozenset({"skills", "languages", "interests"})


def content_from_lines(lines: Iterable[Line]) -> dict:
    """The CV content (valid for `validate_content`) read from a CV's lines in reading order."""
    cleaned = _cleaned(lines)
    blocks = _blocks(cleaned)
    header = blocks[0][2]
    basics, summary = _basics(header)
    content: dict = {"basics": basics}
    order: list[str] = []
    custom_ids: set[str] = set()
    for section, title, block_lines in blocks[1:]:
        if section == "summary":
            summary.extend(line.text for line in block_lines)
        elif section == "contact":
            more, more_summary = _basics(block_lines, with_name=False)
            for key, value in more.items():
                basics.setdefault(key, value)
            summary.extend(more_summary)
        elif section == "custom":
            custom = entries.custom_section(_custom_id(title, custom_ids), title,
                                            _split_entries(block_lines))
            if custom["items"]:
                content.setdefault("custom", []).append(custom)
                order.append("custom:" + custom["id"])
        else:
            if section in _LIST_SECTIONS:
                found = lists.LIST_READERS[section](block_lines)
            else:
                found = [entries.ENTRY_READERS[section](entry)
                         for entry in _split_entries(block_lines, one_per_line=section
                                                    in entries.ONE_LINE_SECTIONS)]
            if found:
                content.setdefault(section, []).extend(found)
                if section not in order:
                    order.append(section)
    if summary:
        basics["summary"] = clip("\n".join(summary), LONG_CHARS)
    if order:
        content["meta"] = {"sectionOrder": order}
    return fit_content(content)


def _cleaned(lines: Iterable[Line]) -> list[Line]:
    """Lines as text to compare: NFC, no control characters, one kind of space, list marks
    read off the text, soft line breaks as separate lines, page numbers dropped."""
    cleaned = []
    for line in lines:
        text = _INVISIBLE.sub("", unicodedata.normalize("NFC", line.text)).replace("\r", "\n")
        for part in text.split("\n"):
            # A tab parts columns (a right-aligned date): kept, one between two columns.
            columns = (_SPACES.sub(" ", FORBIDDEN_CHARS.sub(" ", column)).strip()
                       for column in part.split("\t"))
            part = "\t".join(column for column in columns if column)
            bullet = line.bullet
            mark = _BULLET_MARK.match(part)
            if mark and mark.end() < len(part) and mark.end() > 0:
                part, bullet = part[mark.end():], True
            if not part or _PAGE_NUMBER.fullmatch(part) or not any(c.isalnum() for c in part):
                continue
            cleaned.append(Line(part, line.level, bullet, line.links))
    return cleaned


def _blocks(lines: list[Line]) -> list[tuple[str | None, str, list[Line]]]:
    """The header, then each section as (section, heading, lines)."""
    known = [line.level for line in lines if not line.bullet and section_of_heading(line.text)]
    heading_level = Counter(known).most_common(1)[0][0] if known else None
    blocks: list[tuple[str | None, str, list[Line]]] = [(None, "", [])]
    for line in lines:
        section = None if line.bullet else section_of_heading(line.text)
        current = blocks[-1][0]
        if section:
            blocks.append((section, line.text, []))
        elif inline := _inline_heading(line, current):
            blocks.append(inline)
        elif current is not None and _custom_heading(line, heading_level):
            blocks.append(("custom", line.text.rstrip(":："), []))
        else:
            blocks[-1][2].append(line)
    return blocks


def _inline_heading(line: Line, current: str | None):
    """"Languages: Polish, English" in the header opens that section with the rest of the line
    as its first line. Not inside a section: among skills, "Languages: Python, Go" is one."""
    if current not in (None, "contact") or ":" not in line.text:
        return None
    label, rest = line.text.split(":", 1)
    section = section_of_heading(label)
    if section in _LIST_SECTIONS and rest.strip():
        return section, label, [Line(rest.strip(), 0, False, line.links)]
    return None


def _custom_heading(line: Line, heading_level: int | None) -> bool:
    """A line set like the known section headings (or in capitals, where those are merely
    bold), short, undated and not a sentence: the heading of a section we have no name for."""
    if heading_level is None or line.bullet or line.level < max(heading_level, 1):
        return False
    text = line.text.rstrip(":：")
    if heading_level < 2 and not (text.isupper() and len(text) > 2):
        return False
    return (
        len(text) <= 50 and len(text.split()) <= 6 and not re.search(r"[\d@/]", text)
        and not text.endswith(".") and any(char.isalpha() for char in text)
    )


def _custom_id(title: str, taken: set[str]) -> str:
    ascii_title = unicodedata.normalize("NFKD", heading_key(title)).encode("ascii", "ignore")
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.decode()).strip("-")[:56] or "section"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _split_entries(lines: list[Line], *, one_per_line: bool = False) -> list[Entry]:
    """A section's lines cut into entries. Where the section emphasises some lines, each
    emphasised line after a body (or after a dated head that already had its emphasised
    title) opens an entry; elsewhere a dated line after a dated entry, or a line of facts after
    a body, does. In `one_per_line` sections (certificates, awards) every line that is not
    running text is an entry of its own when nothing is emphasised, but for the undated line
    after a dated title (its issuer)."""
    if lines and all(line.bullet for line in lines):
        lines = [Line(line.text, line.level, False, line.links) for line in lines]
    base = min((line.level for line in lines), default=0)
    emphasis = any(line.level > base and not line.bullet for line in lines)
    kinds = []
    for line in lines:
        sentence = not line.bullet and is_sentence(line.text)
        strong = not line.bullet and line.level > base
        dated = not line.bullet and not sentence and line_dates(line.text) is not None
        kinds.append((sentence, strong, dated))
    found: list[Entry] = []
    current: Entry | None = None
    for index, (line, (sentence, strong, dated)) in enumerate(zip(lines, kinds, strict=True)):
        # A title line right before its dates ("Engineer, Kestrel" then "2019 – 2021").
        dates_follow = index + 1 < len(lines) and kinds[index + 1][2] and not dated
        if current is None:
            current = Entry(base=base)
            found.append(current)
            opens = False
        elif line.bullet or sentence:
            opens = False
        elif emphasis:
            opens = (strong and bool(current.body or (current.dated and current.emphasised))) or (
                dated and not strong and bool(current.body or current.dated))
        elif one_per_line:
            # "Engineer of the Year<tab>Dec 2023" may have its awarder on the next line.
            opens = not (current.dated and len(current.head) == 1 and not dated)
        else:
            opens = bool(current.body) or (current.dated and (dated or dates_follow))
        if opens:
            current = Entry(base=base)
            found.append(current)
        if current.body or line.bullet or sentence:
            current.body.append(line)
        else:
            current.head.append(line)
            current.dated = current.dated or dated
            current.emphasised = current.emphasised or strong
    return found


def _basics(lines: list[Line], *, with_name: bool = True) -> tuple[dict, list[str]]:
    """basics from the header's lines, and the paragraphs of running text found there (a
    summary without a heading)."""
    basics: dict = {}
    summary: list[str] = []
    lines = [line for line in lines if heading_key(line.text) not in _DOCUMENT_TITLES]
    name_index = _name_index(lines) if with_name else None
    if name_index is not None:
        basics["name"] = clip(lines[name_index].text)
    urls: list[str] = []
    # mailto: and tel: links only stand in for what the text does not say: a tel: link holds
    # the number without the spacing the CV shows.
    linked: dict[str, str] = {}
    for index, line in enumerate(lines):
        for link in line.links:
            if link.lower().startswith("mailto:"):
                linked.setdefault("email", link[7:].split("?")[0].strip())
            elif link.lower().startswith("tel:"):
                linked.setdefault("phone", clip(link[4:].strip(), SHORT_CHARS))
            elif url := web_url(link):
                urls.append(url)
        if index == name_index:
            continue
        if is_sentence(line.text) and not find_emails(line.text):
            summary.append(line.text)
            continue
        for segment in STRONG_SEPARATOR.split(line.text):
            rest = _read_contact(segment, basics, urls)
            if not rest:
                continue
            if looks_like_place(rest) and "location" not in basics:
                basics["location"] = _place(rest)
            elif "label" not in basics and len(rest) <= NAME_CHARS:
                basics["label"] = rest
            else:
                summary.append(rest)
    for key, value in linked.items():
        basics.setdefault(key, value)
    profiles: list[dict] = []
    seen: set[str] = set()
    for url in urls:
        key = url_key(url)
        if key in seen:
            continue
        seen.add(key)
        if (found := profile(url)) and found["network"] not in {p["network"] for p in profiles}:
            profiles.append(found)
        elif found is None and "url" not in basics:
            basics["url"] = url
    if profiles:
        basics["profiles"] = profiles
    return basics, summary


def _name_index(lines: list[Line]) -> int | None:
    """The most prominent of the first lines that could be a person's name (the first of
    them when nothing is more prominent)."""
    candidates = [
        index for index, line in enumerate(lines[:8])
        if not line.bullet and 1 < len(line.text) <= 80 and len(line.text.split()) <= 6
        and not find_emails(line.text) and not find_urls(line.text)
        and not re.search(r"\d", line.text) and not is_sentence(line.text)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda index: (lines[index].level, -index))


def _read_contact(segment: str, basics: dict, urls: list[str]) -> str:
    """Take e-mail, phone and web addresses out of a header segment into basics (and urls);
    return what is left of it."""
    segment = _CONTACT_LABEL.sub("", segment.strip())
    for email in find_emails(segment):
        basics.setdefault("email", email)
        segment = segment.replace(email, " ")
    for url_text in re.findall(r"\S+", segment):
        found = find_urls(url_text)
        if found and len(url_text.rstrip(".,;")) >= 4:
            urls.extend(found)
            segment = segment.replace(url_text, " ")
    for phone in find_phones(segment):
        basics.setdefault("phone", clip(phone, SHORT_CHARS))
        segment = segment.replace(phone, " ")
    return re.sub(r"\s+", " ", segment).strip(" ,;|·•-–—")


def _place(text: str) -> dict:
    """A JSON Resume location from "ul. Świętokrzyska 14, 00-050 Warszawa, Mazowieckie, PL"."""
    location: dict = {}
    for part in (part.strip() for part in text.split(",")):
        if not part:
            continue
        if postal := POSTAL_CITY.fullmatch(part):
            location.setdefault("postalCode", postal["postal"])
            location.setdefault("city", clip(postal["city"]))
        elif re.fullmatch(r"[A-Z]{2}", part):
            location["countryCode"] = part
        elif re.search(r"\d", part):
            location.setdefault("address", clip(part, LONG_CHARS))
        elif "city" not in location:
            location["city"] = clip(part)
        else:
            location.setdefault("region", clip(part))
    return location
