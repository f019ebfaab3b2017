"""The values the content modules hand back to the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Detected:
    """What the bytes are, whatever the name or Content-Type said."""

    # "jpeg", "png", "webp", "gif", "svg", "pdf", "docx", "mp4", "mov", "avi" (the kinds the
    # buckets accept), or a name for content they refuse ("zip", "exe", "html", "unknown", ...).
    kind: str
    mime: str
    extension: str  # without the dot: "jpg", "png", "pdf", ...


@dataclass(frozen=True)
class Output:
    """One stored object made from an upload: the file itself ("original") or a variant."""

    name: str  # "original", "512-webp", "preview", "thumbnail", ... unique within one upload
    path: Path
    mime: str
    size: int
    width: int | None = None
    height: int | None = None


@dataclass
class Processed:
    """An upload after its checks: outputs[0] is "original" (re-encoded for images: what is
    stored and served as the file), then its variants; metadata is JSON-safe (width, height,
    pages, duration_seconds, video_codec, animated, ...)."""

    outputs: list[Output]
    metadata: dict[str, object] = field(default_factory=dict)


class ContentRefused(Exception):
    """The upload is refused for what it holds: 415 (a kind the bucket does not accept), 413
    (a decompression bomb: too many pixels or frames, a zip that inflates too far) or 422 (a
    structure check failed: a PDF that does not open, a DOCX with macros, an SVG that cannot
    be made safe, a video that does not decode)."""

    def __init__(self, status: int, detail: str, *, detected: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.detected = detected
