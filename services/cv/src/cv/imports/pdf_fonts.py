"""What a PDF's fonts tell about its text: how wide each character is (to measure a run of
text and so find the gaps in a line) and which fonts are bold.

A font's name usually says it is bold ("Calibri-Bold"); the descriptor may too. PDFs made from
a variable font (Typst's, for one) name every weight "Regular", so a font whose characters are
consistently wider than the same characters of the family's most used font is taken as bold."""

import re
import statistics
from dataclasses import dataclass

from pypdf.generic import ArrayObject, DictionaryObject

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|[-,]bd\b|[-,]b$|\bw[6-9]\b", re.I)
_FORCE_BOLD = 1 << 18
# Bold faces of common families are 5-15% wider than the regular; italics are narrower.
_BOLD_WIDTH_RATIO = 1.04
_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


@dataclass
class FontFacts:
    """One font of a PDF: its name without the subset tag, its family (the name without the
    style), its character widths (thousandths of the font size) and whether it is bold."""

    name: str
    family: str
    widths: dict[str, float]
    default_width: float
    bold: bool

    def text_width(self, text: str, size: float) -> float:
        return sum(self.widths.get(char, self.default_width) for char in text) * size / 1000


def font_facts(font: DictionaryObject) -> FontFacts:
    """The facts of one font resource; a damaged font gives what could be read."""
    base = str(font.get("/BaseFont", "unknown")).lstrip("/")
    name = base.split("+", 1)[1] if re.match(r"[A-Z]{6}\+", base) else base
    family = re.split(r"[-,]", name, maxsplit=1)[0]
    try:
        widths, default = _widths(font)
        bold = _named_bold(font, name)
    except Exception:  # a malformed font must not stop the import: keep what its name says
        widths, default, bold = {}, 500.0, bool(_BOLD_NAME.search(name))
    return FontFacts(name, family, widths, default, bold)


def mark_wide_fonts_bold(fonts: list[FontFacts], used: dict[str, int]) -> None:
    """Mark as bold the fonts that are wider than their family's most used font (`used`:
    characters set in each font, by name); see the module's docstring."""
    by_family: dict[str, list[FontFacts]] = {}
    for font in fonts:
        by_family.setdefault(font.family, []).append(font)
    for family in by_family.values():
        if len(family) < 2:
            continue
        regular = max(family, key=lambda font: used.get(font.name, 0))
        for font in family:
            if font is regular or font.bold:
                continue
            shared = [char for char in font.widths
                      if char.isalpha() and regular.widths.get(char)]
            if len(shared) < 3:
                continue
            ratio = statistics.median(font.widths[char] / regular.widths[char] for char in shared)
            font.bold = ratio >= _BOLD_WIDTH_RATIO


def _named_bold(font: DictionaryObject, name: str) -> bool:
    if _BOLD_NAME.search(name):
        return True
    descriptor = font.get("/FontDescriptor")
    if descriptor is None and "/DescendantFonts" in font:
        descendants = font["/DescendantFonts"].get_object()
        if isinstance(descendants, ArrayObject) and descendants:
            descriptor = descendants[0].get_object().get("/FontDescriptor")
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    weight = descriptor.get("/FontWeight")
    flags = descriptor.get("/Flags", 0)
    return bool((isinstance(weight, int | float) and weight >= 600) or
                (isinstance(flags, int) and flags & _FORCE_BOLD))


def _widths(font: DictionaryObject) -> tuple[dict[str, float], float]:
    """Each character's width, through the font's ToUnicode map (codes as the character
    itself for a simple font without one)."""
    to_unicode = _to_unicode(font)
    by_code: dict[int, float] = {}
    if font.get("/Subtype") == "/Type0":
        descendant = font["/DescendantFonts"].get_object()[0].get_object()
        default = float(descendant.get("/DW", 1000))
        entries = list(descendant.get("/W", ArrayObject()).get_object())
        index = 0
        while index + 1 < len(entries):
            first = int(entries[index])
            following = entries[index + 1].get_object()
            if isinstance(following, ArrayObject):
                for offset, width in enumerate(following):
                    by_code[first + offset] = float(width)
                index += 2
            else:
                last, width = int(following), float(entries[index + 2])
                for code in range(first, min(last, first + 65536) + 1):
                    by_code[code] = width
                index += 3
    else:
        default = 500.0
        first_char = int(font.get("/FirstChar", 0))
        for offset, width in enumerate(font.get("/Widths", ArrayObject()).get_object()):
            by_code[first_char + offset] = float(width)
    widths = {}
    for code, width in by_code.items():
        char = to_unicode.get(code) or (chr(code) if not to_unicode and 32 <= code < 127 else "")
        if len(char) == 1 and width > 0:
            widths.setdefault(char, width)
    return widths, default


def _to_unicode(font: DictionaryObject) -> dict[int, str]:
    """The font's ToUnicode CMap: bfchar and bfrange entries, code -> text."""
    stream = font.get("/ToUnicode")
    if stream is None:
        return {}
    data = stream.get_object().get_data()
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        codes = _HEX.findall(block)
        for source, target in zip(codes[::2], codes[1::2], strict=False):
            mapping[int(source, 16)] = _utf16(target)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for line in block.splitlines():
            codes = _HEX.findall(line)
            if len(codes) < 3:
                continue
            low, high = int(codes[0], 16), int(codes[1], 16)
            if b"[" in line:
                for offset, target in enumerate(codes[2:]):
                    mapping[low + offset] = _utf16(target)
            else:
                start = int(codes[2], 16)
                for offset in range(min(high - low, 65535) + 1):
                    mapping[low + offset] = chr(start + offset) if start + offset < 0x110000 \
                        else ""
    return mapping


def _utf16(hex_text: bytes) -> str:
    raw = bytes.fromhex(hex_text.decode().rjust(len(hex_text) + len(hex_text) % 2, "0"))
    return raw.decode("utf-16-be", errors="ignore")
