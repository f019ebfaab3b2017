"""Company-logo SVGs made safe to serve from the public bucket. An SVG is a document: opened
directly (as a public URL is) it can run scripts, load other resources and navigate, and it
is XML, which can be made to inflate. So it is parsed without entities, within element and
nesting limits, and rebuilt from an allow-list of elements and attributes; the output is
written anew from that tree, so nothing of the upload's text reaches it unparsed.

Kept: shapes, paths, groups, defs, symbols, gradients, patterns, clip paths, masks, markers,
filters, text, title and desc, animations of presentation attributes, and CSS (attribute or
<style>) that calls no function but colours, maths, transforms and url(#local). References
may only point inside the document ('#id'); the one exception is an <image> holding a PNG or
JPEG as a data: URI, which is decoded and re-encoded like any uploaded picture (so its EXIF
goes too). Dropped: scripts, foreignObject (HTML), iframes and embeds, event handlers,
external references, links (their content is kept), metadata, anything not in SVG's namespace.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from pathlib import Path
from xml.etree.ElementTree import Element, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from files.content import images
from files.content.model import ContentRefused, Output, Processed

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"

MB = 1024 * 1024
MAX_SVG_BYTES = 2 * MB  # the bucket's limit, checked again for callers other than the service
MAX_ELEMENTS = 20_000
# Deeper nesting has no drawing purpose, and the rebuild and the serializer recurse.
MAX_DEPTH = 100
# Elements drawn once every <use> is expanded: ten uses of a group of ten uses of ... is
# the billion-laughs attack for renderers.
MAX_RENDERED_ELEMENTS = 200_000
# Pixels of all embedded (data: URI) pictures together, decoded to be re-encoded.
MAX_EMBEDDED_PIXELS = images.MAX_PIXELS

FILTER_PRIMITIVES = frozenset({
    "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix",
    "feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood",
    "feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feMerge", "feMergeNode",
    "feMorphology", "feOffset", "fePointLight", "feSpecularLighting", "feSpotLight", "feTile",
    "feTurbulence",
})  # not feImage, which loads a picture
ANIMATIONS = frozenset({"animate", "animateTransform", "animateMotion", "set"})
TEXT_ELEMENTS = frozenset({"text", "tspan", "textPath", "title", "desc", "style"})
ELEMENTS = frozenset({
    "svg", "g", "defs", "symbol", "use", "title", "desc", "style", "image",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
    "text", "tspan", "textPath",
    "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker",
    "filter", "mpath", *FILTER_PRIMITIVES, *ANIMATIONS,
})
# A link is dropped but what it shows is kept, as a group; so is a <switch>, which old
# Illustrator exports wrap the whole artwork in (beside a foreignObject, which goes).
UNWRAPPED = {"a": "g", "switch": "g"}
# Elements whose href may point at another element of the document.
HREF_ELEMENTS = frozenset({"use", "linearGradient", "radialGradient", "pattern", "textPath",
                           "mpath", "filter"})

PRESENTATION = frozenset({
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap",
    "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset",
    "stroke-opacity", "opacity", "color", "display", "visibility", "overflow", "clip",
    "clip-path", "clip-rule", "mask", "filter", "stop-color", "stop-opacity", "flood-color",
    "flood-opacity", "lighting-color", "marker-start", "marker-mid", "marker-end", "font",
    "font-family", "font-size", "font-size-adjust", "font-stretch", "font-style",
    "font-variant", "font-weight", "text-anchor", "text-decoration", "dominant-baseline",
    "alignment-baseline", "baseline-shift", "letter-spacing", "word-spacing", "writing-mode",
    "direction", "unicode-bidi", "shape-rendering", "text-rendering", "image-rendering",
    "color-interpolation", "color-interpolation-filters", "color-rendering", "vector-effect",
    "paint-order", "mix-blend-mode", "isolation", "transform-origin", "enable-background",
    "pointer-events",
})
GEOMETRY = frozenset({
    "x", "y", "width", "height", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx",
    "fy", "fr", "d", "points", "pathLength", "transform", "offset", "dx", "dy", "rotate",
    "textLength", "lengthAdjust", "startOffset", "method", "spacing", "refX", "refY",
    "orient", "markerWidth", "markerHeight", "markerUnits",
})
# Animating these is harmless; animating href, style or an event handler is not.
ANIMATABLE = PRESENTATION | GEOMETRY
ATTRIBUTES = ANIMATABLE | frozenset({
    "id", "class", "style", "lang", "viewBox", "preserveAspectRatio", "version",
    "gradientUnits", "gradientTransform", "spreadMethod", "patternUnits",
    "patternContentUnits", "patternTransform", "clipPathUnits", "maskUnits",
    "maskContentUnits", "filterUnits", "primitiveUnits", "in", "in2", "result",
    "stdDeviation", "mode", "operator", "k1", "k2", "k3", "k4", "values", "type",
    "tableValues", "slope", "intercept", "amplitude", "exponent", "edgeMode", "kernelMatrix",
    "kernelUnitLength", "order", "divisor", "bias", "targetX", "targetY", "preserveAlpha",
    "surfaceScale", "diffuseConstant", "specularConstant", "specularExponent", "azimuth",
    "elevation", "pointsAtX", "pointsAtY", "pointsAtZ", "limitingConeAngle", "z", "scale",
    "xChannelSelector", "yChannelSelector", "baseFrequency", "numOctaves", "seed",
    "stitchTiles", "radius", "attributeName", "attributeType", "begin", "dur", "end", "min",
    "max", "restart", "repeatCount", "repeatDur", "calcMode", "keyTimes", "keySplines",
    "from", "to", "by", "additive", "accumulate", "path", "keyPoints", "media", "role",
    "aria-label", "aria-labelledby", "aria-describedby", "aria-hidden", "focusable",
})
XML_ATTRIBUTES = frozenset({"space", "lang"})

# Not drawn where they stand: only through a reference, or never.
NOT_RENDERED = frozenset({"defs", "symbol", "clipPath", "mask", "pattern", "marker", "filter",
                          "linearGradient", "radialGradient", "title", "desc", "style"})
SHAPES = frozenset({"path", "rect", "circle", "ellipse", "line", "polyline", "polygon"})

LOCAL_FRAGMENT = re.compile(r"#[\w.:-]+")
URL_TARGET = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)")
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
CSS_FUNCTION = re.compile(r"([a-z-]+)\s*\(")
CSS_MEDIA_PRELUDE = re.compile(r"@media\b(?:(?!url)[^{};@\\])*\{")
# Everything CSS can call that fetches (url() to elsewhere, image-set(), @import, @font-face)
# or runs (expression(), behavior, -moz-binding via url) is outside this list or caught by
# the url check; escapes ("\75rl(") and at-rules other than @media are refused outright.
CSS_FUNCTIONS = frozenset({
    "url", "rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color", "var",
    "calc", "min", "max", "clamp", "translate", "translatex", "translatey", "rotate", "scale",
    "scalex", "scaley", "skew", "skewx", "skewy", "matrix", "not", "is", "where", "nth-child",
    "nth-last-child", "nth-of-type", "nth-last-of-type", "lang",
})
DATA_IMAGE = re.compile(r"data:image/(png|jpeg|jpg);base64,([A-Za-z0-9+/=\s]+)", re.IGNORECASE)
PLAIN_LENGTH = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*")


def company_logo_svg(source: Path, workdir: Path) -> Processed:
    """The logo rebuilt safe as "original" (image/svg+xml), or refused: 413 past the size,
    element or expansion limits, 422 for entities, broken XML, or nothing left to draw."""
    if source.stat().st_size > MAX_SVG_BYTES:
        raise ContentRefused(413, f"The SVG is larger than {MAX_SVG_BYTES // MB} MB.")
    data = sanitized(source.read_bytes())
    path = workdir / "original.svg"
    path.write_bytes(data)
    root = _parsed(data)
    width, height = _dimensions(root)
    output = Output(name="original", path=path, mime="image/svg+xml", size=len(data),
                    width=width, height=height)
    metadata: dict[str, object] = {"format": "svg", "elements": sum(1 for _ in root.iter())}
    if width and height:
        metadata |= {"width": width, "height": height}
    return Processed([output], metadata)


def sanitized(data: bytes) -> bytes:
    """The SVG in `data` rebuilt from what is safe in it, as UTF-8."""
    root = _parsed(data)
    if _svg_local(root.tag, root_has_namespace=False) != "svg":
        raise ContentRefused(422, "The file's root element is not <svg>.")
    clean = _Rebuild(root_has_namespace=root.tag.startswith("{")).element(root)
    if clean is None or not _draws(clean):
        raise ContentRefused(422, "The SVG has nothing left to draw once scripts, external "
                                  "references and foreign content are removed.")
    _check_expansion(clean)
    # The copy's elements carry plain SVG names; the root declares the namespace for all.
    clean.set("xmlns", SVG)
    text = tostring(clean, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode()


def _parsed(data: bytes) -> Element:
    """The document's root, parsed without entity declarations or external references (a
    bare DOCTYPE line, as Illustrator writes, is allowed: it declares nothing)."""
    root, count, depth = None, 0, 0
    try:
        for event, element in iterparse(io.BytesIO(data), events=("start", "end"),
                                        forbid_dtd=False, forbid_entities=True,
                                        forbid_external=True):
            if event == "end":
                depth -= 1
                continue
            root = element if root is None else root
            count, depth = count + 1, depth + 1
            if count > MAX_ELEMENTS:
                raise ContentRefused(413, f"The SVG has more than {MAX_ELEMENTS} elements.")
            if depth > MAX_DEPTH:
                raise ContentRefused(422, f"The SVG nests elements deeper than {MAX_DEPTH}.")
    except DefusedXmlException as error:
        raise ContentRefused(422, "The SVG declares entities or external references (the "
                                  "way XML bombs and file disclosure work).") from error
    except ParseError as error:
        raise ContentRefused(422, f"The SVG is not well-formed XML: {error}") from error
    if root is None:
        raise ContentRefused(422, "The SVG has no elements.")
    return root


def _svg_local(tag: str, *, root_has_namespace: bool) -> str | None:
    """The element's SVG name, or None when it is not SVG. Elements without a namespace are
    SVG only in a document whose root has none (an SVG file missing its xmlns)."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return local if namespace == SVG else None
    return None if root_has_namespace else tag


