"""The buckets uploads go to, with the seed's limits: one place that says what each accepts.

A bucket is a purpose, not a folder: it decides who may see a file (public buckets are served
from the public base URL with long cache headers; private ones only through short-lived signed
URLs), how large an upload may be, which content it accepts (decided from the bytes, never
from the name or the Content-Type) and how the content is processed (`files.content`).
social-media takes images and videos, each with its own limit; cv-exports holds what the cv
service rendered (internal: services store there, clients never upload).
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024

IMAGE_KINDS = frozenset({"jpeg", "png", "webp", "gif"})
VIDEO_KINDS = frozenset({"mp4", "mov", "avi"})
DOCUMENT_KINDS = frozenset({"pdf", "docx"})


@dataclass(frozen=True)
class Bucket:
    name: str
    public: bool
    # The largest upload of each accepted kind, in bytes; a kind not listed is refused (415).
    limits: dict[str, int]
    # Written by our services only (StoreFile), never uploaded through the gateway and not
    # listed to clients: what a service generated and keeps here (rendered CV exports).
    internal: bool = False

    @property
    def max_bytes(self) -> int:
        """The largest upload of any kind: what the gateway lets through while streaming."""
        return max(self.limits.values())

    def accepts(self, kind: str) -> bool:
        return kind in self.limits

    def limit_for(self, kind: str) -> int:
        return self.limits[kind]

    @property
    def accepted(self) -> list[str]:
        return sorted(self.limits)


def _each(kinds: frozenset[str] | set[str], limit: int) -> dict[str, int]:
    return dict.fromkeys(kinds, limit)


BUCKETS: dict[str, Bucket] = {bucket.name: bucket for bucket in (
    Bucket("profile-images", public=True, limits=_each({"jpeg", "png", "webp"}, 5 * MB)),
    Bucket("cv-files", public=False, limits=_each(DOCUMENT_KINDS, 10 * MB)),
    Bucket("social-media", public=False, limits={**_each({"jpeg", "png", "gif"}, 8 * MB),
                                                 **_each(VIDEO_KINDS, 50 * MB)}),
    Bucket("company-logos", public=True, limits=_each({"png", "svg", "jpeg"}, 2 * MB)),
    Bucket("blog-images", public=True, limits=_each(IMAGE_KINDS, 8 * MB)),
    # The cv service's rendered exports (its cache across replicas and restarts).
    Bucket("cv-exports", public=False, limits=_each(DOCUMENT_KINDS, 10 * MB), internal=True),
)}
