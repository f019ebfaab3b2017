"""The PDF writer and its six templates, read back the way an ATS and a PDF viewer read them:
pypdf's and PDFium's text extraction, annotations, fonts and character boxes."""

import ctypes
import difflib
import hashlib
import io
import re
import threading
from collections.abc import Iterator
from functools import cache
from typing import NamedTuple

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from cv.content.schema import validate_content
from cv.content.text import markdown_blocks
from cv.render.document import Document, Entry, Header, Rich, Section, build_document
from cv.render.options import RenderOptions
from cv.render.pdf import render_pdf
from cv.render.templates import TEMPLATES
from devstack.samples import content as samples
from devstack.samples.resumes import rich_cv

NAMES = list(TEMPLATES)
DEFAULTS = RenderOptions()
# Options far from the defaults, so that page breaks fall elsewhere and the margins and sizes
# are at their limits.
OPTION_SETS = [
    RenderOptions(),
    RenderOptions(page_size="letter", font_size=13, margin_mm=8, font="Noto Serif"),
    RenderOptions(font_size=8, margin_mm=35, accent="#f5d90a"),
    RenderOptions(font_size=11.5, margin_mm=12, language="de"),
]
# What the ATS measurement must reach, as RenderCV publishes for its own PDFs (99.1%).
MIN_ACCURACY = 0.99


def document(content: dict | None = None, options: RenderOptions = DEFAULTS) -> Document:
    return build_document(validate_content(content or rich_cv()), "Backend CV", options)


@cache
def rich_pdf(template: str) -> bytes:
    return render_pdf(document(), DEFAULTS, template)


def words(text: str) -> list[str]:
    """Text as an ATS compares it: lower-case words, punctuation, bullets and spacing gone."""
    return re.findall(r"\w+", text.lower())


def pypdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def pdfium_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


EXTRACTORS = {"pypdf": pypdf_text, "pdfium": pdfium_text}


def rich_text(rich: Rich) -> str:
    """Rich text as the PDF shows it: link labels without their URLs, list numbers kept."""
    lines = []
    for block in rich:
        for number, item in enumerate(block.items, start=block.start):
            text = "".join(run.text for run in item)
            lines.append(f"{number}. {text}" if block.kind == "ol" else text)
    return "\n".join(lines)


def entry_parts(entry: Entry, compact: bool) -> list[str]:
    """An entry's text in the order every template writes it (templates/common.typ)."""
    if compact:
        return [entry.title, entry.subtitle, *entry.tags]
    return [entry.title, entry.dates, entry.subtitle, entry.location, rich_text(entry.body),
            *("".join(run.text for run in line) for line in entry.bullets), *entry.tags]


def header_parts(header: Header) -> list[str]:
    return [header.name, header.label, header.location, *(link.label for link in header.links),
            header.summary_heading, rich_text(header.summary)]


def expected_text(doc: Document) -> str:
    parts = header_parts(doc.header)
    for section in doc.sections:
        parts.append(section.heading)
        for entry in section.entries:
            parts += entry_parts(entry, section.compact)
    return "\n".join(part for part in parts if part)


def find_in_order(haystack: list[str], needles: list[str]) -> list[str]:
    """The needles (phrases) not found in order in the word list `haystack`; each is looked
    for after where the previous one was found."""
    missing, position = [], 0
    for needle in needles:
        wanted = words(needle)
        for start in range(position, len(haystack) - len(wanted) + 1):
            if haystack[start:start + len(wanted)] == wanted:
                position = start + len(wanted)
                break
        else:
            missing.append(needle)
    return missing


# Arabic script. Neither extractor gives it back as written: both repeat letters whose dots the
# font draws as glyphs of their own, and pypdf reverses right-to-left runs. What the PDF holds
# for it is checked on its own (test_arabic_is_drawn_right_to_left_from_the_arabic_font).
ARABIC = re.compile("[\u0600-\u06ff]")


def reading_order(doc: Document) -> list[str]:
    """What must come in this order: the name and headline, then each section's heading and
    each entry's title (but those in Arabic)."""
    order = [doc.header.name, doc.header.label, doc.header.summary_heading]
    for section in doc.sections:
        order.append(section.heading)
        order += [entry.title for entry in section.entries if not ARABIC.search(entry.title)]
    return order


