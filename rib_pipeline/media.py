"""Input videos and frame folders: probe (exact frame rate, audio codec), extract frames, encode the result."""
from __future__ import annotations

import re
import statistics
import subprocess
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from rib.errors import RIBError
from rib.frames import list_frames, read_image, write_image
from rib.video import FrameTimes, even_size, ffmpeg_exe, frame_times, read_video, video_info, write_video

MP4_AUDIO = ("aac", "mp3", "ac3", "eac3", "opus", "alac", "flac")
"""Audio codecs the mp4 container takes as they are (anything else is re-encoded to AAC)."""
NTSC_TOLERANCE = 0.01
STEADY_TOLERANCE = 0.01
"""Frame intervals within this fraction of their mean (or one tick of the time base) count as a constant rate."""


@dataclass
class Source:
    """What ``rib interpolate`` reads: a video file or a frame folder."""

    path: Path
    fps: Fraction
    num_frames: int
    width: int
    height: int
    audio: str | None = None
    """Codec of the first audio stream (videos only), or None."""
    sar: Fraction = Fraction(1)
    """Pixel aspect ratio (width of a pixel over its height), kept on the output."""
    resample: Fraction | None = None
    """A variable-frame-rate video is decoded at this constant rate (frames repeated or dropped by their times)."""
    notes: list[str] = field(default_factory=list)
    """What the summary should say about reading this input."""

    @property
    def is_video(self) -> bool:
        return self.path.is_file()


def exact_rate(fps: float | Fraction | str) -> Fraction:
    """A frame rate as an exact fraction; rates near ``k * 1000/1001`` (29.97, 23.976, 59.94) snap to it."""
    value = Fraction(str(fps)) if not isinstance(fps, Fraction) else fps
    if value.denominator == 1:
        return value
    multiple = round(value * Fraction(1001, 1000))
    ntsc = Fraction(multiple * 1000, 1001)
    if multiple >= 1 and abs(float(ntsc - value)) < NTSC_TOLERANCE:
        return ntsc
    return value.limit_denominator(1001) or value  # a time-lapse's 0.0004 fps stays positive


def _stream_header(path: Path) -> str:
    """ffmpeg's description of the streams of ``path`` (what ``ffmpeg -i`` prints)."""
    result = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True,
                            errors="replace")
    return result.stderr


def header_rate(header: str, fallback: float, unit: str = "fps") -> Fraction:
    """The ``fps`` (or another ``unit``: ``tbr``, the nominal rate) of ffmpeg's video stream line (``29.97 fps``,
    ``1k fps``, ``0.005 fps``), else ``fallback``."""
    match = re.search(rf"Video:.*?(\d+(?:\.\d+)?)(k?) {unit}", header)
    if match is None:
        return exact_rate(fallback)
    return exact_rate(Fraction(match.group(1)) * (1000 if match.group(2) else 1))


def _pixel_aspect(header: str) -> Fraction:
    match = re.search(r"Video:.*?\[SAR (\d+):(\d+) DAR", header)
    return Fraction(int(match.group(1)), int(match.group(2))) if match and int(match.group(1)) > 0 else Fraction(1)


@dataclass(frozen=True)
class StreamRate:
    """The frame rate a video is read at, from its frame times."""

    fps: Fraction
    variable: bool
    average: Fraction
    """Frames per second over the whole stream."""
    num_frames: int
    """Frames at ``fps`` (for a variable rate: its duration at ``fps``)."""


def stream_rate(times: FrameTimes, nominal: Fraction | None = None) -> StreamRate | None:
    """The rate of a stream whose frames start at ``times`` (None for fewer than 2 frames or no duration).

    Steady intervals give their mean rate. Varying ones (dropped frames, a phone's variable rate) give the median
    interval's rate (the nominal rate, so that no frame is dropped), or the average when that is more than twice as
    fast; the stream is then read at that constant rate. Either is the container's ``nominal`` rate where that fits
    the interval to a tick of the time base (a 1 ms time base has no exact 30 fps interval).
    """
    seconds = times.seconds()
    if len(seconds) < 2 or seconds[-1] <= 0:
        return None
    intervals = [b - a for a, b in zip(seconds, seconds[1:])]
    mean = seconds[-1] / len(intervals)
    tolerance = max(times.timebase, STEADY_TOLERANCE * mean)

    def rate_of(interval: Fraction) -> Fraction:
        fits = nominal is not None and nominal > 0 and abs(1 / nominal - interval) <= tolerance
        return nominal if fits else exact_rate(1 / interval)

    average = rate_of(mean)
    if all(abs(gap - mean) <= tolerance for gap in intervals):
        return StreamRate(average, False, average, len(seconds))
    median = statistics.median_low(gap for gap in intervals if gap > 0)
    fps = rate_of(median) if 1 / median <= 2 * average else average
    return StreamRate(fps, True, average, round(seconds[-1] * fps) + 1)


def _audio_codec(header: str) -> str | None:
    match = re.search(r"Stream #\S+.*?: Audio: (\w+)", header)
    return match.group(1) if match else None


