"""Keyframe augmentation mimicking pose-detector errors: zero-mean noise, dropped joints and frames, L/R flips."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from rib.joints import NUM_J19, ROOT, flip_permutation
from rib.schema import Section, from_section

NOISE_JOINTS = (3, 4, 6, 7, 10, 11, 13, 14, 15, 16, 17, 18)
"""Limb ends that get positional noise (the reference's set)."""
DROP_JOINTS = (0, 3, 4, 6, 7, ROOT, 10, 11, 13, 14, 15, 16, 17, 18)
"""Joints that may go missing; unlike the reference the root can too (then the hips stand in for it)."""
FLIP = flip_permutation()


@dataclass
class Augmentation(Section):
    """Per-keyframe probabilities and sizes of each corruption (coordinates in projection units)."""

    WHERE: ClassVar[str] = "augment"
    noise_prob: float = 0.37
    noise_joints: int = 5
    noise_scale: float = 0.25
    drop_prob: float = 0.37
    drop_joints: int = 3
    flip_prob: float = 0.2
    frame_drop_prob: float = 0.05
    clean_prob: float = 0.0
    """Share of windows whose keyframes stay exact (poses from a sharp video or mocap), so they are trusted."""

    @classmethod
    def from_config(cls, config: dict | None) -> "Augmentation":
        """Build from a config section; unknown keys are a RIBError, missing keys keep their defaults."""
        return from_section(cls, config, "augment")


def pick_joints(rng: np.random.Generator, frames: np.ndarray, pool: tuple[int, ...], count: int) -> np.ndarray:
    """(K, 19) mask with ``count`` distinct joints of ``pool`` chosen in each frame where ``frames`` is true."""
    k = len(frames)
    chosen = np.asarray(pool)[np.argsort(rng.random((k, len(pool))), axis=1)[:, :count]]
    mask = np.zeros((k, NUM_J19), dtype=bool)
    mask[np.arange(k)[:, None], chosen] = True
    return mask & frames[:, None]


def augment_keyframes(keyframes: np.ndarray, rng: np.random.Generator, aug: Augmentation) -> np.ndarray:
    """Corrupt (K, 19, 3) keyframes (x, y, visibility); missing joints get visibility 0, never a fake coordinate.

    The first and last keyframes are never dropped whole, so every clip keeps two anchors. A share ``clean_prob``
    of windows is left untouched.
    """
    out = keyframes.copy()
    if aug.clean_prob and rng.random() < aug.clean_prob:
        return out
    k = len(out)
    flip = rng.random(k) < aug.flip_prob
    out[flip] = out[flip][:, FLIP]
    noisy = pick_joints(rng, rng.random(k) < aug.noise_prob, NOISE_JOINTS, aug.noise_joints)
    noise = rng.uniform(-aug.noise_scale, aug.noise_scale, (k, NUM_J19, 2))
    out[..., :2] += np.where(noisy[..., None], noise, 0.0)
    dropped = pick_joints(rng, rng.random(k) < aug.drop_prob, DROP_JOINTS, aug.drop_joints)
    frame_drop = rng.random(k) < aug.frame_drop_prob
    frame_drop[[0, -1]] = False
    out[..., 2] = np.where(dropped | frame_drop[:, None], 0.0, out[..., 2])
    return out