class _Rebuild:
    """The allow-listed copy of a parsed tree, with the embedded-picture budget it spends."""

    def __init__(self, *, root_has_namespace: bool) -> None:
        self.root_has_namespace = root_has_namespace
        self.pixels_left = MAX_EMBEDDED_PIXELS

    def element(self, source: Element) -> Element | None:
        name = _svg_local(source.tag, root_has_namespace=self.root_has_namespace)
        name = UNWRAPPED.get(name, name) if name else None
        if name not in ELEMENTS or not _element_is_safe(name, source):
            return None
        clean = Element(name)
        for key, value in source.attrib.items():
            kept = _attribute(name, key, value)
            if kept:
                clean.set(*kept)
        if name == "image":
            picture = self.embedded_picture(source)
            if picture is None:
                return None
            clean.set("href", picture)
        if name == "use" and "href" not in clean.attrib:
            return None  # its reference pointed outside the document
        if name == "style":
            # All of its text, checked whole: CSS hidden in the tail of a child would
            # otherwise pass unchecked.
            clean.text = "".join(source.itertext())
            return clean
        if name in TEXT_ELEMENTS:
            clean.text = source.text
        for child in source:
            kept = self.element(child)
            if kept is not None:
                kept.tail = child.tail if name in TEXT_ELEMENTS else None
                clean.append(kept)
        return clean

    def embedded_picture(self, image: Element) -> str | None:
        """A data: URI PNG or JPEG decoded and re-encoded, or None (the <image> is dropped)."""
        href = (image.get("href") or image.get(f"{{{XLINK}}}href") or "").strip()
        match = DATA_IMAGE.fullmatch(href)
        if not match:
            return None
        kind = "png" if match[1].lower() == "png" else "jpeg"
        try:
            raw = base64.b64decode(re.sub(r"\s", "", match[2]), validate=True)
            picture = images.decode(io.BytesIO(raw), kind, animation=False)
        except (binascii.Error, ContentRefused):
            return None
        width, height = picture.size
        self.pixels_left -= width * height
        if self.pixels_left < 0:
            raise ContentRefused(413, "The SVG embeds more than "
                                      f"{MAX_EMBEDDED_PIXELS / 1e6:.0f} megapixels of pictures.")
        encoded = base64.b64encode(images.encode(picture, kind)).decode()
        return f"data:image/{kind};base64,{encoded}"


