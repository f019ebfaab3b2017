"""Videos for the social-media bucket: probed with the bundled ffmpeg, refused when they do not
decode or exceed the limits, and turned into a JPEG thumbnail and a "web" MP4 that LinkedIn, X,
Instagram and Facebook all accept (H.264 yuv420p, AAC, moov atom first).

There is no ffprobe next to imageio-ffmpeg's static binary, so the probe parses what
`ffmpeg -i` prints. The upload is untrusted input to ffmpeg: the demuxer is forced from the kind
the magic bytes gave (ffmpeg never guesses another format, e.g. a playlist that opens other
files), only the file protocol is allowed, only the chosen streams are mapped, and every run has
a timeout, bounded threads and no shell.
"""

from __future__ import annotations

import functools
import logging
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
from PIL import Image

from files.content.model import ContentRefused, Output, Processed

log = logging.getLogger(__name__)

# 15 minutes is the longest of the upload paths we publish to, as of late 2025 (platforms change
# these, the social service checks its own target): LinkedIn member posts 15 min (its Videos API
# up to 30 min), Instagram Reels through the Content Publishing API 15 min, Facebook Reels 90 s
# (Page videos far longer). X allows 140 s for most accounts (longer only with Premium), so a
# video past 140 s is stored but has to be cut before it goes to X.
MAX_DURATION_SECONDS = 15 * 60.0
# Larger than any camera a user posts from (4K UHD is 3840 wide, DCI 4K 4096): beyond this a
# video is a pixel bomb for the decoder, refused like an image with too many pixels.
MAX_SIDE = 4096
MAX_FPS = 240.0  # phone slow-motion records at 240 fps; more than that is a frame bomb
# What every target accepts without converting: X takes at most 1920x1200 and 60 fps.
WEB_MAX_SIDE = 1920
WEB_MAX_FPS = 60.0
THUMBNAIL_MAX_WIDTH = 640
THREADS = 2
# One ffmpeg run. The longest is a re-encode: about 35 frames a second at 1080p on two threads
# (measured), so 15 minutes of 1080p30 takes some 13 minutes.
TIMEOUT_SECONDS = 900.0

DEMUXERS = {"mp4": "mov", "mov": "mov", "avi": "avi"}
MIMES = {"mp4": "video/mp4", "mov": "video/quicktime", "avi": "video/x-msvideo"}
WEB_PIXEL_FORMATS = frozenset({"yuv420p", "yuvj420p"})  # 8-bit 4:2:0: what every decoder plays
# The H.264 profiles every platform decodes (High 10, 4:2:2 and 4:4:4, lossless, are not).
WEB_H264_PROFILES = frozenset({"Constrained Baseline", "Baseline", "Main", "High"})

# `ffmpeg -i` output, anchored on its indentation: metadata values are indented further (and
# their continuation lines start with ": "), so a crafted title cannot pass for a stream.
_INPUT = re.compile(r"^Input #0, ", re.M)
_DURATION = re.compile(r"^  Duration: (?:(\d+):(\d\d):(\d\d(?:\.\d+)?)|N/A)(?P<rest>.*)$", re.M)
_BITRATE = re.compile(r"bitrate: (\d+) kb/s")
_STREAM = re.compile(r"^  Stream #0:(\d+)\S*: (\w+): (.*)$")
_ROTATION = re.compile(r"^      Display Matrix: rotation of (-?\d+(?:\.\d+)?) degrees")
_SIZE = re.compile(r"^(\d+)x(\d+)\b")
_RATE = re.compile(r"^(\d+(?:\.\d+)?)(k?) (fps|tbr)$")
_OUT_TIME = re.compile(r"^out_time_us=(\d+)$", re.M)


@dataclass(frozen=True)
class VideoProbe:
    """What the probe found; width and height are as displayed (rotation applied)."""

    duration: float
    bitrate: int | None  # bits per second
    video_stream: int
    video_codec: str
    video_profile: str | None
    pixel_format: str
    width: int
    height: int
    fps: float
    audio_stream: int | None
    audio_codec: str | None
    audio_profile: str | None
    audio_layout: str | None  # "mono", "stereo", "5.1(side)", ...


