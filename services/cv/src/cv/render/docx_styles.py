"""The DOCX export's package and styles: the trimmed python-docx template it starts from (no
thumbnail, no unused styles, a font table), the page, the core properties, and the named
styles every paragraph takes its look from, per template (`Look`). `docx.py` writes the
body with them."""

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Inches, Mm

from cv.render.document import Document
from cv.render.options import RenderOptions

# The faces the PDF is set in, so the two look alike where they are installed. Noto Sans and
# Noto Serif have no CJK or Arabic glyphs: Word takes East-Asian and complex-script text from
# the fallbacks.
EAST_ASIAN_FONT = "Noto Sans CJK JP"
COMPLEX_SCRIPT_FONT = "Noto Sans Arabic"
SERIF_FONT = "Noto Serif"
MONO_FONT = "DejaVu Sans Mono"
# What the font table says of each family (w:family, w:pitch, w:charset), so that Word on a
# machine without it stands in a face of the same kind: a sans, a serif, a monospace, a
# Japanese or an Arabic one, rather than its default.
_FONT_KINDS = {
    "Noto Sans": ("swiss", "variable", "00"),
    "Noto Serif": ("roman", "variable", "00"),
    MONO_FONT: ("modern", "fixed", "00"),
    EAST_ASIAN_FONT: ("swiss", "variable", "80"),
    COMPLEX_SCRIPT_FONT: ("swiss", "variable", "B2"),
}

# Word's proofing languages are regional; the CV's languages map to their most common one.
WORD_LANGUAGES = {"en": "en-US", "es": "es-ES", "de": "de-DE", "fr": "fr-FR"}

PAGE_SIZES = {"a4": (Mm(210), Mm(297)), "letter": (Inches(8.5), Inches(11))}


@dataclass(frozen=True)
class Look:
    """What a template changes in the DOCX: styles only."""
    heading_font: str | None = None  # None: the body font from the options
    heading_colour: bool = True  # the accent on section headings
    heading_rule: bool = False  # a line in the accent under each section heading
    heading_band: bool = False  # section headings on a band of the accent
    heading_case: str | None = None  # "caps" or "smallCaps": shown so, typed text kept
    heading_bold: bool = True
    name_colour: bool = True  # the accent on the name
    banner: bool = False  # name and headline on a band of the accent
    centred: bool = False  # name, headline and contact line centred
    dates_right: bool = False  # an entry's dates at the right margin (a right tab stop)
    keyword_font: str | None = None  # keywords, courses, skills' tags


# Creative's sidebar and executive's dates in the margin would take a table or text boxes,
# which parsers skip: here they are a band of colour under each heading and a right tab stop.
LOOKS = {
    "modern": Look(heading_rule=True),
    "classic": Look(heading_font=SERIF_FONT, heading_rule=True, heading_case="smallCaps",
                    name_colour=False, centred=True),
    "minimal": Look(heading_colour=False, heading_case="caps", heading_bold=False),
    "creative": Look(heading_band=True),
    "executive": Look(heading_font=SERIF_FONT, heading_rule=True, heading_case="caps",
                      banner=True, dates_right=True),
    "tech": Look(heading_font=MONO_FONT, keyword_font=MONO_FONT),
}


# The package

# The template's styles the body uses (by their names in styles.xml); it adds its own.
_KEPT_STYLES = frozenset({"Title", "Subtitle", "heading 1", "heading 2", "List Bullet",
                          "List Number"})


@cache
def package() -> bytes:
    """python-docx's default template without what a CV must not carry: its thumbnail (a
    blank page that file browsers and the files service would show as this CV's preview),
    the Word 2010 copy of the styles, SharePoint's custom XML and the 150 styles a CV does not
    use (Word brings any of them back from its own when a user picks one); with our font
    table. Built once: every render opens these bytes."""
    word = docx.Document()
    package_rels = word.part.package.rels
    for r_id in [r_id for r_id, rel in package_rels.items() if rel.reltype == RT.THUMBNAIL]:
        del package_rels[r_id]
    dropped = {RT.CUSTOM_XML, RT.FONT_TABLE, "http://schemas.microsoft.com/office/2007/"
               "relationships/stylesWithEffects"}
    for r_id in [r_id for r_id, rel in word.part.rels.items() if rel.reltype in dropped]:
        del word.part.rels[r_id]
    font_table = Part(PackURI("/word/fontTable.xml"), CT.WML_FONT_TABLE, _font_table(),
                      word.part.package)
    word.part.relate_to(font_table, RT.FONT_TABLE)
    for style in list(word.styles.element.iterchildren(qn("w:style"))):
        if style.get(qn("w:default")) != "1" and style.name_val not in _KEPT_STYLES:
            word.styles.element.remove(style)
        for link in style.findall(qn("w:link")):  # to the "... Char" styles just removed
            style.remove(link)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _font_table() -> bytes:
    fonts = _w("fonts")
    for name, (family, pitch, charset) in _FONT_KINDS.items():
        font = _w("font", name=name)
        font.extend([_w("charset", val=charset), _w("family", val=family),
                     _w("pitch", val=pitch)])
        fonts.append(font)
    return serialize_part_xml(fonts)