def accuracy(pdf: bytes, doc: Document, extract, *, arabic: bool = False) -> float:
    """How much of the document's text, word for word and in order, the extractor reads back
    (difflib's ratio of the two word sequences); Arabic words left out unless `arabic`."""
    def kept(text: str) -> list[str]:
        return [word for word in words(text) if arabic or not ARABIC.search(word)]

    return difflib.SequenceMatcher(None, kept(expected_text(doc)), kept(extract(pdf)),
                                   autojunk=False).ratio()


def fonts_of(resources) -> list:
    """Every font a page's resources use, those of its form XObjects included."""
    resources = resources.get_object() if resources else {}
    found = [font.get_object() for font in (resources.get("/Font") or {}).values()]
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            found += fonts_of(xobject.get("/Resources"))
    return found


def link_targets(pdf: bytes) -> set[str]:
    targets = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for annotation in page.get("/Annots") or ():
            action = annotation.get_object().get("/A")
            if action and action.get_object().get("/URI"):
                targets.add(str(action.get_object()["/URI"]))
    return targets


class Char(NamedTuple):
    page: int
    page_size: tuple[float, float]
    text: str
    font: str  # the font's name in the PDF ("ABCDEF+NotoSans-Regular")
    font_data: str  # a digest of the embedded font program: which font it really is
    box: tuple[float, float, float, float]  # left, bottom, right, top, in points


def characters(pdf: bytes) -> Iterator[Char]:
    """Every character PDFium finds, with its font and box."""
    document = pdfium.PdfDocument(pdf)
    name = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    for index, page in enumerate(document):
        size = page.get_size()
        text = page.get_textpage()
        for char in range(text.count_chars()):
            pdfium_raw.FPDFText_GetFontInfo(text.raw, char, name, len(name), ctypes.byref(flags))
            yield Char(index, size, text.get_text_range(char, 1), name.value.decode(),
                       font_digest(pdfium_raw.FPDFText_GetTextObject(text.raw, char)),
                       text.get_charbox(char))


def font_digest(text_object) -> str:
    if not text_object:
        return ""  # a space PDFium made up between words
    font = pdfium_raw.FPDFTextObj_GetFont(text_object)
    size = ctypes.c_size_t()
    pdfium_raw.FPDFFont_GetFontData(font, None, 0, ctypes.byref(size))
    data = (ctypes.c_uint8 * size.value)()
    pdfium_raw.FPDFFont_GetFontData(font, data, size.value, ctypes.byref(size))
    return hashlib.sha1(bytes(data)).hexdigest()


@pytest.mark.parametrize("template", NAMES)
def test_every_font_is_embedded(template):
    for page in pypdf.PdfReader(io.BytesIO(rich_pdf(template))).pages:
        for font in fonts_of(page["/Resources"]):
            faces = [face.get_object() for face in font.get("/DescendantFonts") or [font]]
            for face in faces:
                descriptor = face["/FontDescriptor"].get_object()
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), face


@pytest.mark.parametrize("template", NAMES)
def test_metadata_names_the_cv_and_its_language(template):
    options = RenderOptions(language="fr")
    doc = document(options=options)
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(doc, options, template)))
    assert reader.metadata.title == doc.title == "Zoë Łukasiewicz-Núñez — Backend CV"
    assert reader.metadata.author == doc.author
    assert reader.trailer["/Root"]["/Lang"] == "fr"


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize("template", NAMES)
def test_text_reads_header_first_then_sections_in_document_order(template, extractor):
    doc = document()
    text = words(EXTRACTORS[extractor](rich_pdf(template)))
    assert [section.key for section in doc.sections][:4] == [
        "work", "projects", "education", "skills"]  # the CV's own order, not the default one
    assert text[:3] == words(doc.header.name)  # nothing before the name, not even a sidebar
    assert find_in_order(text, reading_order(doc)) == []


@pytest.mark.parametrize("template", NAMES)
def test_contact_links_are_clickable(template):
    targets = link_targets(rich_pdf(template))
    assert {"mailto:zoe.lukasiewicz@example.com", "tel:+48225550123", "https://zoe.example.dev",
            "https://github.com/zoeln", "https://www.linkedin.com/in/zoe-lukasiewicz",
            "https://hachyderm.example/@zoeln"} <= targets
    # Links in the text and on entry titles too.
    assert {"https://kestrel.example.com/blog", "https://kestrel.example.com"} <= targets


