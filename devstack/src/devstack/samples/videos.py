"""Test videos made on the spot with the bundled ffmpeg, for the files service's video tests,
end-to-end tests of uploads and bench/uploads.py. Plain functions, no fixtures: each writes
`path` and returns it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

MB = 1024 * 1024


def h264_mp4(path: Path, seconds: float = 2, size: tuple[int, int] = (320, 240), *,
             audio: bool = True, faststart: bool = False) -> Path:
    """H.264 (High, yuv420p) in MP4, with a 440 Hz AAC tone unless audio=False."""
    return _make(path, seconds, size, audio, ["-c:v", "libx264", "-preset", "veryfast",
                                              "-pix_fmt", "yuv420p", "-c:a", "aac",
                                              *(["-movflags", "+faststart"] if faststart else []),
                                              "-f", "mp4"])


def portrait_h264_mp4(path: Path, seconds: float = 2, size: tuple[int, int] = (320, 240)) -> Path:
    """What a phone held upright records: frames stored landscape (`size`) with a display
    rotation of 90 degrees in the container, so it shows as size[1] x size[0]."""
    upright = h264_mp4(path.with_name(f"{path.stem}-stored.mp4"), seconds, size)
    # The rotation can only be set on an input that is remuxed, not on a generated one.
    _ffmpeg(["-display_rotation", "90", "-i", str(upright), "-c", "copy", "-f", "mp4",
             str(path)])
    upright.unlink()
    return path


def h264_mov(path: Path, seconds: float = 2, size: tuple[int, int] = (320, 240), *,
             audio: bool = False) -> Path:
    """H.264 in a QuickTime container, silent unless audio=True (AAC)."""
    return _make(path, seconds, size, audio, ["-c:v", "libx264", "-preset", "veryfast",
                                              "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mov"])


def avi(path: Path, seconds: float = 2, size: tuple[int, int] = (320, 240), *,
        codec: str = "mpeg4", audio: bool = True) -> Path:
    """AVI with MPEG-4 part 2 (or codec="mjpeg") and MP3 audio: neither is what the platforms
    take, so processing it re-encodes."""
    return _make(path, seconds, size, audio, ["-c:v", codec, "-q:v", "5", "-c:a", "libmp3lame",
                                              "-f", "avi"])


def big_h264_mp4(path: Path, megabytes: float = 50) -> Path:
    """A valid H.264 MP4 of a little more than `megabytes` MiB (the unit of the buckets' limits:
    50 is just over social-media's video limit), larger by under one frame (< 1 MiB). Made in
    under a second: random noise barely compressed (qp 8), cut by -fs at that size."""
    _ffmpeg(["-f", "lavfi", "-i", "color=c=gray:s=854x480:r=25:d=600,"
             "noise=alls=100:allf=t:all_seed=1", "-c:v", "libx264", "-preset", "ultrafast",
             "-qp", "8", "-pix_fmt", "yuv420p", "-threads", "2", "-fs", str(int(megabytes * MB)),
             "-f", "mp4", str(path)])
    return path


def audio_only_mp4(path: Path, seconds: float = 2) -> Path:
    """An MP4 holding only an AAC tone: a valid file, but no video stream."""
    _ffmpeg(["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds:g}", "-c:a", "aac",
             "-f", "mp4", str(path)])
    return path


def not_a_video_mp4(path: Path) -> Path:
    """An MP4 `ftyp` box (what sniffing calls mp4) followed by junk: no moov, no streams."""
    path.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"junk" * 64)
    return path


def _make(path: Path, seconds: float, size: tuple[int, int], audio: bool,
          output: list[str]) -> Path:
    width, height = size
    inputs = ["-f", "lavfi", "-i", f"testsrc=duration={seconds:g}:size={width}x{height}:rate=25"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds:g}"]
    else:
        output = [*output, "-an"]
    _ffmpeg([*inputs, *output, str(path)])
    return path


def _ffmpeg(args: list[str]) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel",
                    "error", "-y", *args], check=True, timeout=120)