def probe_video(path: Path, min_frames: int = 2) -> Source:
    """Frame rate, count, size and audio codec of a video; unreadable videos and videos of fewer than
    ``min_frames`` frames are errors."""
    info = video_info(path)
    if info.num_frames < min_frames:
        raise RIBError(f"{path}: the video holds {info.num_frames} frame(s); at least {min_frames} are needed")
    header = _stream_header(path)
    source = Source(path, header_rate(header, info.fps), info.num_frames, info.width, info.height,
                    _audio_codec(header), _pixel_aspect(header))
    times = frame_times(path)
    rate = None if times is None else stream_rate(times, header_rate(header, 0, "tbr") or None)
    if rate is not None and not rate.variable:
        source.fps = rate.fps
    elif rate is not None:
        source.fps, source.resample, source.num_frames = rate.fps, rate.fps, rate.num_frames
        source.notes.append(f"variable frame rate input ({len(times.starts)} frames, {float(rate.average):g} fps on "
                            f"average): read at a constant {float(rate.fps):g} fps first ({rate.num_frames} frames, "
                            "each frame repeated or dropped by its time), so the output keeps the input's timing")
    if source.fps <= 0:
        raise RIBError(f"{path}: cannot read the frame rate (ffmpeg reports {float(source.fps):g} fps)")
    return source


def probe_folder(path: Path, fps: Fraction, min_frames: int = 2) -> Source:
    """Frame count and size of a frame folder (its first frame is read); fewer than ``min_frames`` frames, or two
    frames of one name (``frame00003.png`` and ``frame00003.jpg``), are errors."""
    frames = list_frames(path)
    if len(frames) < min_frames:
        raise RIBError(f"{path}: holds {len(frames)} frame(s); at least {min_frames} are needed")
    by_stem: dict[str, Path] = {}
    for frame in frames:
        if frame.stem in by_stem:
            raise RIBError(f"{path}: {by_stem[frame.stem].name} and {frame.name} are both frame {frame.stem}; keep "
                           "one of them")
        by_stem[frame.stem] = frame
    height, width = read_image(frames[0]).shape[:2]
    return Source(path, fps, len(frames), width, height)


def probe(path: Path, folder_fps: Fraction, min_frames: int = 2) -> Source:
    """Probe a video file or a frame folder (frame folders play at ``folder_fps``) of at least ``min_frames``."""
    if path.is_dir():
        return probe_folder(path, folder_fps, min_frames)
    if not path.exists():
        raise RIBError(f"{path}: not found")
    return probe_video(path, min_frames)


def source_frames(source: Source) -> Iterator[tuple[str, np.ndarray]]:
    """(stem, RGB frame) of every frame of a source, in order: a folder's frames keep their names (so given pose
    files match them by name); a video's are ``video000012`` (pose files of a video match by order)."""
    if source.is_video:
        for index, frame in enumerate(read_video(source.path, rate=source.resample)):
            yield f"video{index:06d}", frame
    else:
        for path in list_frames(source.path):
            yield path.stem, read_image(path)


def extract_frames(source: Source, out_dir: Path, on_frame: Callable[[np.ndarray], None] | None = None
                   ) -> list[Path]:
    """Write every frame of ``source`` to ``out_dir`` as PNG (calling ``on_frame`` with each); frames of another
    size are errors."""
    written = []
    for index, (stem, frame) in enumerate(source_frames(source)):
        if frame.shape[:2] != (source.height, source.width):
            raise RIBError(f"{source.path}: frame {index} is {frame.shape[1]}x{frame.shape[0]}, not "
                           f"{source.width}x{source.height}")
        written.append(out_dir / f"{stem}.png")
        write_image(written[-1], frame)
        if on_frame is not None:
            on_frame(frame)
    if len(written) < 2:
        raise RIBError(f"{source.path}: {len(written)} frame(s) decoded; at least 2 are needed")
    return written


def size_note(source: Source) -> str | None:
    """What the summary says when the output size or pixel shape is not simply the input's."""
    width, height = even_size(source.width, source.height)
    notes = []
    if (width, height) != (source.width, source.height):
        notes.append(f"odd size {source.width}x{source.height} written as {width}x{height} (last column or row "
                     "repeated: H.264 in yuv420p needs even sizes)")
    if source.sar != 1:
        notes.append(f"pixel aspect ratio {source.sar.numerator}:{source.sar.denominator} kept")
    return "; ".join(notes) or None


def audio_codec_for_mp4(source: Source) -> str | None:
    """How the audio of ``source`` goes into the mp4: ``copy`` when the container takes it, else ``aac``."""
    if source.audio is None:
        return None
    return "copy" if source.audio in MP4_AUDIO else "aac"


def encode(path: Path, frames: Iterable[np.ndarray], fps: Fraction, audio_from: Source | None = None) -> int:
    """Write RGB frames as an H.264 mp4 at exactly ``fps`` (atomically) with the audio stream and the pixel aspect
    ratio of ``audio_from``.

    mp4-ready audio is copied as it is; other codecs (e.g. PCM) are re-encoded to AAC. Returns the frame count.
    """
    codec = None if audio_from is None else audio_codec_for_mp4(audio_from)
    return write_video(path, frames, fps, audio_path=audio_from.path if codec else None, audio_codec=codec,
                       sar=Fraction(1) if audio_from is None else audio_from.sar)