def process_video(source: Path, workdir: Path, kind: str, *,
                  max_duration_seconds: float = MAX_DURATION_SECONDS,
                  timeout_seconds: float = TIMEOUT_SECONDS) -> Processed:
    """Probe and check a video of `kind` ("mp4", "mov" or "avi", from its magic bytes); return
    the upload unchanged as "original", a "thumbnail" JPEG and a "web" MP4."""
    if kind not in DEMUXERS:
        raise ValueError(f"not a video kind: {kind}")
    probe = probe_video(source, kind, timeout_seconds=timeout_seconds)
    if probe.duration > max_duration_seconds:
        raise ContentRefused(422, f"the video is {probe.duration:.1f} s long; the limit is "
                                  f"{max_duration_seconds:g} s", detected=kind)
    if max(probe.width, probe.height) > MAX_SIDE or probe.fps > MAX_FPS:
        raise ContentRefused(413, f"the video is {probe.width}x{probe.height} at {probe.fps:g} "
                                  f"fps; the limit is {MAX_SIDE} px a side and {MAX_FPS:g} fps",
                             detected=kind)
    workdir.mkdir(parents=True, exist_ok=True)
    thumbnail = _thumbnail(source, kind, probe, workdir, timeout_seconds)
    web, reencoded = _web(source, kind, probe, workdir, max_duration_seconds, timeout_seconds)
    original = Output("original", source, MIMES[kind], source.stat().st_size,
                      probe.width, probe.height)
    return Processed(outputs=[original, thumbnail, web], metadata={
        "duration_seconds": round(probe.duration, 3), "video_codec": probe.video_codec,
        "audio_codec": probe.audio_codec, "width": probe.width, "height": probe.height,
        "fps": round(probe.fps, 3), "bitrate": probe.bitrate, "web_reencoded": reencoded,
    })


def probe_video(source: Path, kind: str, *, timeout_seconds: float = TIMEOUT_SECONDS
                ) -> VideoProbe:
    """Read the container's header through ffmpeg; ContentRefused(422) when it does not open
    or holds no video stream."""
    stderr = _ffmpeg(_input(source, kind), timeout_seconds, "probe", check=False).stderr
    if not _INPUT.search(stderr):
        raise ContentRefused(422, f"the file does not open as a {kind.upper()} video",
                             detected=kind)
    video = audio = None
    blocks = _stream_blocks(stderr)
    for index, type_, fields, block in blocks:
        # A cover image in an MP4 is a one-frame "video" stream marked (attached pic).
        if type_ == "Video" and video is None and "(attached pic)" not in fields[-1]:
            video = (index, fields, block)
        elif type_ == "Audio" and audio is None:
            audio = (index, fields)
    if video is None:
        raise ContentRefused(422, "the file holds no video stream", detected=kind)
    index, fields, block = video
    size = next((m for f in fields if (m := _SIZE.match(f))), None)
    width, height = (int(size[1]), int(size[2])) if size else (0, 0)
    if not (width and height):
        raise ContentRefused(422, "the video stream has no dimensions", detected=kind)
    rotation = next((float(m[1]) for line in block if (m := _ROTATION.match(line))), 0.0)
    if round(rotation) % 180 == 90:  # a portrait phone video is stored landscape and rotated
        width, height = height, width
    rates = {m[3]: float(m[1]) * (1000 if m[2] else 1) for f in fields if (m := _RATE.match(f))}
    duration, bitrate = _duration(stderr)
    if duration is None:
        duration = _measure_duration(source, kind, index, timeout_seconds)
    if bitrate is None and duration > 0:
        bitrate = int(source.stat().st_size * 8 / duration)
    return VideoProbe(
        duration=duration, bitrate=bitrate, video_stream=index, video_codec=_codec(fields),
        video_profile=_profile(fields),
        pixel_format=fields[1].split("(")[0] if len(fields) > 1 else "", width=width,
        height=height, fps=rates.get("fps") or rates.get("tbr") or 0.0,
        audio_stream=audio[0] if audio else None, audio_codec=_codec(audio[1]) if audio else None,
        audio_profile=_profile(audio[1]) if audio else None,
        audio_layout=audio[1][2] if audio and len(audio[1]) > 2 else None,
    )