def page_last_lines(pdf: bytes) -> list[str]:
    """The last line of text of each page but the last, as PDFium reads it."""
    document = pdfium.PdfDocument(pdf)
    lines = []
    for page in list(document)[:-1]:
        text = page.get_textpage().get_text_range().strip()
        lines.append(text.splitlines()[-1])
    return lines


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: f"{o.page_size}-{o.font_size}")
@pytest.mark.parametrize("template", NAMES)
def test_no_page_ends_with_a_heading(template, options):
    doc = document(options=options)
    pdf = render_pdf(doc, options, template)
    headings = [section.heading for section in doc.sections]
    for section in doc.sections:
        for entry in section.entries:
            if section.compact:
                continue
            # A title with a second row under it, and a second row with text under it.
            if entry.subtitle or entry.location or entry.body or entry.bullets or entry.tags:
                headings.append(entry.title)
            if entry.body or entry.bullets or entry.tags:
                headings += [part for part in (entry.subtitle, entry.location) if part]
    breaks = page_last_lines(pdf)
    assert breaks, "the CV must be long enough to break pages"
    for line in breaks:
        line_words = words(line)
        for heading in headings:
            wanted = words(heading)
            assert line_words[:len(wanted)] != wanted or not wanted, (line, heading)


@pytest.mark.parametrize("template", NAMES)
def test_latin_greek_cyrillic_and_cjk_render_as_text(template):
    for extract in EXTRACTORS.values():
        # Spacing aside: a narrow column breaks the name after its hyphen (which PDFium gives
        # as U+FFFE, a hyphen that may be a soft one).
        text = re.sub(r"\s+", "", extract(rich_pdf(template)).replace("\ufffe", "-"))
        for sample in ("ZoëŁukasiewicz-Núñez", "ΑθηναϊκήΛογισμική", "Ελληνικά",
                       "Санкт-Петербург", "«СеверныйКод»", "東京データ株式会社"):
            assert sample in text, (sample, template)


@pytest.mark.parametrize("template", NAMES)
def test_arabic_is_drawn_right_to_left_from_the_arabic_font(template):
    pdf = rich_pdf(template)
    source = "جامعة القاهرة"
    arabic = [(char.text, char.font, char.box) for char in characters(pdf)
              if ARABIC.match(char.text)]
    assert arabic
    assert all("NotoSansArabic" in font for _, font, _ in arabic)
    # The font draws some dots as marks of their own, which map back to their letter again, so
    # letters come back more than once; but they are the same letters. (pypdf reverses RTL runs
    # and repeats the same way: the order is not what a reader of Arabic would want.)
    assert set(ARABIC.findall(source)) <= {char for char, _, _ in arabic}
    for extract in EXTRACTORS.values():
        assert set(ARABIC.findall(source)) <= set(ARABIC.findall(extract(pdf)))

    # Right to left: jeem, the first letter of the first word, is right of heh, in the second.
    def left(letter: str) -> float:
        return max(box[0] for char, _, box in arabic if char == letter)

    assert left("\u062c") > left("\u0647")


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: f"{o.page_size}-{o.font_size}")
@pytest.mark.parametrize("template", NAMES)
def test_all_text_is_inside_the_page(template, options):
    pdf = render_pdf(document(options=options), options, template)
    assert len(pdfium.PdfDocument(pdf)) >= 2
    assert_inside_pages(pdf)


def assert_inside_pages(pdf: bytes, tolerance: float = 0.5) -> None:
    for char in characters(pdf):
        if char.text.isspace():
            continue
        (width, height), (left, bottom, right, top) = char.page_size, char.box
        assert -tolerance <= left <= right <= width + tolerance, char
        assert -tolerance <= bottom <= top <= height + tolerance, char


