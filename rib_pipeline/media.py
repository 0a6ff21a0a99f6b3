"""Input videos and frame folders: probe (exact frame rate, audio codec), extract frames, encode the result."""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from rib.errors import RIBError
from rib.frames import list_frames, read_image, write_image
from rib.video import read_video, video_info, write_video

MP4_AUDIO = ("aac", "mp3", "ac3", "eac3", "opus", "alac", "flac")
"""Audio codecs the mp4 container takes as they are (anything else is re-encoded to AAC)."""
NTSC_TOLERANCE = 0.01


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

    @property
    def is_video(self) -> bool:
        return self.path.is_file()


def exact_rate(fps: float | Fraction | str) -> Fraction:
    """A frame rate as an exact fraction; rates near ``k * 1000/1001`` (29.97, 23.976, 59.94) snap to it."""
    value = Fraction(str(fps)) if not isinstance(fps, Fraction) else fps
    if value.denominator == 1:
        return value
    ntsc = Fraction(round(value * Fraction(1001, 1000)) * 1000, 1001)
    return ntsc if abs(float(ntsc - value)) < NTSC_TOLERANCE else value.limit_denominator(1001)


def _ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _stream_header(path: Path) -> str:
    """ffmpeg's description of the streams of ``path`` (what ``ffmpeg -i`` prints)."""
    result = subprocess.run([_ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True,
                            errors="replace")
    return result.stderr


def _video_rate(header: str, fallback: float) -> Fraction:
    match = re.search(r"Video:.*?(\d+(?:\.\d+)?) fps", header)
    return exact_rate(match.group(1) if match else fallback)


def _audio_codec(header: str) -> str | None:
    match = re.search(r"Stream #\S+.*?: Audio: (\w+)", header)
    return match.group(1) if match else None


def probe_video(path: Path) -> Source:
    """Frame rate, count, size and audio codec of a video; unreadable, empty or one-frame videos are errors."""
    info = video_info(path)
    if info.num_frames < 2:
        raise RIBError(f"{path}: the video holds {info.num_frames} frame(s); at least 2 are needed")
    header = _stream_header(path)
    return Source(path, _video_rate(header, info.fps), info.num_frames, info.width, info.height,
                  _audio_codec(header))


def probe_folder(path: Path, fps: Fraction) -> Source:
    """Frame count and size of a frame folder (its first frame is read); fewer than 2 frames is an error."""
    frames = list_frames(path)
    if len(frames) < 2:
        raise RIBError(f"{path}: holds {len(frames)} frame(s); at least 2 are needed")
    height, width = read_image(frames[0]).shape[:2]
    return Source(path, fps, len(frames), width, height)


def probe(path: Path, folder_fps: Fraction) -> Source:
    """Probe a video file or a frame folder (frame folders play at ``folder_fps``)."""
    if path.is_dir():
        return probe_folder(path, folder_fps)
    if not path.exists():
        raise RIBError(f"{path}: not found")
    return probe_video(path)


def source_frames(source: Source) -> Iterator[tuple[str, np.ndarray]]:
    """(stem, RGB frame) of every frame of a source, in order: a folder's frames keep their names (so given pose
    files match them by name); a video's are ``video000012`` (pose files of a video match by order)."""
    if source.is_video:
        for index, frame in enumerate(read_video(source.path)):
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


def audio_codec_for_mp4(source: Source) -> str | None:
    """How the audio of ``source`` goes into the mp4: ``copy`` when the container takes it, else ``aac``."""
    if source.audio is None:
        return None
    return "copy" if source.audio in MP4_AUDIO else "aac"


def encode(path: Path, frames: Iterable[np.ndarray], fps: Fraction, audio_from: Source | None = None) -> int:
    """Write RGB frames as an H.264 mp4 at exactly ``fps`` (atomically) with the audio stream of ``audio_from``.

    mp4-ready audio is copied as it is; other codecs (e.g. PCM) are re-encoded to AAC. Returns the frame count.
    """
    codec = None if audio_from is None else audio_codec_for_mp4(audio_from)
    return write_video(path, frames, fps, audio_path=audio_from.path if codec else None, audio_codec=codec)
