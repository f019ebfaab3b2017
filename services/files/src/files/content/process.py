"""The one entry point the service calls: an upload's detected kind checked against its bucket,
then handed to the profile that bucket has for that kind.

The table below is the whole mapping; every kind a bucket accepts has exactly one profile
(a test holds the two together).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from files.buckets import BUCKETS, MB
from files.content import docx, images, pdf, svg
from files.content.model import ContentRefused, Detected, Output, Processed

Profile = Callable[[Path, Path, str], Processed]


def process(bucket: str, detected: Detected, source: Path, workdir: Path) -> Processed:
    """The outputs and metadata for the upload at `source` (as `sniff.detect` found it),
    written into `workdir`; raises ContentRefused: 415 for a kind the bucket does not take,
    413 past the bucket's limit for that kind, 413/422 from the profile's checks."""
    limits = BUCKETS[bucket]
    if not limits.accepts(detected.kind):
        raise ContentRefused(415, f"{bucket} accepts {', '.join(limits.accepted)}; this file "
                                  f"is {detected.kind} ({detected.mime}), whatever its name "
                                  "says.", detected=detected.kind)
    # The gateway streams up to the bucket's largest limit; the kind's own one (an 8 MB
    # image in social-media, which takes 50 MB videos) is known only now.
    size, limit = source.stat().st_size, limits.limit_for(detected.kind)
    if size > limit:
        raise ContentRefused(413, f"{bucket} takes {detected.kind} files up to "
                                  f"{limit / MB:.0f} MB; this one is {size / MB:.1f} MB.",
                             detected=detected.kind)
    workdir.mkdir(parents=True, exist_ok=True)
    return PROFILES[bucket, detected.kind](source, workdir, detected.kind)


def _video(source: Path, workdir: Path, kind: str) -> Processed:
    # Imported here: only videos need the ffmpeg module loaded.
    from files.content.video import process_video

    return process_video(source, workdir, kind)


def _cv_pdf(source: Path, workdir: Path, kind: str) -> Processed:
    return pdf.cv_pdf(source, workdir)


def _cv_docx(source: Path, workdir: Path, kind: str) -> Processed:
    return docx.cv_docx(source, workdir)


def _logo_svg(source: Path, workdir: Path, kind: str) -> Processed:
    return svg.company_logo_svg(source, workdir)


def _as_rendered(source: Path, workdir: Path, kind: str) -> Processed:
    # What a service of ours rendered: kept as it is, with no preview to make.
    return Processed(outputs=[Output("original", source, RENDERED_TYPES[kind],
                                     source.stat().st_size)])


RENDERED_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

PROFILES: dict[tuple[str, str], Profile] = {
    **{("profile-images", kind): images.profile_image for kind in ("jpeg", "png", "webp")},
    ("cv-files", "pdf"): _cv_pdf,
    ("cv-files", "docx"): _cv_docx,
    **{("social-media", kind): images.social_media_image for kind in ("jpeg", "png", "gif")},
    **{("social-media", kind): _video for kind in ("mp4", "mov", "avi")},
    **{("company-logos", kind): images.company_logo for kind in ("png", "jpeg")},
    ("company-logos", "svg"): _logo_svg,
    **{("blog-images", kind): images.blog_image for kind in ("jpeg", "png", "webp", "gif")},
    **{("cv-exports", kind): _as_rendered for kind in RENDERED_TYPES},
}
