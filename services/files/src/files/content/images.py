"""Raster images (JPEG, PNG, WebP, GIF): decoded within pixel and frame limits, then every
output re-encoded from the decoded pixels, so nothing a camera or an editor wrote beside them
(EXIF with GPS, XMP, comments, colour profiles) reaches a stored file, and a file that is also
something else (a polyglot) is stored only as the picture it shows.

One function per bucket profile (`profile_image`, `social_media_image`, `company_logo`,
`blog_image`), each `(source, workdir, kind) -> Processed`, writing its outputs into workdir.
Variants never enlarge the source, except the profile squares, which are always exactly the
size the avatar slots ask for.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageCms, ImageOps

from files.content.model import ContentRefused, Output, Processed

# A 12-megapixel phone photo passes with room to spare; 40 MP of RGBA is 160 MB decoded.
MAX_PIXELS = 40_000_000
# An animation is decoded whole (every frame is resized for every variant): frames x pixels
# bounds that memory (RGBA: 4 bytes a pixel, so 240 MB at the cap).
MAX_FRAMES = 1000
MAX_ANIMATION_PIXELS = 60_000_000

PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}
MIME_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif"}
# Only these keep their animation; a multi-picture JPEG (MPO) is a still with a second view.
ANIMATABLE = frozenset({"gif", "webp", "png"})
ENCODER_OPTIONS: dict[str, dict[str, object]] = {
    "jpeg": {"quality": 85, "optimize": True},
    "png": {},
    "webp": {"quality": 82, "method": 4},
    "gif": {},
}

PROFILE_ORIGINAL_SIDE = 2048
PROFILE_SQUARES = (512, 128)
PROFILE_SQUARE_KINDS = ("webp", "jpeg")

# The platforms' recommended upload sizes for a single-image post (2025): LinkedIn's shared
# image, X's in-stream 16:9, Instagram's square and 4:5 portrait, Facebook's link/feed image.
SOCIAL_MEDIA_SIZES: dict[str, tuple[int, int]] = {
    "linkedin": (1200, 627),
    "x": (1600, 900),
    "instagram-square": (1080, 1080),
    "instagram-portrait": (1080, 1350),
    "facebook": (1200, 630),
}
# X's largest accepted image side; platforms scale everything down from there anyway.
SOCIAL_MEDIA_ORIGINAL_SIDE = 4096

LOGO_ORIGINAL_SIDE = 1024
LOGO_SIDES = (256, 128)

BLOG_ORIGINAL_SIDE = 2560
BLOG_FEATURED = (1200, 630)
BLOG_INLINE_WIDTH = 800
BLOG_THUMBNAIL = (400, 225)

DEFAULT_FRAME_MS = 100
GIF_COLOURS = 256


@dataclass(frozen=True)
class Picture:
    """Decoded pixels and nothing else: one RGB or RGBA frame for a still, every frame of an
    animation with how long each is shown."""

    frames: list[Image.Image]
    durations: list[int]
    loop: int | None = None

    @property
    def size(self) -> tuple[int, int]:
        return self.frames[0].size

    @property
    def animated(self) -> bool:
        return len(self.frames) > 1

    def map(self, change: Callable[[Image.Image], Image.Image]) -> Picture:
        """The same picture with every frame changed alike (resized, cropped)."""
        return Picture([change(frame) for frame in self.frames], self.durations, self.loop)


def profile_image(source: Path, workdir: Path, kind: str) -> Processed:
    """An avatar: the original capped at 2048 px, and square 512 and 128 px crops in WebP and
    JPEG (the SPA picks WebP, e-mails and older clients JPEG). Animation is not kept."""
    picture = decode(source, kind, animation=False)
    base = picture.map(lambda frame: fit_inside(frame, PROFILE_ORIGINAL_SIDE))
    outputs = [save(base, "original", kind, workdir)]
    for side in PROFILE_SQUARES:
        square = base.map(lambda frame, side=side: cover(frame, (side, side), enlarge=True))
        outputs += [save(square, f"{side}-{form}", form, workdir) for form in PROFILE_SQUARE_KINDS]
    return Processed(outputs, describe(picture, kind))


def social_media_image(source: Path, workdir: Path, kind: str) -> Processed:
    """A post's image: the original (capped at 4096 px), and one centre crop per platform
    size, in the original's format; an animated GIF stays animated in every output."""
    picture = decode(source, kind, animation=True)
    base = picture.map(lambda frame: fit_inside(frame, SOCIAL_MEDIA_ORIGINAL_SIDE))
    outputs = [save(base, "original", kind, workdir)]
    for name, size in SOCIAL_MEDIA_SIZES.items():
        outputs.append(save(base.map(lambda frame, size=size: cover(frame, size)), name, kind,
                            workdir))
    return Processed(outputs, describe(picture, kind))


