"""Raster images per bucket profile: variant names and sizes, metadata gone from every output,
animations kept, bombs and broken files refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageSequence

from devstack.samples import content as samples
from files.content.images import (
    blog_image,
    company_logo,
    profile_image,
    social_media_image,
)
from files.content.model import ContentRefused, Processed

# What the samples hide in their files, in bytes that must not appear in any output.
SECRETS = (b"SampleCam", b"taken at home", b"Jane's phone", b"made by Jane", b"Jane Doe")


def assert_bare(path: Path) -> None:
    """No EXIF (so no GPS), comment, XMP, text chunk or colour profile survives in `path`."""
    data = path.read_bytes()
    for secret in SECRETS:
        assert secret not in data, (path.name, secret)
    with Image.open(path) as image:
        for frame in ImageSequence.Iterator(image):
            assert samples.GPS_IFD not in frame.getexif(), path.name
            assert not set(frame.info) & {"exif", "comment", "xmp", "icc_profile", "Author"}, \
                (path.name, frame.info.keys())


def sizes(processed: Processed) -> dict[str, tuple[int, int]]:
    return {output.name: (output.width, output.height) for output in processed.outputs}


def stored_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def frame_count(path: Path) -> int:
    with Image.open(path) as image:
        return getattr(image, "n_frames", 1)


# Profile images


def test_profile_image_has_an_original_and_square_variants_in_webp_and_jpeg(tmp_path: Path):
    processed = profile_image(samples.jpeg_with_gps(tmp_path / "me.jpg"), tmp_path, "jpeg")
    assert sizes(processed) == {"original": (800, 600), "512-webp": (512, 512),
                                "512-jpeg": (512, 512), "128-webp": (128, 128),
                                "128-jpeg": (128, 128)}
    mimes = {output.name: output.mime for output in processed.outputs}
    assert mimes == {"original": "image/jpeg", "512-webp": "image/webp",
                     "512-jpeg": "image/jpeg", "128-webp": "image/webp",
                     "128-jpeg": "image/jpeg"}
    for output in processed.outputs:
        assert stored_size(output.path) == (output.width, output.height)
        assert output.size == output.path.stat().st_size
    assert processed.metadata == {"width": 800, "height": 600, "format": "jpeg",
                                  "animated": False, "frames": 1}


def test_gps_and_every_other_metadata_is_gone_from_every_profile_output(tmp_path: Path):
    source = samples.jpeg_with_gps(tmp_path / "me.jpg")
    with Image.open(source) as image:  # the sample really carries them
        assert samples.GPS_IFD in image.getexif() and "comment" in image.info
    for output in profile_image(source, tmp_path, "jpeg").outputs:
        assert_bare(output.path)


@pytest.mark.parametrize(("build", "kind"), [(samples.png, "png"), (samples.webp, "webp")])
def test_exif_in_png_and_webp_is_gone_too(tmp_path: Path, build, kind: str):
    source = build(tmp_path / f"me.{kind}")
    with Image.open(source) as image:
        assert samples.GPS_IFD in image.getexif()
    processed = profile_image(source, tmp_path, kind)
    assert processed.outputs[0].mime == f"image/{kind}"
    for output in processed.outputs:
        assert_bare(output.path)


def test_the_exif_orientation_is_applied_before_it_is_dropped(tmp_path: Path):
    # Orientation 6: the camera was turned; the stored 800x600 pixels show upright as 600x800,
    # and the dark square stored top-left appears top-right.
    source = samples.jpeg_with_gps(tmp_path / "me.jpg", orientation=6)
    processed = profile_image(source, tmp_path, "jpeg")
    original = processed.outputs[0]
    assert (original.width, original.height) == (600, 800)
    assert (processed.metadata["width"], processed.metadata["height"]) == (600, 800)
    with Image.open(original.path) as image:
        assert image.getexif().get(samples.ORIENTATION) is None
        assert sum(image.getpixel((590, 10))) < 150  # dark: the square, now top-right
        assert sum(image.getpixel((10, 10))) > 150


def test_a_twelve_megapixel_photo_passes_with_its_original_capped_at_2048(tmp_path: Path):
    processed = profile_image(samples.large_jpeg(tmp_path / "photo.jpg"), tmp_path, "jpeg")
    assert sizes(processed)["original"] == (2048, 1536)
    assert (processed.metadata["width"], processed.metadata["height"]) == (4000, 3000)
    assert_bare(processed.outputs[0].path)


def test_a_transparent_png_keeps_alpha_in_webp_and_turns_white_in_jpeg(tmp_path: Path):
    processed = profile_image(samples.png(tmp_path / "me.png", (600, 600), transparent=True),
                              tmp_path, "png")
    outputs = {output.name: output.path for output in processed.outputs}
    with Image.open(outputs["512-webp"]) as webp, Image.open(outputs["512-jpeg"]) as jpeg:
        assert webp.mode == "RGBA" and webp.getpixel((505, 256))[3] == 0
        assert jpeg.mode == "RGB" and min(jpeg.getpixel((505, 256))) > 240
    with Image.open(outputs["original"]) as original:
        assert original.format == "PNG" and original.getpixel((595, 10))[3] == 0


def test_an_embedded_colour_profile_is_applied_then_dropped(tmp_path: Path):
    processed = profile_image(samples.jpeg(tmp_path / "p3.jpg", icc_profile=True), tmp_path,
                              "jpeg")
    for output in processed.outputs:
        assert_bare(output.path)


def test_more_than_40_megapixels_is_refused_with_413_before_decoding(tmp_path: Path):
    source = samples.pixel_bomb_png(tmp_path / "bomb.png", (7000, 6000))  # 42 MP, 100 bytes
    with pytest.raises(ContentRefused) as refused:
        profile_image(source, tmp_path, "png")
    assert refused.value.status == 413
    assert "7000x6000" in refused.value.detail and "40 megapixels" in refused.value.detail


def test_pillows_own_bomb_error_is_a_413_too(tmp_path: Path):
    source = samples.pixel_bomb_png(tmp_path / "bomb.png", (20_000, 20_000))
    with pytest.raises(ContentRefused) as refused:
        blog_image(source, tmp_path, "png")
    assert refused.value.status == 413


def test_a_truncated_jpeg_is_refused_with_422(tmp_path: Path):
    with pytest.raises(ContentRefused) as refused:
        profile_image(samples.truncated_jpeg(tmp_path / "cut.jpg"), tmp_path, "jpeg")
    assert refused.value.status == 422
    assert "truncated" in refused.value.detail


def test_bytes_of_another_format_than_the_kind_are_refused_with_422(tmp_path: Path):
    with pytest.raises(ContentRefused) as refused:
        profile_image(samples.png(tmp_path / "me.jpg"), tmp_path, "jpeg")
    assert refused.value.status == 422


# Social media


def test_social_media_variants_have_the_platforms_sizes(tmp_path: Path):
    processed = social_media_image(samples.jpeg_with_gps(tmp_path / "post.jpg", (2400, 1600)),
                                   tmp_path, "jpeg")
    assert sizes(processed) == {"original": (2400, 1600), "linkedin": (1200, 627),
                                "x": (1600, 900), "instagram-square": (1080, 1080),
                                "instagram-portrait": (1080, 1350), "facebook": (1200, 630)}
    for output in processed.outputs:
        assert stored_size(output.path) == (output.width, output.height)
        assert output.mime == "image/jpeg"
        assert_bare(output.path)


def test_a_small_source_is_cropped_to_each_ratio_but_never_enlarged(tmp_path: Path):
    processed = social_media_image(samples.png(tmp_path / "post.png", (800, 600)), tmp_path,
                                   "png")
    targets = {"linkedin": (1200, 627), "x": (1600, 900), "instagram-square": (1080, 1080),
               "instagram-portrait": (1080, 1350), "facebook": (1200, 630)}
    for output in processed.outputs[1:]:
        target_width, target_height = targets[output.name]
        assert output.width <= 800 and output.height <= 600
        assert output.width / output.height == pytest.approx(target_width / target_height,
                                                             rel=0.01)
        assert output.width == 800 or output.height == 600  # the largest crop there is


def test_an_animated_gif_stays_animated_in_every_social_media_output(tmp_path: Path):
    source = samples.animated_gif(tmp_path / "loop.gif", (720, 480), frames=6, duration=80)
    processed = social_media_image(source, tmp_path, "gif")
    assert processed.metadata["animated"] is True and processed.metadata["frames"] == 6
    assert [output.name for output in processed.outputs] == [
        "original", "linkedin", "x", "instagram-square", "instagram-portrait", "facebook"]
    for output in processed.outputs:
        assert output.mime == "image/gif"
        assert frame_count(output.path) > 1, output.name
        with Image.open(output.path) as image:
            assert image.size == (output.width, output.height)
            assert image.info.get("duration") == 80 and image.info.get("loop") == 0
        assert_bare(output.path)
    assert sizes(processed)["instagram-square"] == (480, 480)


def test_a_transparent_animation_stays_transparent_without_trails(tmp_path: Path):
    source = samples.transparent_animated_gif(tmp_path / "disc.gif", (400, 300), frames=4)
    for output in social_media_image(source, tmp_path, "gif").outputs:
        with Image.open(output.path) as image:
            frames = [frame.convert("RGBA") for frame in ImageSequence.Iterator(image)]
        assert len(frames) == 4
        assert all(frame.getpixel((0, 0))[3] == 0 for frame in frames), output.name
    # Where the disc was in the first frame, the last frame is transparent again.
    with Image.open(tmp_path / "original.gif") as image:
        image.seek(3)
        assert image.convert("RGBA").getpixel((50, 150))[3] == 0


def test_an_animation_with_too_many_frames_times_pixels_is_refused_with_413(tmp_path: Path):
    with pytest.raises(ContentRefused) as refused:
        social_media_image(samples.gif_frame_bomb(tmp_path / "bomb.gif"), tmp_path, "gif")
    assert refused.value.status == 413
    assert "70 frames" in refused.value.detail


# Company logos


def test_a_logo_is_fitted_not_cropped_and_keeps_its_transparency(tmp_path: Path):
    processed = company_logo(samples.png(tmp_path / "logo.png", (2000, 1000), transparent=True),
                             tmp_path, "png")
    assert sizes(processed) == {"original": (1024, 512), "256": (256, 128), "128": (128, 64)}
    for output in processed.outputs:
        with Image.open(output.path) as image:
            assert image.format == "PNG" and image.mode == "RGBA"
            assert image.getchannel("A").getextrema() == (0, 255)
        assert_bare(output.path)


def test_a_small_logo_is_not_enlarged(tmp_path: Path):
    processed = company_logo(samples.jpeg(tmp_path / "logo.jpg", (200, 100)), tmp_path, "jpeg")
    assert sizes(processed) == {"original": (200, 100), "256": (200, 100), "128": (128, 64)}


# Blog images


def test_blog_image_variants_have_their_sizes(tmp_path: Path):
    processed = blog_image(samples.webp(tmp_path / "post.webp", (3000, 2000)), tmp_path, "webp")
    assert sizes(processed) == {"original": (2560, 1707), "featured": (1200, 630),
                                "inline": (800, 533), "thumbnail": (400, 225)}
    for output in processed.outputs:
        assert output.mime == "image/webp"
        assert_bare(output.path)


def test_a_blog_gif_stays_animated(tmp_path: Path):
    processed = blog_image(samples.animated_gif(tmp_path / "a.gif", (1280, 720), frames=3),
                           tmp_path, "gif")
    assert sizes(processed) == {"original": (1280, 720), "featured": (1200, 630),
                                "inline": (800, 450), "thumbnail": (400, 225)}
    assert all(frame_count(output.path) == 3 for output in processed.outputs)