@pytest.mark.parametrize("template", NAMES)
def test_a_word_longer_than_its_column_breaks_inside_the_page(template):
    word = "Supercalifragilistic" * 10  # 200 characters, a title's limit
    content = rich_cv()
    content["basics"]["name"] = word
    content["basics"]["location"]["city"] = word
    content["work"][0]["position"] = word
    content["work"][0]["location"] = word
    content["work"][0]["highlights"][0] = f"see {word}"
    content["skills"][0]["keywords"] = [word[:100]]
    pdf = render_pdf(document(content), RenderOptions(), template)
    assert_inside_pages(pdf)
    # Broken where it had to be, by nothing an extractor reads back.
    for extract in EXTRACTORS.values():
        text = extract(pdf)
        assert "\u200b" not in text
        assert "double-entry" in text


@pytest.mark.parametrize("template", NAMES)
def test_ats_reads_the_text_accurately(template, record_property):
    doc = document()
    pdf = rich_pdf(template)
    scores = {name: accuracy(pdf, doc, extract) for name, extract in EXTRACTORS.items()}
    with_arabic = {name: accuracy(pdf, doc, extract, arabic=True)
                   for name, extract in EXTRACTORS.items()}
    record_property("accuracy", scores)
    record_property("accuracy_with_arabic", with_arabic)
    print(f"\nATS accuracy {template}: " + ", ".join(
        f"{name} {scores[name]:.4f} ({with_arabic[name]:.4f} with Arabic)" for name in scores))
    assert min(scores.values()) >= MIN_ACCURACY, scores


INJECTIONS = [
    '#panic("x")', "]", "[", "*", "$", "@", "<label>", "\\", "#set page(width: 1cm)",
    "$x^2$", "@fig:a", "= Heading", "#import \"/cv.json\": *", "/* open comment", "// line",
    "`raw`", "#{ 1 + 1 }", "#(", "_under_", "~", "#eval(\"1\")", '#read("/main.typ")',
]


@pytest.mark.parametrize("template", NAMES)
def test_typst_markup_in_user_text_is_shown_not_run(template):
    payload = " ".join(INJECTIONS)
    content = rich_cv()
    content["basics"]["name"] = f"Name {payload}"
    content["basics"]["label"] = payload
    content["basics"]["location"]["city"] = payload
    content["work"][0]["position"] = payload
    content["work"][0]["name"] = payload
    content["skills"][0]["keywords"] = INJECTIONS
    doc = document(content)
    pdf = render_pdf(doc, RenderOptions(), template)
    text = re.sub(r"\s+", "", pdfium_text(pdf))
    assert text.count(re.sub(r"\s+", "", payload)) >= 5
    assert len(pdfium.PdfDocument(pdf)) >= 2
    # Markup in the Markdown fields is shown too, once the Markdown subset has had its say.
    content = rich_cv()
    content["basics"]["summary"] = "#panic(\"x\") $x$ <label> @ref \\\\ ] ["
    doc = document(content)
    text = pypdf_text(render_pdf(doc, RenderOptions(), template))
    assert '#panic("x") $x$ <label> @ref \\ ] [' in text


@pytest.mark.parametrize("family", ["Noto Sans", "Noto Serif"])
def test_bold_and_italic_are_real_instances_of_the_variable_fonts(family):
    # The bundled Noto files are variable fonts: bold must be the bold instance, not the
    # regular outlines under another name (which a PDF could not tell apart by name).
    run = "m" * 16
    body = markdown_blocks(f"{run}\n\n**{run}**\n\n*{run}*")
    header = Header("Tester", "", "", (), summary=(), summary_heading="")
    doc = Document("Weights", "Tester", "en", header, sections=(
        Section("custom:w", "Weights", (Entry(title="Regular", body=body),)),))
    pdf = render_pdf(doc, RenderOptions(font=family, font_size=13), "minimal")
    chars = [char for char in characters(pdf) if char.text == "m"]
    regular, bold, italic = chars[:16], chars[16:32], chars[32:]
    stem = family.replace(" ", "")
    assert len({char.font_data for char in regular}) == 1
    assert all(f"{stem}-Regular" in char.font for char in regular + bold)
    assert all(f"{stem}-Italic" in char.font for char in italic)
    assert len({regular[0].font_data, bold[0].font_data, italic[0].font_data}) == 3

    # And heavier: more ink in each glyph's box.
    scale = 4
    image = pdfium.PdfDocument(pdf)[0].render(scale=scale).to_pil().convert("L")
    page_height = image.height / scale

    def ink(group: list[Char]) -> float:
        total = 0.0
        for char in group:
            left, bottom, right, top = char.box
            crop = image.crop((int(left * scale), int((page_height - top) * scale),
                               int(right * scale) + 1, int((page_height - bottom) * scale) + 1))
            total += sum(255 - value for value in crop.tobytes()) / (crop.width * crop.height)
        return total / len(group)

    assert ink(bold) > 1.3 * ink(regular)


