"""What an upload is, decided from its bytes alone: the name and the Content-Type it came with
are the client's claims, and a bucket accepts or refuses what the bytes say.

Besides the kinds the buckets accept, content they refuse gets a name too ("exe", "html",
"heic", ...), so that the 415 can tell the user what we found rather than only "unknown".
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from files.content.model import Detected

# Enough for every signature, for a PDF header anywhere in its first 1024 bytes, and for an
# SVG root behind a long XML prologue (editors write comments and a DOCTYPE before it).
HEAD_BYTES = 64 * 1024
PDF_HEADER_WINDOW = 1024
# [Content_Types].xml lists one line per part; a real one is a few kilobytes.
CONTENT_TYPES_MAX_BYTES = 1024 * 1024

MIME_AND_EXTENSION: dict[str, tuple[str, str]] = {
    "jpeg": ("image/jpeg", "jpg"),
    "png": ("image/png", "png"),
    "gif": ("image/gif", "gif"),
    "webp": ("image/webp", "webp"),
    "svg": ("image/svg+xml", "svg"),
    "bmp": ("image/bmp", "bmp"),
    "tiff": ("image/tiff", "tif"),
    "heic": ("image/heic", "heic"),
    "avif": ("image/avif", "avif"),
    "pdf": ("application/pdf", "pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
    # Legacy Office (.doc, .xls, .ppt) and password-protected OOXML are both OLE containers.
    "ole": ("application/x-ole-storage", "ole"),
    "zip": ("application/zip", "zip"),
    "gzip": ("application/gzip", "gz"),
    "rar": ("application/vnd.rar", "rar"),
    "7z": ("application/x-7z-compressed", "7z"),
    "mp4": ("video/mp4", "mp4"),
    "mov": ("video/quicktime", "mov"),
    "avi": ("video/x-msvideo", "avi"),
    "webm": ("video/webm", "webm"),
    "mkv": ("video/x-matroska", "mkv"),
    "m4a": ("audio/mp4", "m4a"),
    "exe": ("application/vnd.microsoft.portable-executable", "exe"),
    "elf": ("application/x-elf", "elf"),
    "html": ("text/html", "html"),
    "xml": ("application/xml", "xml"),
    "text": ("text/plain", "txt"),
    "empty": ("application/octet-stream", "bin"),
    "unknown": ("application/octet-stream", "bin"),
}

# Signatures at offset 0, longest first where one is a prefix of another.
PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x7fELF", "elf"),
    (b"MZ", "exe"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x1a\x45\xdf\xa3", "mkv"),
)

# ISO BMFF major brands that are not video: HEIF/AVIF stills and MPEG-4 audio share the
# `ftyp` box with MP4, and calling them mp4 would send a photo to the video pipeline.
FTYP_BRANDS: dict[bytes, str] = {
    b"qt  ": "mov",
    b"heic": "heic", b"heix": "heic", b"heim": "heic", b"heis": "heic",
    b"hevc": "heic", b"mif1": "heic", b"msf1": "heic",
    b"avif": "avif", b"avis": "avif",
    b"M4A ": "m4a", b"M4B ": "m4a",
}

WORD_MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    # Macro-enabled documents and templates are detected as docx on purpose: cv-files accepts
    # docx, and the document check then refuses them with "contains macros", which tells the
    # user more than "cv-files accepts docx, pdf; this file is docm".
    "application/vnd.ms-word.document.macroenabled.main+xml",
    "application/vnd.ms-word.template.macroenabledtemplate.main+xml",
)
OOXML_MAIN_PARTS = {"xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}

# After the BOM: whitespace, the XML declaration and other processing instructions,
# comments, and a DOCTYPE (with an internal subset in brackets), in any order.
XML_PROLOGUE_ITEM = re.compile(
    r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE\s[^\[>]*(?:\[.*?\]\s*)?>",
    re.DOTALL | re.IGNORECASE,
)
SVG_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]")
HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body|script|meta|iframe)[\s>]",
                        re.IGNORECASE)


def detect(path: Path) -> Detected:
    """The kind of the file at `path`, with the mime type and extension it is stored under."""
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    kind = _kind(path, head)
    mime, extension = MIME_AND_EXTENSION[kind]
    return Detected(kind=kind, mime=mime, extension=extension)


def _kind(path: Path, head: bytes) -> str:
    if not head:
        return "empty"
    for prefix, kind in PREFIXES:
        if head.startswith(prefix) and _confirmed(kind, head):
            if kind == "zip":
                return _zip_kind(path)
            if kind == "mkv":
                return "webm" if b"webm" in head[:64] else "mkv"
            return kind
    riff = _riff_kind(head)
    if riff:
        return riff
    if head[4:8] == b"ftyp":
        return FTYP_BRANDS.get(head[8:12], "mp4")
    # Readers accept a PDF header anywhere in the first kilobyte, after junk.
    if b"%PDF-" in head[:PDF_HEADER_WINDOW]:
        return "pdf"
    return _text_kind(head)


def _confirmed(kind: str, head: bytes) -> bool:
    """Two-byte signatures also start ordinary text ("BMW ...", "MZ ..."): those kinds are
    named only when the header behind the signature agrees."""
    if kind == "exe":
        offset = int.from_bytes(head[0x3C:0x40], "little")
        return head[offset:offset + 4] == b"PE\0\0"
    if kind == "bmp":
        return int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124)
    return True


def _riff_kind(head: bytes) -> str | None:
    if head[:4] != b"RIFF":
        return None
    return {b"WEBP": "webp", b"AVI ": "avi"}.get(head[8:12])


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                return "zip"
            if "word/document.xml" in names and _declares_word_document(archive):
                return "docx"
            for part, kind in OOXML_MAIN_PARTS.items():
                if part in names:
                    return kind
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError,
            NotImplementedError):
        # An archive that does not open, or whose parts do not read, is at most a zip.
        pass
    return "zip"


def _declares_word_document(archive: zipfile.ZipFile) -> bool:
    with archive.open("[Content_Types].xml") as member:
        text = member.read(CONTENT_TYPES_MAX_BYTES + 1)
    if len(text) > CONTENT_TYPES_MAX_BYTES:
        return False
    try:
        types = fromstring(text, forbid_dtd=True)
    except (ParseError, DefusedXmlException):
        return False
    declared = {element.get("ContentType", "").lower() for element in types.iter()}
    return any(main in declared for main in WORD_MAIN_TYPES)


def _text_kind(head: bytes) -> str:
    text = _decoded(head)
    if text is None:
        return "unknown"
    start = _after_prologue(text.lstrip("\ufeff"))
    if SVG_ROOT.match(start):
        return "svg"
    if HTML_START.search(text[:4096]):
        return "html"
    if start.startswith("<"):
        return "xml"
    return "text"


def _decoded(head: bytes) -> str | None:
    """The head as text, or None when it is binary."""
    encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    # A multi-byte character cut by the end of the head is no reason to call a file binary.
    cuts = range(4) if len(head) == HEAD_BYTES else range(1)
    for cut in cuts:
        try:
            text = head[:len(head) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
        if not any(ord(char) < 32 and char not in "\t\n\r\f" for char in text):
            return text
        return None
    return None


def _after_prologue(text: str) -> str:
    position = 0
    while match := XML_PROLOGUE_ITEM.match(text, position):
        position = match.end()
    return text[position:]