def company_logo(source: Path, workdir: Path, kind: str) -> Processed:
    """A raster logo: the original capped at 1024 px, and versions fitting inside 256 and
    128 px squares, uncropped (a logo's edges are part of it); PNG keeps its transparency."""
    picture = decode(source, kind, animation=False)
    base = picture.map(lambda frame: fit_inside(frame, LOGO_ORIGINAL_SIDE))
    outputs = [save(base, "original", kind, workdir)]
    for side in LOGO_SIDES:
        outputs.append(save(base.map(lambda frame, side=side: fit_inside(frame, side)),
                            str(side), kind, workdir))
    return Processed(outputs, describe(picture, kind))


def blog_image(source: Path, workdir: Path, kind: str) -> Processed:
    """A post's picture: the original capped at 2560 px, a 1200x630 "featured" crop (the
    size link previews use), an "inline" version 800 px wide and a 400x225 "thumbnail";
    animations stay animated."""
    picture = decode(source, kind, animation=True)
    base = picture.map(lambda frame: fit_inside(frame, BLOG_ORIGINAL_SIDE))
    variants: dict[str, Callable[[Image.Image], Image.Image]] = {
        "featured": lambda frame: cover(frame, BLOG_FEATURED),
        "inline": lambda frame: fit_inside(frame, (BLOG_INLINE_WIDTH, frame.height)),
        "thumbnail": lambda frame: cover(frame, BLOG_THUMBNAIL),
    }
    outputs = [save(base, "original", kind, workdir)]
    outputs += [save(base.map(change), name, kind, workdir) for name, change in variants.items()]
    return Processed(outputs, describe(picture, kind))


def describe(picture: Picture, kind: str) -> dict[str, object]:
    """The metadata the service records: the upload's size after orientation, before caps."""
    width, height = picture.size
    return {"width": width, "height": height, "format": kind, "animated": picture.animated,
            "frames": len(picture.frames)}


# Decoding


def decode(source: Path | BinaryIO, kind: str, *, animation: bool) -> Picture:
    """The pixels of `source`, which must be an image of `kind`, upright and in sRGB, without
    metadata; every frame when `animation` is asked for and the format can animate."""
    with _decoding():
        with Image.open(source, formats=[PILLOW_FORMATS[kind]]) as image:
            _check_pixels(image)
            count = image.n_frames if animation and kind in ANIMATABLE else 1
            _check_frames(image, count)
            loop = image.info.get("loop")
            frames, durations = zip(*_frames(image, count), strict=True)
    return Picture(_same_mode(list(frames)), list(durations), loop if count > 1 else None)


@contextmanager
def _decoding() -> Iterator[None]:
    """Pillow's errors, told as refusals. Pillow's own bomb check (which fires at open, before
    ours, for more than twice its default limit) raises an error; its warning only becomes an
    exception where the process turns warnings into errors, and then it means the same."""
    try:
        yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ContentRefused(413, f"The image is too large to decode: {error}") from error
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
            struct.error) as error:
        raise ContentRefused(422, f"The image is damaged or truncated: {error}") from error


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ContentRefused(413, f"The image is {width}x{height} pixels "
                                  f"({width * height / 1e6:.0f} megapixels); the limit is "
                                  f"{MAX_PIXELS / 1e6:.0f} megapixels.")
    if width < 1 or height < 1:
        raise ContentRefused(422, "The image has no pixels.")


def _check_frames(image: Image.Image, count: int) -> None:
    width, height = image.size
    if count > MAX_FRAMES:
        raise ContentRefused(413, f"The animation has {count} frames; the limit is {MAX_FRAMES}.")
    if count * width * height > MAX_ANIMATION_PIXELS:
        raise ContentRefused(413, f"The animation has {count} frames of {width}x{height} "
                                  f"pixels; frames x pixels may be at most "
                                  f"{MAX_ANIMATION_PIXELS / 1e6:.0f} million.")


def _frames(image: Image.Image, count: int) -> Iterator[tuple[Image.Image, int]]:
    for index in range(count):
        image.seek(index)
        image.load()
        duration = int(image.info.get("duration") or DEFAULT_FRAME_MS)
        yield _bare(_upright(image)), duration


