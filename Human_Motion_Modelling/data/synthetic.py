"""Procedural 3D J19 walking motion (z up, metres) for tests, benchmarks and smoke runs without mocap."""
from __future__ import annotations

import os

import numpy as np

from Human_Motion_Modelling.AMASS import motion_h5
from rib.atomic import atomic_path


def _limb(start: np.ndarray, length: float, angle: np.ndarray) -> np.ndarray:
    """End point of a segment swinging in the sagittal (y, z) plane; angle 0 points straight down."""
    return start + length * np.stack([np.zeros_like(angle), np.sin(angle), -np.cos(angle)], axis=-1)


def walking_motion(num_frames: int, fps: float = 60.0, speed: float = 1.2, heading: float = 0.0,
                   cadence: float = 0.9, phase: float = 0.0) -> np.ndarray:
    """(T, 19, 3) joints of a person walking along ``heading`` (radians about z) at ``speed`` m/s."""
    t = np.arange(num_frames) / fps
    w = 2 * np.pi * cadence * t + phase
    joints = np.zeros((num_frames, 19, 3))
    root = np.stack([np.zeros_like(t), speed * t, 0.95 + 0.02 * np.sin(2 * w)], axis=-1)
    joints[:, 8] = root
    for side, hip, knee, ankle, toe, sign in (("R", 9, 10, 11, 16, 1.0), ("L", 12, 13, 14, 15, -1.0)):
        swing = sign * 0.45 * np.sin(w)
        bend = 0.6 * np.maximum(0.0, np.sin(w + sign * np.pi / 2))
        joints[:, hip] = root + [sign * 0.1, 0.0, -0.05]
        joints[:, knee] = _limb(joints[:, hip], 0.45, swing)
        joints[:, ankle] = _limb(joints[:, knee], 0.43, swing - bend)
        joints[:, toe] = joints[:, ankle] + [0.0, 0.15, -0.06]
    neck = root + [0.0, 0.0, 0.52]
    joints[:, 1] = neck
    joints[:, 0] = neck + [0.0, 0.08, 0.18]
    for shoulder, elbow, wrist, hand, sign in ((2, 3, 4, 18, 1.0), (5, 6, 7, 17, -1.0)):
        swing = -sign * 0.35 * np.sin(w)
        joints[:, shoulder] = neck + [sign * 0.19, 0.0, -0.03]
        joints[:, elbow] = _limb(joints[:, shoulder], 0.29, swing)
        joints[:, wrist] = _limb(joints[:, elbow], 0.26, swing + 0.3)
        joints[:, hand] = _limb(joints[:, wrist], 0.08, swing + 0.3)
    c, s = np.cos(heading), np.sin(heading)
    rotation = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return (joints @ rotation.T).astype(np.float32)


def write_walking_h5(path: str | os.PathLike, subsets: dict[str, int], num_frames: int = 400, fps: float = 60.0,
                     seed: int = 0) -> None:
    """A motion h5 with ``{subset: number of sequences}`` random walks (varying speed, heading, cadence)."""
    rng = np.random.default_rng(seed)
    with atomic_path(path) as tmp:
        with motion_h5.open_for_writing(tmp, builder="synthetic walking") as h5:
            for subset, count in subsets.items():
                for index in range(count):
                    joints = walking_motion(num_frames, fps, speed=rng.uniform(0.8, 1.6),
                                            heading=rng.uniform(-np.pi, np.pi), cadence=rng.uniform(0.7, 1.1),
                                            phase=rng.uniform(0, 2 * np.pi))
                    motion_h5.write_sequence(h5, subset, f"walk_{index:03d}", joints, fps, "synthetic")