def photo_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    samples.picture((320, 240)).convert("RGB").save(buffer, kind)
    return buffer.getvalue()


def images(pdf: bytes) -> list:
    found = []

    def walk(resources) -> None:
        for xobject in (resources.get_object().get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Image":
                found.append(xobject)
            elif "/Resources" in xobject:
                walk(xobject["/Resources"])

    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        walk(page["/Resources"])
    return found


# Classic is the one without a photo: a traditional CV, as many employers expect.
PHOTO_TEMPLATES = [name for name in NAMES if name != "classic"]


@pytest.mark.parametrize("template", PHOTO_TEMPLATES)
def test_photo_is_shown_when_given_and_only_then(template):
    doc = document()
    with_photo = render_pdf(doc, RenderOptions(), template, photo_bytes("JPEG"))
    # The JPEG goes in as it is, not decoded and compressed again.
    assert [image.get("/Filter") for image in images(with_photo)] == ["/DCTDecode"]
    assert len(images(render_pdf(doc, RenderOptions(), template, photo_bytes("PNG")))) == 1
    # The compiler that showed a photo keeps none for the next CV.
    assert images(render_pdf(doc, RenderOptions(), template)) == []


def test_classic_shows_no_photo():
    assert images(render_pdf(document(), RenderOptions(), "classic", photo_bytes("JPEG"))) == []


def test_a_photo_that_does_not_decode_is_left_out_of_a_cv_that_renders():
    truncated = photo_bytes("JPEG")[:200]
    assert images(render_pdf(document(), DEFAULTS, "modern", truncated)) == []


def test_a_photo_that_is_not_jpeg_or_png_is_refused():
    with pytest.raises(ValueError, match="JPEG or PNG"):
        render_pdf(document(), RenderOptions(), "creative", photo_bytes("GIF"))


@pytest.mark.parametrize("template", NAMES)
def test_page_size_margins_font_and_accent_follow_the_options(template):
    options = RenderOptions(page_size="letter", margin_mm=30, font="Noto Serif", font_size=12,
                            accent="#b0006d")
    pdf = render_pdf(document(options=options), options, template)
    assert pdfium.PdfDocument(pdf)[0].get_size() == pytest.approx((612, 792))
    # On the second page, past the banners and bands of the first, the text keeps the margins
    # (creative's band is a margin of its own, wider).
    boxes = [char.box for char in characters(pdf) if char.page == 1 and not char.text.isspace()]
    margin = 30 / 25.4 * 72
    assert min(box[0] for box in boxes) >= margin - 1
    assert max(box[2] for box in boxes) <= 612 - margin + 1
    assert max(box[3] for box in boxes) <= 792 - margin + 1
    body = [char for char in characters(pdf) if char.text == "x"]
    assert any("NotoSerif" in char.font for char in body)
    assert max(char.box[3] - char.box[1] for char in body) > 5.5  # 12 pt serif: x-height 6.4
    stream = b"".join(page.get_contents().get_data()
                      for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert re.search(rb"0\.690\d* 0 0\.427\d* (scn|SCN)", stream)  # #b0006d


def test_renders_from_many_threads_keep_each_cv_its_own():
    names = [f"Person {letter}" for letter in "ABCDEFGH"]
    results: dict[str, bytes] = {}

    def render(name: str) -> None:
        content = rich_cv()
        content["basics"]["name"] = name
        results[name] = render_pdf(document(content), RenderOptions(), "modern")

    threads = [threading.Thread(target=render, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in names:
        assert pypdf_text(results[name]).startswith(name)


def test_the_same_cv_renders_to_the_same_bytes():
    # No creation date or random id in the file: an export can be cached and compared.
    assert render_pdf(document(), DEFAULTS, "tech") == render_pdf(document(), DEFAULTS, "tech")


def test_an_unknown_template_is_refused():
    with pytest.raises(ValueError, match="no template"):
        render_pdf(document(), RenderOptions(), "fancy")