def _upright(image: Image.Image) -> Image.Image:
    """The image turned the way its EXIF orientation says. A malformed EXIF block must not
    refuse a picture that decodes, and Pillow's EXIF parser raises errors of many kinds."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        return image.copy()


def _bare(image: Image.Image) -> Image.Image:
    """RGB or RGBA pixels in sRGB with an empty info dict: the encoders copy comments, XMP
    and colour profiles from `info` into what they write, so nothing may be left there."""
    pixels = _in_srgb(image)
    pixels = pixels if pixels.mode in ("RGB", "RGBA") else pixels.convert(
        "RGBA" if _has_alpha(pixels) else "RGB")
    pixels.info = {}
    return pixels


def _in_srgb(image: Image.Image) -> Image.Image:
    """Pixels converted from an embedded colour profile to sRGB, so a wide-gamut photo keeps
    its colours once the profile is dropped; a profile that does not apply is ignored."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # convert("L") clips 16-bit values to 255 (a white picture); scale them instead.
        return image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        # Made per call: a LittleCMS profile must not be used by two threads at once.
        srgb = ImageCms.createProfile("sRGB")
        return ImageCms.profileToProfile(image, profile, srgb,
                                         outputMode="RGBA" if image.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info


def _same_mode(frames: list[Image.Image]) -> list[Image.Image]:
    """One mode for every frame (a GIF's first frame may be transparent, the next ones not)."""
    if len({frame.mode for frame in frames}) == 1:
        return frames
    return [frame if frame.mode == "RGBA" else _converted(frame, "RGBA") for frame in frames]


def _converted(image: Image.Image, mode: str) -> Image.Image:
    result = image.convert(mode)
    result.info = {}
    return result


# Geometry


def fit_inside(image: Image.Image, box: int | tuple[int, int]) -> Image.Image:
    """The image scaled down (never up) to fit inside `box` (a side, or width and height)."""
    box_width, box_height = (box, box) if isinstance(box, int) else box
    width, height = image.size
    scale = min(box_width / width, box_height / height, 1.0)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image if size == image.size else _resized(image, size)


def cover(image: Image.Image, size: tuple[int, int], *, enlarge: bool = False) -> Image.Image:
    """The largest centred crop with the aspect ratio of `size`, scaled to `size`; a source
    smaller than that keeps the crop at its own resolution unless `enlarge` is asked for."""
    target_width, target_height = size
    width, height = image.size
    crop_width = min(width, round(height * target_width / target_height))
    crop_height = min(height, round(width * target_height / target_width))
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    box = (left, top, left + crop_width, top + crop_height)
    if enlarge or crop_width >= target_width:
        return _resized(image, size, box)
    cropped = image.crop(box)
    cropped.info = {}
    return cropped


def _resized(image: Image.Image, size: tuple[int, int],
             box: tuple[int, int, int, int] | None = None) -> Image.Image:
    # reducing_gap first shrinks by whole factors, which keeps a 12 MP photo fast.
    result = image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    result.info = {}
    return result


# Encoding


def save(picture: Picture, name: str, kind: str, workdir: Path) -> Output:
    """`picture` written as `kind` to workdir/<name>.<extension>."""
    path = workdir / f"{name}.{EXTENSIONS[kind]}"
    path.write_bytes(encode(picture, kind))
    width, height = picture.size
    return Output(name=name, path=path, mime=MIME_TYPES[kind], size=path.stat().st_size,
                  width=width, height=height)


def encode(picture: Picture, kind: str) -> bytes:
    """The picture in `kind`'s format with nothing but its pixels (and frame timing)."""
    first, *rest = [_for_format(frame, kind) for frame in picture.frames]
    options: dict[str, object] = dict(ENCODER_OPTIONS[kind])
    if rest and kind in ANIMATABLE:
        options |= {"save_all": True, "append_images": rest, "duration": picture.durations}
        if picture.loop is not None:
            options["loop"] = picture.loop
        if kind == "gif" and "transparency" in first.info:
            # Each frame is a whole picture: restore to background before the next one, or
            # what a transparent pixel covers would show through from the frame before.
            options["disposal"] = 2
    buffer = io.BytesIO()
    first.save(buffer, PILLOW_FORMATS[kind], **options)
    return buffer.getvalue()


def _for_format(frame: Image.Image, kind: str) -> Image.Image:
    if kind == "gif":
        return _paletted(frame)
    if kind != "jpeg" or frame.mode == "RGB":
        return frame
    # JPEG has no alpha: transparent areas become white, the colour of the pages they sit on.
    flat = Image.new("RGB", frame.size, "white")
    flat.paste(frame, mask=frame.getchannel("A"))
    return flat


def _paletted(frame: Image.Image) -> Image.Image:
    """A GIF frame: 256 colours by octree (left to the GIF encoder, median cut takes ten
    times as long, seconds for an animation), the last one kept for transparency."""
    transparent = frame.mode == "RGBA"
    rgb = frame.convert("RGB") if transparent else frame
    paletted = rgb.quantize(colors=GIF_COLOURS - transparent, method=Image.Quantize.FASTOCTREE)
    if transparent:
        # GIF transparency is all or nothing: pixels under half opacity become transparent.
        paletted.paste(GIF_COLOURS - 1, mask=frame.getchannel("A").point(
            lambda alpha: 255 if alpha < 128 else 0))
        paletted.info["transparency"] = GIF_COLOURS - 1
    return paletted
