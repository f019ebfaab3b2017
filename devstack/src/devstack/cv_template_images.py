"""The template pictures in the README: page 1 of the rich sample CV (`samples.rich_cv`) in
each template, with a placeholder photo, as PNG under docs/cv-templates/. Run it after a
template changes:

    python -m devstack.cv_template_images [--out docs/cv-templates]
"""

from __future__ import annotations

import argparse
import io
import uuid
from pathlib import Path

import pypdfium2
from PIL import Image, ImageDraw

from cv.content.schema import validate_content
from cv.exports import Snapshot, render
from cv.render.templates import TEMPLATES
from devstack.samples.resumes import rich_cv

DPI = 100
COLOURS = 96  # quantised: a page of text and a few fills stays small in the repository


def placeholder_photo(size: int = 320) -> bytes:
    """A grey head-and-shoulders silhouette, as profile placeholders are drawn."""
    image = Image.new("RGB", (size, size), (208, 214, 222))
    draw = ImageDraw.Draw(image)
    grey = (128, 138, 152)
    draw.ellipse((size * 0.32, size * 0.18, size * 0.68, size * 0.54), fill=grey)
    draw.ellipse((size * 0.14, size * 0.6, size * 0.86, size * 1.2), fill=grey)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def page_one(template: str, photo: bytes) -> Image.Image:
    snapshot = Snapshot(uuid.uuid4(), "Backend CV", template, validate_content(rich_cv()), {}, 1)
    pdf = pypdfium2.PdfDocument(render(snapshot, "pdf", photo))
    try:
        return pdf[0].render(scale=DPI / 72).to_pil()
    finally:
        pdf.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/cv-templates"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    photo = placeholder_photo()
    for template in TEMPLATES:
        image = page_one(template, photo).convert("RGB").quantize(COLOURS)
        image.save(args.out / f"{template}.png", optimize=True)
        print(args.out / f"{template}.png")


if __name__ == "__main__":
    main()