def set_page(word, options: RenderOptions) -> None:
    section = word.sections[0]
    section.page_width, section.page_height = PAGE_SIZES[options.page_size]
    margin = Mm(options.margin_mm)
    section.top_margin = section.bottom_margin = margin
    section.left_margin = section.right_margin = margin


def set_properties(word, document: Document) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    properties = word.core_properties
    properties.title = document.title
    properties.author = properties.last_modified_by = document.author
    properties.language = WORD_LANGUAGES.get(document.language, document.language)
    properties.comments = ""  # the template's says "generated by python-docx"
    properties.created = properties.modified = now
    properties.revision = 1


# Styles: every paragraph takes its look from a named style, so a user who edits the file in
# Word changes a template's look in one place.


def styles(word, options: RenderOptions, look: Look) -> dict[str, str]:
    """Set the styles the body uses from the options and the template's look; returns their
    ids by name."""
    styles = word.styles
    size = options.font_size
    accent = options.accent[1:].upper()
    on_accent = _text_on(accent)
    language = WORD_LANGUAGES.get(options.language, options.language)
    body_fonts = _fonts(options.font)
    heading_fonts = _fonts(look.heading_font or options.font)
    text_width = Emu(PAGE_SIZES[options.page_size][0] - 2 * Mm(options.margin_mm))
    band = {"shading": accent, "border": ("top", "left", "bottom", "right"),
            "border_colour": accent}
    rule = {"border": ("bottom",), "border_colour": accent}
    heading_box = band if look.heading_band else rule if look.heading_rule else {}
    # Tech's monospace is for section headings; entry titles in it would read as code.
    entry_fonts = body_fonts if look.heading_font == MONO_FONT else heading_fonts

    defaults = styles.element.find(qn("w:docDefaults"))
    _replace(defaults.find(qn("w:rPrDefault")), _rpr(fonts=body_fonts, size=size,
                                                     language=language))
    definitions = {
        "Normal": (WD_STYLE_TYPE.PARAGRAPH, _ppr(after=0.3 * size, line=1.15),
                   _rpr(fonts=body_fonts, size=size, language=language)),
        "Title": (WD_STYLE_TYPE.PARAGRAPH, _ppr(
            after=0 if look.banner else 0.2 * size, keep_next=True, centred=look.centred,
            **(band if look.banner else {})),
            _rpr(fonts=heading_fonts, size=2.4 * size, bold=True,
                 colour=on_accent if look.banner else accent if look.name_colour else None)),
        "Subtitle": (WD_STYLE_TYPE.PARAGRAPH, _ppr(
            after=0.4 * size, keep_next=True, centred=look.centred,
            **(band if look.banner else {})),
            _rpr(fonts=heading_fonts, size=1.25 * size,
                 colour=on_accent if look.banner else "404040")),
        "Contact": (WD_STYLE_TYPE.PARAGRAPH, _ppr(before=0.4 * size if look.banner else 0,
                                                  after=0.8 * size, centred=look.centred),
                    _rpr(size=0.95 * size, colour="404040")),
        "Heading 1": (WD_STYLE_TYPE.PARAGRAPH, _ppr(
            before=1.4 * size, after=0.4 * size, keep_next=True, outline=0, **heading_box),
            _rpr(fonts=heading_fonts, size=1.3 * size, bold=look.heading_bold,
                 case=look.heading_case, tracking=1 if look.heading_case else 0,
                 colour=on_accent if look.heading_band
                 else accent if look.heading_colour else None)),
        "Heading 2": (WD_STYLE_TYPE.PARAGRAPH, _ppr(before=0.8 * size, after=0,
                                                    keep_next=True, outline=1),
                      _rpr(fonts=entry_fonts, size=1.1 * size, bold=True)),
        "Entry Details": (WD_STYLE_TYPE.PARAGRAPH, _ppr(
            after=0.2 * size, right_tab=text_width.twips if look.dates_right else None),
            _rpr(size=0.95 * size, colour="595959")),
        "List Bullet": (WD_STYLE_TYPE.PARAGRAPH, _ppr(
            after=0.1 * size, num_id=style_num_id(styles["List Bullet"])), None),
        "List Number": (WD_STYLE_TYPE.PARAGRAPH, _ppr(
            after=0.1 * size, num_id=style_num_id(styles["List Number"])), None),
        "Hyperlink": (WD_STYLE_TYPE.CHARACTER, None, _rpr(
            colour=accent if look.heading_colour else None, underline=True)),
        "Keywords": (WD_STYLE_TYPE.CHARACTER, None, _rpr(
            fonts=_fonts(look.keyword_font) if look.keyword_font else None,
            colour=accent if look.keyword_font else None)),
    }
    defined = {}
    for name, (kind, ppr, rpr) in definitions.items():
        # Hyperlink is one of Word's own styles: marked built-in, Word takes it for its own.
        style = styles[name] if name in styles else styles.add_style(
            name, kind, builtin=name == "Hyperlink")
        if name != "Normal":
            style.base_style = styles["Normal"] if kind == WD_STYLE_TYPE.PARAGRAPH else None
        for old in (style.element.find(qn("w:pPr")), style.element.find(qn("w:rPr"))):
            if old is not None:
                style.element.remove(old)
        style.element.extend(part for part in (ppr, rpr) if part is not None)
        defined[name] = style.style_id
    return defined