def _thumbnail(source: Path, kind: str, probe: VideoProbe, workdir: Path,
               timeout: float) -> Output:
    width = min(THUMBNAIL_MAX_WIDTH, probe.width)
    height = max(1, round(probe.height * width / probe.width))
    frame = workdir / "thumbnail-frame.png"
    # At 1 s rather than the first frame, which is often black or a fade-in.
    for seek in ((1.0, 0.0) if probe.duration > 1.0 else (0.0,)):
        frame.unlink(missing_ok=True)
        _ffmpeg([*_input(source, kind, seek=seek), "-map", f"0:{probe.video_stream}",
                 "-frames:v", "1", "-vf", f"scale={width}:{height}", "-threads", str(THREADS),
                 "-y", f"file:{frame}"], timeout, "decode")
        if frame.exists() and frame.stat().st_size:
            break  # a duration the header overstates seeks past the end: no frame at 1 s
    else:
        raise ContentRefused(422, "the video does not decode: no frame could be read",
                             detected=kind)
    # Re-encoded by Pillow so the stored JPEG is one Pillow wrote, whatever ffmpeg emitted.
    path = workdir / "thumbnail.jpg"
    with Image.open(frame) as image:
        image.convert("RGB").save(path, "JPEG", quality=85, optimize=True)
        size = image.size
    frame.unlink()
    return Output("thumbnail", path, "image/jpeg", path.stat().st_size, *size)


def _web(source: Path, kind: str, probe: VideoProbe, workdir: Path, max_duration: float,
         timeout: float) -> tuple[Output, bool]:
    """The MP4 for the platforms: the streams copied when they already are what every platform
    takes (a remux costs next to nothing), re-encoded otherwise. Returns it and whether the
    video stream was re-encoded."""
    copy_video = (probe.video_codec == "h264" and probe.video_profile in WEB_H264_PROFILES
                  and probe.pixel_format in WEB_PIXEL_FORMATS
                  and max(probe.width, probe.height) <= WEB_MAX_SIDE and probe.fps <= WEB_MAX_FPS)
    width, height = probe.width, probe.height
    args = [*_input(source, kind), "-map", f"0:{probe.video_stream}"]
    if copy_video:
        args += ["-c:v", "copy"]
    else:
        width, height = _fit(probe.width, probe.height, WEB_MAX_SIDE)
        # Scaled after ffmpeg's autorotation, so the stored frames are upright and need no
        # rotation flag; to limited (TV) range, since full range (MJPEG, some phones) is not
        # shown right by every player; -fpsmax drops frames only above 60 fps.
        args += ["-vf", f"scale={width}:{height}:out_range=tv,setsar=1",
                 "-fpsmax", f"{WEB_MAX_FPS:g}",
                 *_h264_encoder(), "-pix_fmt", "yuv420p", "-threads", str(THREADS)]
    if probe.audio_stream is None:
        args += ["-an"]
    else:
        args += ["-map", f"0:{probe.audio_stream}"]
        # X takes AAC-LC in mono or stereo only; anything else is converted (audio is cheap).
        if (probe.audio_codec == "aac" and probe.audio_profile == "LC"
                and probe.audio_layout in ("mono", "stereo")):
            args += ["-c:a", "copy"]
        else:
            args += ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    path = workdir / "web.mp4"
    # -t bounds the work when the header understates the length; the tags (a phone's GPS
    # position among them) and chapters stay with the original only.
    args += ["-t", f"{max_duration:g}", "-map_metadata", "-1", "-map_chapters", "-1",
             "-movflags", "+faststart", "-f", "mp4", "-y", f"file:{path}"]
    _ffmpeg(args, timeout, "convert")
    return Output("web", path, "video/mp4", path.stat().st_size, width, height), not copy_video


def _fit(width: int, height: int, longest: int) -> tuple[int, int]:
    """Dimensions scaled down so the longest side is at most `longest`, both even (4:2:0
    chroma needs even sides)."""
    scale = min(1.0, longest / max(width, height))
    return (max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2))


