"""Frame folders: sorted listing, image read/write, and the background-frame naming of every stage."""
from __future__ import annotations

import os
import re
from pathlib import Path

import cv2
import numpy as np

from rib.atomic import atomic_path
from rib.errors import RIBError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def natural_key(path: str | os.PathLike) -> list:
    """Sort key that orders ``frame2`` before ``frame10`` (and zero-padded names as plain sorting does)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", Path(path).name)]


def _require_dir(folder: Path) -> None:
    if not folder.is_dir():
        raise RIBError(f"{folder}: folder not found")


def list_files(folder: str | os.PathLike, suffixes: tuple[str, ...], allow_empty: bool = False) -> list[Path]:
    """Files of ``folder`` with one of ``suffixes``, in natural order; an empty result is an error by default."""
    folder = Path(folder)
    _require_dir(folder)
    files = sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes), key=natural_key)
    if not files and not allow_empty:
        raise RIBError(f"{folder}: no {'/'.join(suffixes)} files found")
    return files


def list_frames(folder: str | os.PathLike, allow_empty: bool = False) -> list[Path]:
    """Image files of a frame folder in frame order."""
    return list_files(folder, IMAGE_SUFFIXES, allow_empty)


def list_poses(folder: str | os.PathLike, allow_empty: bool = False) -> list[Path]:
    """OpenPose JSON files of a pose folder in frame order."""
    return list_files(folder, (".json",), allow_empty)


def list_clips(root: str | os.PathLike) -> list[Path]:
    """Clip sub-folders of ``root`` (e.g. ``inputs/<clip>``) in natural order."""
    root = Path(root)
    _require_dir(root)
    clips = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=natural_key)
    if not clips:
        raise RIBError(f"{root}: no clip folders found")
    return clips


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image as RGB uint8 (H, W, 3)."""
    path = Path(path)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise RIBError(f"{path}: cannot read image (missing or corrupt)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def decode_image(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode PNG/JPG bytes to RGB uint8."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise RIBError(f"{name}: cannot decode image bytes")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def encode_png(image: np.ndarray) -> bytes:
    """Encode an RGB uint8 image as PNG bytes."""
    ok, data = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR))
    if not ok:
        raise RIBError("cannot encode image as PNG")
    return data.tobytes()


def write_image(path: str | os.PathLike, image: np.ndarray, jpeg_quality: int = 95) -> None:
    """Write an RGB uint8 image atomically; the format follows the suffix (``jpeg_quality`` for .jpg/.jpeg)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        bgr = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR)
        params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)] if path.suffix.lower() in (".jpg", ".jpeg") else []
        if not cv2.imwrite(str(tmp), bgr, params):
            raise RIBError(f"{path}: cannot write image")


def background_name(stem: str, t: float) -> str:
    """Name of the background frame at fraction ``t`` after keyframe ``stem``: ``frame00012_0.250000.png``.

    ``t = 0`` is the keyframe itself. This is the reference's DAIN naming, generalised to any rate.
    """
    return f"{stem}_{t:.6f}.png"


def train_background_name(stem: str) -> str:
    """Name of the training background of the frame after ``stem``, interpolated from its two neighbours."""
    return f"train-{stem}_0.500000.png"
