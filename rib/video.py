"""Video files: read frames and fps with imageio-ffmpeg, write H.264 mp4 (yuv420p) atomically."""
from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from rib.atomic import atomic_path
from rib.errors import RIBError


@dataclass
class VideoInfo:
    """What a video file holds."""

    fps: float
    num_frames: int
    width: int
    height: int


def _ffmpeg():
    import imageio_ffmpeg

    return imageio_ffmpeg


def video_info(path: str | os.PathLike) -> VideoInfo:
    """Frame rate, frame count and size of a video file."""
    path = Path(path)
    if not path.is_file():
        raise RIBError(f"{path}: video not found")
    try:
        reader = _ffmpeg().read_frames(str(path))
        meta = next(reader)
        reader.close()
        count, _ = _ffmpeg().count_frames_and_secs(str(path))
    except (RuntimeError, OSError, StopIteration) as error:
        raise RIBError(f"{path}: cannot read video ({str(error).splitlines()[0]})") from None
    width, height = meta["size"]
    return VideoInfo(fps=float(meta["fps"]), num_frames=int(count), width=int(width), height=int(height))


def read_video(path: str | os.PathLike, start_seconds: float = 0.0) -> Iterator[np.ndarray]:
    """Yield the RGB uint8 frames of a video, seeking to ``start_seconds`` first."""
    path = Path(path)
    if not path.is_file():
        raise RIBError(f"{path}: video not found")
    input_params = ["-ss", f"{start_seconds:.6f}"] if start_seconds > 0 else []
    try:
        reader = _ffmpeg().read_frames(str(path), input_params=input_params)
        meta = next(reader)
    except (RuntimeError, OSError, StopIteration) as error:
        raise RIBError(f"{path}: cannot read video ({str(error).splitlines()[0]})") from None
    width, height = meta["size"]
    try:
        for buffer in reader:
            yield np.frombuffer(buffer, np.uint8).reshape(height, width, 3)
    finally:
        reader.close()


def write_video(path: str | os.PathLike, frames: Iterable[np.ndarray], fps: float | Fraction, quality: int = 8,
                audio_path: str | os.PathLike | None = None, audio_codec: str | None = None) -> int:
    """Write RGB uint8 frames as an H.264 mp4 (yuv420p) atomically; returns the number of frames written.

    Odd sizes are padded by one pixel (yuv420p needs even sizes). ``fps`` may be an exact fraction (60000/1001).
    With ``audio_path``, the first audio stream of that file is muxed in, encoded with ``audio_codec`` (``copy``
    keeps it as it is; None: ffmpeg's default for mp4).
    """
    path = Path(path)
    count = 0
    with atomic_path(path) as tmp:
        writer = None
        try:
            for frame in frames:
                frame = np.ascontiguousarray(frame, dtype=np.uint8)
                height, width = frame.shape[:2]
                frame = np.pad(frame, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")
                if writer is None:
                    writer = _ffmpeg().write_frames(
                        str(tmp), (frame.shape[1], frame.shape[0]), fps=fps, codec="libx264",
                        pix_fmt_out="yuv420p", quality=quality, macro_block_size=1, output_params=["-f", "mp4"],
                        audio_path=None if audio_path is None else str(audio_path), audio_codec=audio_codec)
                    writer.send(None)
                writer.send(frame)
                count += 1
        finally:
            if writer is not None:
                writer.close()
        if count == 0:
            raise RIBError(f"{path}: no frames to write")
    return count
