"""Videos for the social-media bucket: probed, refused when they do not decode or exceed the
limits, and turned into a thumbnail and an MP4 every platform takes, copied when it already is
one. The videos are made at test time with the bundled ffmpeg (sample_videos)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from devstack.samples.videos import (
    audio_only_mp4,
    avi,
    h264_mov,
    h264_mp4,
    not_a_video_mp4,
    portrait_h264_mp4,
)
from files.content.model import ContentRefused
from files.content.video import probe_video, process_video


def moov_before_mdat(path: Path) -> bool:
    """Faststart: the index first, so a player (or a platform's fetcher) starts at once."""
    data = path.read_bytes()
    return 0 <= data.find(b"moov") < data.find(b"mdat")


def test_an_h264_mp4_is_probed_and_its_streams_copied_not_re_encoded(tmp_path: Path) -> None:
    source = h264_mp4(tmp_path / "clip.mp4")

    processed = process_video(source, tmp_path / "work", "mp4")

    assert [o.name for o in processed.outputs] == ["original", "thumbnail", "web"]
    original, thumbnail, web = processed.outputs
    meta = processed.metadata
    assert meta["duration_seconds"] == pytest.approx(2.0, abs=0.1)
    assert (meta["video_codec"], meta["audio_codec"]) == ("h264", "aac")
    assert (meta["width"], meta["height"], meta["fps"]) == (320, 240, 25.0)
    assert isinstance(meta["bitrate"], int) and meta["bitrate"] > 0
    assert meta["web_reencoded"] is False
    assert (original.path, original.mime, original.size) == (source, "video/mp4",
                                                            source.stat().st_size)
    assert (web.mime, web.width, web.height) == ("video/mp4", 320, 240)
    assert web.path.parent == tmp_path / "work"
    out = probe_video(web.path, "mp4")
    assert (out.video_codec, out.audio_codec, out.pixel_format) == ("h264", "aac", "yuv420p")
    assert moov_before_mdat(web.path) and not moov_before_mdat(source)
    with Image.open(thumbnail.path) as image:
        assert (image.format, image.size) == ("JPEG", (320, 240))
    assert (thumbnail.mime, thumbnail.width, thumbnail.height) == ("image/jpeg", 320, 240)
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["thumbnail.jpg", "web.mp4"]


def test_a_silent_h264_mov_is_remuxed_to_mp4_without_re_encoding(tmp_path: Path) -> None:
    source = h264_mov(tmp_path / "clip.mov")

    processed = process_video(source, tmp_path / "work", "mov")

    web = processed.outputs[2]
    assert processed.metadata["audio_codec"] is None
    assert processed.metadata["web_reencoded"] is False
    assert processed.outputs[0].mime == "video/quicktime"
    assert web.path.read_bytes()[4:8] == b"ftyp"
    out = probe_video(web.path, "mp4")
    assert (out.video_codec, out.audio_codec) == ("h264", None)


@pytest.mark.parametrize("codec", ["mpeg4", "mjpeg"])
def test_an_avi_the_platforms_refuse_is_re_encoded_to_h264_and_aac(tmp_path: Path,
                                                                   codec: str) -> None:
    source = avi(tmp_path / "clip.avi", codec=codec)

    processed = process_video(source, tmp_path / "work", "avi")

    assert processed.metadata["video_codec"] == codec
    assert processed.metadata["audio_codec"] == "mp3"
    assert processed.metadata["web_reencoded"] is True
    web = processed.outputs[2]
    out = probe_video(web.path, "mp4")
    assert (out.video_codec, out.video_profile, out.pixel_format) == ("h264", "High", "yuv420p")
    assert (out.audio_codec, out.audio_profile) == ("aac", "LC")
    assert (out.width, out.height) == (web.width, web.height) == (320, 240)
    assert out.duration == pytest.approx(2.0, abs=0.15)
    assert moov_before_mdat(web.path)


def test_wide_videos_are_scaled_to_1920_for_the_web_and_640_for_the_thumbnail(
        tmp_path: Path) -> None:
    # Few pixels but a side over 1920: the scaling paths without a costly clip.
    source = avi(tmp_path / "banner.avi", seconds=1, size=(2000, 240), audio=False)

    processed = process_video(source, tmp_path / "work", "avi")

    _, thumbnail, web = processed.outputs
    assert (web.width, web.height) == (1920, 230)  # even sides, for 4:2:0 chroma
    out = probe_video(web.path, "mp4")
    assert (out.width, out.height) == (1920, 230)
    with Image.open(thumbnail.path) as image:
        assert image.size == (640, 77)


def test_a_portrait_phone_video_reports_and_shows_its_displayed_dimensions(
        tmp_path: Path) -> None:
    source = portrait_h264_mp4(tmp_path / "phone.mp4")

    processed = process_video(source, tmp_path / "work", "mp4")

    assert (processed.metadata["width"], processed.metadata["height"]) == (240, 320)
    with Image.open(processed.outputs[1].path) as image:
        assert image.size == (240, 320)
    # Copied with its rotation, so it still plays upright.
    assert processed.metadata["web_reencoded"] is False
    out = probe_video(processed.outputs[2].path, "mp4")
    assert (out.width, out.height) == (240, 320)


def test_a_file_with_an_mp4_header_but_nothing_inside_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentRefused) as refused:
        process_video(not_a_video_mp4(tmp_path / "fake.mp4"), tmp_path / "work", "mp4")
    assert refused.value.status == 422
    assert "MP4" in refused.value.detail


def test_an_mp4_without_a_video_stream_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentRefused) as refused:
        process_video(audio_only_mp4(tmp_path / "song.mp4"), tmp_path / "work", "mp4")
    assert (refused.value.status, refused.value.detail) == (422, "the file holds no video stream")


def test_an_avi_read_as_mp4_is_refused_not_guessed(tmp_path: Path) -> None:
    # The demuxer is forced from the sniffed kind: ffmpeg never picks another format itself.
    with pytest.raises(ContentRefused) as refused:
        process_video(avi(tmp_path / "clip.avi", seconds=1), tmp_path / "work", "mp4")
    assert refused.value.status == 422


def test_a_video_longer_than_the_maximum_is_refused(tmp_path: Path) -> None:
    source = h264_mp4(tmp_path / "clip.mp4")
    with pytest.raises(ContentRefused) as refused:
        process_video(source, tmp_path / "work", "mp4", max_duration_seconds=1.5)
    assert refused.value.status == 422
    assert refused.value.detail == "the video is 2.0 s long; the limit is 1.5 s"
    assert not (tmp_path / "work").exists()


def test_absurd_dimensions_are_refused_before_anything_is_decoded(tmp_path: Path) -> None:
    source = avi(tmp_path / "tall.avi", seconds=1, size=(16, 4112), codec="mjpeg", audio=False)
    with pytest.raises(ContentRefused) as refused:
        process_video(source, tmp_path / "work", "avi")
    assert refused.value.status == 413
    assert not (tmp_path / "work").exists()


def test_an_ffmpeg_run_over_the_timeout_is_refused(tmp_path: Path) -> None:
    source = h264_mp4(tmp_path / "clip.mp4", seconds=1)
    with pytest.raises(ContentRefused) as refused:
        process_video(source, tmp_path / "work", "mp4", timeout_seconds=0.001)
    assert refused.value.status == 422
    assert "took longer" in refused.value.detail
