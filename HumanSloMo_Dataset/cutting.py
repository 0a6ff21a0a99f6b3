"""Cutting clips out of source videos and image folders: seeking, 3:2 centre crop and resize."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import cv2
import numpy as np

from rib.errors import RIBError
from rib.frames import read_image
from rib.video import read_video

VIDEO_SUFFIXES = (".mp4", ".webm", ".mkv", ".mov", ".avi")
ASPECT = 3 / 2
"""Width / height of the dataset frames (768x512)."""
EDN_SUBFOLDER = Path("val") / "test_img"
"""Where the Everybody Dance Now tarballs keep their frames inside ``<video>/``."""


@dataclass(frozen=True)
class Crop:
    """A crop window in source pixels."""

    x: int
    y: int
    width: int
    height: int


def centre_crop_box(width: int, height: int, aspect: float = ASPECT) -> Crop:
    """The largest centred window of ``aspect`` (width / height) inside a ``width`` x ``height`` image.

    1280x720 gives columns 100:1180 and 1024x512 gives 128:896, the reference's hard-coded crops.
    """
    crop_w, crop_h = width, height
    if width / height > aspect:
        crop_w = int(round(height * aspect))
    else:
        crop_h = int(round(width / aspect))
    return Crop((width - crop_w) // 2, (height - crop_h) // 2, crop_w, crop_h)


def crop_and_resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Centre-crop ``image`` to the aspect of ``size`` (width, height) and resize it to ``size``."""
    box = centre_crop_box(image.shape[1], image.shape[0], size[0] / size[1])
    window = image[box.y:box.y + box.height, box.x:box.x + box.width]
    shrinking = box.width > size[0]
    return cv2.resize(window, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


@dataclass(frozen=True)
class Source:
    """Where a video's frames come from: a video file or a folder of numbered images."""

    path: Path

    @property
    def is_video(self) -> bool:
        return self.path.is_file()


def find_source(videos_dir: str | os.PathLike, video_name: str) -> Source:
    """The video file ``<name>.<ext>`` or image folder ``<name>/`` (EDN: ``<name>/val/test_img``) of a video."""
    videos_dir = Path(videos_dir)
    for suffix in VIDEO_SUFFIXES:
        if (videos_dir / f"{video_name}{suffix}").is_file():
            return Source(videos_dir / f"{video_name}{suffix}")
    folder = videos_dir / video_name
    if (folder / EDN_SUBFOLDER).is_dir():
        return Source(folder / EDN_SUBFOLDER)
    if folder.is_dir():
        return Source(folder)
    raise RIBError(f"{videos_dir / video_name}: video not found (no {'/'.join(VIDEO_SUFFIXES)} file or image "
                   f"folder; run download first)")


def exact_fps(path: str | os.PathLike) -> float:
    """The stream's exact frame rate (e.g. 23.976023976 rather than ffmpeg's printed 23.98)."""
    capture = cv2.VideoCapture(str(path))
    try:
        fps = float(capture.get(cv2.CAP_PROP_FPS)) if capture.isOpened() else 0.0
    finally:
        capture.release()
    if not fps > 0:
        raise RIBError(f"{path}: cannot read the video's frame rate")
    return fps


def read_video_frames(path: str | os.PathLike, indices: Sequence[int], fps: float,
                      seek: bool = True) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(index, RGB frame)`` for the sorted 0-based frame ``indices`` of a constant-frame-rate video.

    With ``seek`` ffmpeg jumps to the key frame before the first wanted frame and decodes forward to half a frame
    before it (an exact position for constant frame rates: the first frame out is ``indices[0]``), then counts
    decoded frames. Without it, decoding starts at frame 0 (exact for any video, slower).
    """
    if not indices:
        return
    start = indices[0] if seek else 0
    wanted = set(indices)
    frames = read_video(path, start_seconds=(start - 0.5) / fps if start > 0 else 0.0)
    position = start
    try:
        for frame in frames:
            if position in wanted:
                yield position, frame
            if position >= indices[-1]:
                return
            position += 1
    finally:
        frames.close()
    raise RIBError(f"{path}: the video ends at frame {position - 1}, before frame {indices[-1]}")


def read_folder_frames(folder: str | os.PathLike, names: Sequence[str]) -> Iterator[tuple[str, np.ndarray]]:
    """Yield ``(name, RGB image)`` for the named images of an image folder."""
    for name in names:
        yield name, read_image(Path(folder) / name)