def _element_is_safe(name: str, source: Element) -> bool:
    if name == "style":
        return _css_is_safe("".join(source.itertext()))
    if name in ANIMATIONS and name != "animateMotion":
        # <set attributeName="href" to="javascript:..."> is a script by another name.
        return source.get("attributeName", "").rpartition(":")[2] in ANIMATABLE
    return True


def _attribute(element: str, key: str, value: str) -> tuple[str, str] | None:
    """The attribute as kept (name, value), or None when it is dropped."""
    namespace, local = key[1:].split("}", 1) if key.startswith("{") else (None, key)
    if local == "href" and namespace in (None, XLINK):
        # Written as SVG 2's plain href, which every current browser reads.
        if element in HREF_ELEMENTS and LOCAL_FRAGMENT.fullmatch(value.strip()):
            return "href", value.strip()
        return None
    if namespace == XML:
        return (key, value) if local in XML_ATTRIBUTES else None
    if namespace is not None or local not in ATTRIBUTES:
        return None  # every on* handler ends here: none is in the list
    if local == "style":
        return (local, value) if _css_is_safe(value) else None
    return (local, value) if _urls_are_local(value) else None


def _urls_are_local(value: str) -> bool:
    lowered = value.lower()
    if "url" in lowered and "\\" in lowered:
        return False
    return all(target.startswith("#") for target in URL_TARGET.findall(lowered))