def _fonts(latin: str) -> tuple[str, str, str]:
    return latin, EAST_ASIAN_FONT, COMPLEX_SCRIPT_FONT


def _text_on(colour: str) -> str:
    """White or black, whichever reads on `colour` (WCAG's relative luminance)."""
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
    red, green, blue = (linear(int(colour[i:i + 2], 16)) for i in (0, 2, 4))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "FFFFFF" if luminance < 0.18 else "000000"


def style_num_id(style) -> int:
    return int(style.element.find(qn("w:pPr")).find(qn("w:numPr")).find(qn("w:numId"))
               .get(qn("w:val")))


def _w(tag: str, **attributes: object):
    element = OxmlElement(f"w:{tag}")
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), str(value))
    return element


def _replace(parent, child) -> None:
    for old in parent.findall(child.tag):
        parent.remove(old)
    parent.append(child)


def _twips(points: float) -> int:
    return round(points * 20)


def _ppr(*, before: float = 0, after: float = 0, line: float | None = None,
         keep_next: bool = False, centred: bool = False, outline: int | None = None,
         num_id: int | None = None, shading: str | None = None,
         border: tuple[str, ...] = (), border_colour: str = "auto",
         right_tab: int | None = None):
    """A style's paragraph properties, children in the schema's order. A border around a
    shaded paragraph, in its colour, pads the text inside the band; alone it is a rule."""
    ppr = _w("pPr")
    if keep_next:
        ppr.extend([_w("keepNext"), _w("keepLines")])
    if num_id is not None:
        numbering = _w("numPr")
        numbering.extend([_w("ilvl", val=0), _w("numId", val=num_id)])
        ppr.append(numbering)
    if border:
        borders = _w("pBdr")
        borders.extend(_w(side, val="single", sz=6, space=4 if shading else 1,
                          color=border_colour) for side in border)
        ppr.append(borders)
    if shading:
        ppr.append(_w("shd", val="clear", color="auto", fill=shading))
    if right_tab is not None:
        tabs = _w("tabs")
        tabs.append(_w("tab", val="right", pos=right_tab))
        ppr.append(tabs)
    spacing = _w("spacing", before=_twips(before), after=_twips(after))
    if line is not None:
        spacing.set(qn("w:line"), str(round(line * 240)))
        spacing.set(qn("w:lineRule"), "auto")
    ppr.append(spacing)
    if centred:
        ppr.append(_w("jc", val="center"))
    if outline is not None:
        ppr.append(_w("outlineLvl", val=outline))
    return ppr


def _rpr(*, fonts: tuple[str, str, str] | None = None, size: float | None = None,
         bold: bool = False, case: str | None = None, colour: str | None = None,
         tracking: float = 0, underline: bool = False, language: str | None = None):
    """A style's run properties, children in the schema's order. Bold and size are set for
    complex scripts too (bCs, szCs), or Arabic text would stay regular and 11 pt."""
    rpr = _w("rPr")
    if fonts:
        latin, east_asian, complex_script = fonts
        rpr.append(_w("rFonts", ascii=latin, hAnsi=latin, eastAsia=east_asian,
                      cs=complex_script))
    if bold:
        rpr.extend([_w("b"), _w("bCs")])
    if case:
        rpr.append(_w(case))
    if colour:
        rpr.append(_w("color", val=colour))
    if tracking:
        rpr.append(_w("spacing", val=_twips(tracking)))
    if size:
        rpr.extend([_w("sz", val=round(size * 2)), _w("szCs", val=round(size * 2))])
    if underline:
        rpr.append(_w("u", val="single"))
    if language:
        rpr.append(_w("lang", val=language, eastAsia="ja-JP", bidi="ar-SA"))
    return rpr


