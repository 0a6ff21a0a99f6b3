"""Video files: read frames, frame times and fps with the bundled ffmpeg, write H.264 mp4 (yuv420p) atomically."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO, Iterable, Iterator

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


@dataclass(frozen=True)
class FrameTimes:
    """When each frame of a video's first video stream starts (sorted ``pts`` in ``timebase`` seconds)."""

    timebase: Fraction
    starts: tuple[int, ...]

    def seconds(self) -> list[Fraction]:
        """Start of every frame in seconds from the first one."""
        return [(pts - self.starts[0]) * self.timebase for pts in self.starts]


def _ffmpeg():
    import imageio_ffmpeg

    return imageio_ffmpeg


def ffmpeg_exe() -> str:
    """The bundled ffmpeg executable."""
    return _ffmpeg().get_ffmpeg_exe()


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


def frame_times(path: str | os.PathLike) -> FrameTimes | None:
    """The presentation times of the first video stream's frames, read from its packets (no decoding; the
    bundled ffmpeg has no ffprobe); None when the container gives no times."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:v:0", "-c", "copy",
               "-f", "framecrc", "-"]
    result = subprocess.run(command, capture_output=True, text=True, errors="replace")
    timebase = re.search(r"^#tb 0: (\d+)/(\d+)$", result.stdout, re.MULTILINE)
    starts = []
    for line in result.stdout.splitlines():
        fields = [field.strip() for field in line.split(",")]
        if len(fields) >= 3 and fields[0] == "0":
            if not re.fullmatch(r"-?\d+", fields[2]):
                return None  # NOPTS: the container has no times
            starts.append(int(fields[2]))
    if result.returncode != 0 or timebase is None or not starts:
        return None
    return FrameTimes(Fraction(int(timebase.group(1)), int(timebase.group(2))), tuple(sorted(starts)))


def read_video(path: str | os.PathLike, start_seconds: float = 0.0, rate: Fraction | None = None
               ) -> Iterator[np.ndarray]:
    """Yield the RGB uint8 frames of a video, seeking to ``start_seconds`` first; with ``rate``, resampled to that
    constant frame rate (frames repeated or dropped by their times)."""
    path = Path(path)
    if not path.is_file():
        raise RIBError(f"{path}: video not found")
    input_params = ["-ss", f"{start_seconds:.6f}"] if start_seconds > 0 else []
    output_params = [] if rate is None else ["-fps_mode", "cfr", "-r", str(rate)]
    try:
        reader = _ffmpeg().read_frames(str(path), input_params=input_params, output_params=output_params)
        meta = next(reader)
    except (RuntimeError, OSError, StopIteration) as error:
        raise RIBError(f"{path}: cannot read video ({str(error).splitlines()[0]})") from None
    width, height = meta["size"]
    try:
        for buffer in reader:
            yield np.frombuffer(buffer, np.uint8).reshape(height, width, 3)
    finally:
        reader.close()


def even_size(width: int, height: int) -> tuple[int, int]:
    """The size :func:`write_video` writes a ``width x height`` frame at (yuv420p needs even sizes)."""
    return width + width % 2, height + height % 2


def _encoder_command(target: Path, size: tuple[int, int], fps: float | Fraction, quality: int,
                     audio_path: str | os.PathLike | None, audio_codec: str | None, sar: Fraction) -> list[str]:
    rate = fps if isinstance(fps, Fraction) else Fraction(fps).limit_denominator()
    command = [ffmpeg_exe(), "-y", "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "rawvideo",
               "-pix_fmt", "rgb24", "-s", f"{size[0]}x{size[1]}", "-r", str(rate), "-i", "-"]
    if audio_path is None:
        command += ["-an"]
    else:
        command += ["-i", str(audio_path), "-map", "0:v:0", "-map", "1:a:0"]
        command += [] if audio_codec is None else ["-c:a", audio_codec]
    crf = int((1 - quality / 10) * 51)  # imageio-ffmpeg's quality scale, as before
    return command + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", str(crf),
                      "-vf", f"setsar={sar.numerator}/{sar.denominator}", "-f", "mp4", str(target)]


def _exit_description(returncode: int, log: IO[bytes]) -> str:
    """ffmpeg's exit status and the last line it printed (e.g. ``No space left on device``)."""
    log.seek(0)
    lines = [line.strip() for line in log.read().decode(errors="replace").splitlines() if line.strip()]
    if returncode < 0:
        status = f"ffmpeg was killed by {signal.Signals(-returncode).name}"
    else:
        status = f"ffmpeg exited with status {returncode}"
    return status + (f": {lines[-1]}" if lines else "")


class _Encoder:
    """One ffmpeg process encoding raw RGB frames from its stdin; :meth:`finish` checks its exit status."""

    def __init__(self, path: Path, command: list[str]):
        self.path = path
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.log)

    def send(self, frame: np.ndarray) -> None:
        """Pipe one frame; a dead ffmpeg is reported with its own error."""
        try:
            self.process.stdin.write(frame.tobytes())
        except (BrokenPipeError, ValueError):
            self.finish()
            raise RIBError(f"{self.path}: cannot write video (ffmpeg stopped reading frames)") from None

    def finish(self) -> None:
        """Wait for ffmpeg to write the file; a nonzero exit is an error naming the output."""
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        returncode = self.process.wait()
        if returncode != 0:
            raise RIBError(f"{self.path}: cannot write video ({_exit_description(returncode, self.log)})")

    def close(self) -> None:
        """Stop ffmpeg if it still runs (after an error or Ctrl-C) and drop its log."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdin is not None and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        self.log.close()


def write_video(path: str | os.PathLike, frames: Iterable[np.ndarray], fps: float | Fraction, quality: int = 8,
                audio_path: str | os.PathLike | None = None, audio_codec: str | None = None,
                sar: Fraction = Fraction(1)) -> int:
    """Write RGB uint8 frames as an H.264 mp4 (yuv420p) atomically; returns the number of frames written.

    Odd sizes are padded by one pixel (yuv420p needs even sizes, see :func:`even_size`). ``fps`` may be an exact
    fraction (60000/1001); ``sar`` is the pixel aspect ratio stored in the file. With ``audio_path``, the first
    audio stream of that file is muxed in, encoded with ``audio_codec`` (``copy`` keeps it as it is; None: ffmpeg's
    default for mp4). ffmpeg's exit status is checked before the file is put in place: a failed encode (a full disk)
    is a :class:`RIBError` naming ``path``, and no file is left.
    """
    path = Path(path)
    count = 0
    with atomic_path(path) as tmp:
        encoder = None
        try:
            for frame in frames:
                frame = np.ascontiguousarray(frame, dtype=np.uint8)
                height, width = frame.shape[:2]
                frame = np.pad(frame, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")
                if encoder is None:
                    encoder = _Encoder(path, _encoder_command(tmp, (frame.shape[1], frame.shape[0]), fps, quality,
                                                              audio_path, audio_codec, sar))
                encoder.send(frame)
                count += 1
            if encoder is not None:
                encoder.finish()
        finally:
            if encoder is not None:
                encoder.close()
        if count == 0:
            raise RIBError(f"{path}: no frames to write")
    return count