def _css_is_safe(css: str) -> bool:
    # A media query (a logo's dark-mode colours) fetches nothing: its prelude is set aside.
    text = CSS_MEDIA_PRELUDE.sub("{", CSS_COMMENT.sub("", css).lower())
    if any(mark in text for mark in ("\\", "@", "<")):
        return False
    if any(name not in CSS_FUNCTIONS for name in CSS_FUNCTION.findall(text)):
        return False
    return _urls_are_local(text)


def _draws(element: Element) -> bool:
    """Whether anything would be painted: a shape with geometry, text, a picture, a use."""
    name = element.tag
    if name in NOT_RENDERED:
        return False
    if name in SHAPES:
        return name != "path" or bool(element.get("d", "").strip())
    if name == "text":
        return bool("".join(element.itertext()).strip())
    if name in ("image", "use"):
        return bool(element.get("href"))
    return any(_draws(child) for child in element)


def _check_expansion(root: Element) -> None:
    """Counts the elements drawn once every <use> is replaced by what it points at, without
    recursion (use chains can be long); a use that reaches itself is refused."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    sizes: dict[Element, int] = {}
    visiting: set[Element] = set()
    stack: list[tuple[Element, bool]] = [(root, False)]
    while stack:
        element, children_done = stack.pop()
        dependencies = _dependencies(element, by_id)
        if children_done:
            visiting.discard(element)
            sizes[element] = 1 + sum(sizes[dependency] for dependency in dependencies)
            if sizes[element] > MAX_RENDERED_ELEMENTS:
                raise ContentRefused(413, "The SVG expands to more than "
                                          f"{MAX_RENDERED_ELEMENTS} elements through <use>.")
            continue
        if element in sizes:
            continue
        if element in visiting:
            raise ContentRefused(422, "The SVG has a <use> that refers to itself.")
        visiting.add(element)
        stack.append((element, True))
        stack.extend((dependency, False) for dependency in dependencies)


def _dependencies(element: Element, by_id: dict[str | None, Element]) -> list[Element]:
    children = list(element)
    href = element.get("href", "")
    if element.tag == "use" and href[1:] in by_id:
        children.append(by_id[href[1:]])
    return children


def _dimensions(root: Element) -> tuple[int | None, int | None]:
    """The logo's size in pixels from width and height, else from the viewBox."""
    sizes = [PLAIN_LENGTH.fullmatch(root.get(name, "")) for name in ("width", "height")]
    if all(sizes):
        return round(float(sizes[0][1])), round(float(sizes[1][1]))
    box = re.split(r"[\s,]+", root.get("viewBox", "").strip())
    try:
        width, height = float(box[2]), float(box[3])
    except (IndexError, ValueError):
        return None, None
    return (round(width), round(height)) if width > 0 and height > 0 else (None, None)
