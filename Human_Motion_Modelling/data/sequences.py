"""Load 3D J19 motion sequences from a motion h5 (J19 or the reference's SMPL-H layout) at one frame rate."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from Human_Motion_Modelling.AMASS import motion_h5
from rib.paths import REPO_ROOT


def resolve(path: str | os.PathLike) -> Path:
    """A config path: absolute as given, relative paths are relative to the repository root."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def resample(joints: np.ndarray, src_fps: float, dst_fps: float) -> np.ndarray:
    """Linearly resample a (T, ...) sequence from ``src_fps`` to ``dst_fps`` (first frame kept, no extrapolation)."""
    if abs(src_fps - dst_fps) < 1e-6 or len(joints) < 2:
        return joints
    duration = (len(joints) - 1) / src_fps
    times = np.arange(int(np.floor(duration * dst_fps + 1e-6)) + 1) * (src_fps / dst_fps)
    lower = np.minimum(np.floor(times).astype(int), len(joints) - 2)
    weight = (times - lower).reshape(-1, *([1] * (joints.ndim - 1)))
    return (joints[lower] * (1 - weight) + joints[lower + 1] * weight).astype(joints.dtype)


def load_sequences(path: str | os.PathLike, subsets: list[str], fps: float, min_frames: int = 2
                   ) -> dict[str, np.ndarray]:
    """``{"subset/name": (T, 19, 3) joints at fps}`` for every sequence of ``subsets`` with ``min_frames`` or more.

    A sequence without an ``fps`` attribute (the reference's AMASS h5) is used at its stored rate, unresampled.
    """
    sequences = {}
    for name, (joints, source_fps) in motion_h5.read_sequences(resolve(path), list(subsets)).items():
        joints = np.asarray(joints, dtype=np.float32)
        if source_fps is not None:
            joints = resample(joints, source_fps, fps)
        if len(joints) >= min_frames:
            sequences[name] = joints
    return sequences