@functools.cache
def _h264_encoder() -> tuple[str, ...]:
    """libx264 when the bundled ffmpeg has it (imageio-ffmpeg's builds do), OpenH264 next;
    MPEG-4 part 2 only as a last resort, which not every platform takes."""
    encoders = _ffmpeg(["-encoders"], 30, "list encoders", check=False).stdout
    if re.search(r"^\s*V\S* libx264 ", encoders, re.M):
        return ("-c:v", "libx264", "-preset", "veryfast", "-crf", "26")
    if re.search(r"^\s*V\S* libopenh264 ", encoders, re.M):
        return ("-c:v", "libopenh264", "-b:v", "2500k")
    log.warning("the bundled ffmpeg has no H.264 encoder: web videos are made as MPEG-4 part 2")
    return ("-c:v", "mpeg4", "-q:v", "4")


def _input(source: Path, kind: str, *, seek: float | None = None) -> list[str]:
    args = ["-threads", str(THREADS), "-protocol_whitelist", "file", "-f", DEMUXERS[kind]]
    if kind == "avi":
        args += ["-fflags", "+genpts"]  # AVI stores no presentation times; MP4 needs them
    if seek:
        args += ["-ss", f"{seek:.3f}"]
    # file: so that a name with a colon is never read as another protocol.
    return [*args, "-i", f"file:{source}"]


def _ffmpeg(args: list[str], timeout: float, what: str, *,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-filter_threads",
               str(THREADS), *args]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False,
                              encoding="utf-8", errors="replace")
    except subprocess.TimeoutExpired:
        raise ContentRefused(422, f"the video took longer than {timeout:g} s to {what}") from None
    if check and done.returncode != 0:
        log.warning("ffmpeg could not %s the video: %s", what, done.stderr[-2000:])
        raise ContentRefused(422, f"the video does not decode: ffmpeg could not {what} it")
    return done


def _measure_duration(source: Path, kind: str, stream: int, timeout: float) -> float:
    """The length of a file whose header does not say it: its packets read through, not
    decoded (-c copy to the null muxer)."""
    done = _ffmpeg([*_input(source, kind), "-map", f"0:{stream}", "-c", "copy", "-f", "null",
                    "-progress", "pipe:1", "-nostats", "-"], timeout, "read")
    times = _OUT_TIME.findall(done.stdout)
    if not times:
        raise ContentRefused(422, "the video's length cannot be read", detected=kind)
    return int(times[-1]) / 1_000_000


def _stream_blocks(stderr: str) -> list[tuple[int, str, list[str], list[str]]]:
    """(index, type, description fields, the lines indented under it) for each stream."""
    blocks: list[tuple[int, str, list[str], list[str]]] = []
    current: list[str] | None = None
    for line in stderr.splitlines():
        if m := _STREAM.match(line):
            current = []
            blocks.append((int(m[1]), m[2], _fields(m[3]), current))
        elif current is not None and line.startswith("    "):
            current.append(line)
        else:
            current = None  # a log line ("[mov,mp4 @ ...] ...") between streams ends a block
    return blocks


def _fields(description: str) -> list[str]:
    """Split a stream description on the commas outside parentheses and brackets:
    "h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 1920x1080 [SAR 1:1], 30 fps"."""
    fields, depth, start = [], 0, 0
    for i, char in enumerate(description):
        depth += (char in "([") - (char in ")]")
        if char == "," and depth == 0:
            fields.append(description[start:i].strip())
            start = i + 1
    fields.append(description[start:].strip())
    return fields


def _codec(fields: list[str]) -> str:
    return fields[0].split()[0]


def _profile(fields: list[str]) -> str | None:
    m = re.match(r"\S+ \(([^)]*)\)", fields[0])
    return m[1] if m else None


def _duration(stderr: str) -> tuple[float | None, int | None]:
    """Seconds and bits per second from the Duration line; None for what it gives as N/A."""
    m = _DURATION.search(stderr)
    if m is None:
        return None, None
    duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) if m[1] else None
    bitrate = _BITRATE.search(m["rest"])
    return duration, int(bitrate[1]) * 1000 if bitrate else None
