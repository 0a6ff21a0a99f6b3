"""Undo left/right swaps of pose-detector keyframes: a Viterbi path over four label hypotheses per keyframe.

A detector that swaps left and right (OpenPose's commonest error) still places every joint on the body, so one
frame alone cannot show the swap; its neighbours can. Each keyframe is read as given, with its arms swapped, its
legs swapped, or both, and the path along which the shoulders and hips move least (root-relative, in torso
lengths) is kept. Limb ends are left out of that cost: they swing far between keyframes, while the torso turns
slowly. Each swapped group costs a penalty that grows with the keyframe spacing (the torso turns further between
distant keyframes), so the labels given win ties: the whole-sequence swap moves the body exactly as little, and
the detector is right most of the time. On exact keyframes of the held-out clips this changes nothing at x4,
x8 and x16 (bench/motion_quality.py).
"""
from __future__ import annotations

import numpy as np

from rib.joints import FLIP_PAIRS, NUM_J19, RIGHT_HAND, flip_permutation

ARM_PAIRS = tuple(pair for pair in FLIP_PAIRS if {2, 3, 4, RIGHT_HAND} & set(pair))
"""Shoulders, elbows, wrists and hands."""
LEG_PAIRS = tuple(pair for pair in FLIP_PAIRS if pair not in ARM_PAIRS)
"""Hips, knees, ankles and toes."""
TORSO_SIDES = (2, 5, 9, 12)
"""Shoulders and hips: the joints whose motion the path minimises."""
PENALTY_PER_FRAME = 0.0125
"""Cost of one swapped group (arms or legs) per frame of keyframe spacing, in torso lengths of mean motion."""


HYPOTHESES = (np.arange(NUM_J19), flip_permutation(ARM_PAIRS), flip_permutation(LEG_PAIRS),
              flip_permutation(ARM_PAIRS + LEG_PAIRS))
"""Joint orders tried for each keyframe: as given, arms swapped, legs swapped, both."""
SWAPPED_GROUPS = np.array([0, 1, 1, 2])


def transition_costs(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """(H, H) mean distance between the torso joints that both (H, 19, 3) root-relative hypothesis sets see (0 where
    they share none)."""
    first, second = first[:, TORSO_SIDES], second[:, TORSO_SIDES]
    seen = (first[:, None, :, 2] > 0) & (second[None, :, :, 2] > 0)
    distance = np.linalg.norm(first[:, None, :, :2] - second[None, :, :, :2], axis=-1)
    count = seen.sum(-1)
    return np.where(count > 0, (distance * seen).sum(-1) / np.maximum(count, 1), 0.0)


def resolve_swaps(poses: np.ndarray, times: np.ndarray, root: np.ndarray, valid: np.ndarray, scale: float
                  ) -> np.ndarray:
    """(K, 19, 3) keyframes at frame ``times`` with left/right swaps undone along the least-motion path.

    ``root`` (K, 2) and ``valid`` (K,) give each keyframe's root and whether it has one (keyframes without one
    are kept as they are); ``scale`` is the body's torso length in the poses' units.
    """
    order = np.flatnonzero(valid)
    if len(order) < 2:
        return poses
    relative = poses[order].copy()
    relative[..., :2] = (relative[..., :2] - root[order, None, :]) / scale
    hypotheses = np.stack([relative[:, perm] for perm in HYPOTHESES], axis=1)  # (V, H, 19, 3)
    spacing = float(np.median(np.diff(np.asarray(times, dtype=np.float64)[order])))
    penalty = PENALTY_PER_FRAME * spacing * SWAPPED_GROUPS
    total = penalty.copy()
    back = np.zeros((len(order), len(HYPOTHESES)), dtype=np.int64)
    for step in range(1, len(order)):
        costs = total[:, None] + transition_costs(hypotheses[step - 1], hypotheses[step])
        back[step] = costs.argmin(0)
        total = costs.min(0) + penalty
    choice = np.empty(len(order), dtype=np.int64)
    choice[-1] = int(total.argmin())
    for step in range(len(order) - 1, 0, -1):
        choice[step - 1] = back[step, choice[step]]
    out = poses.copy()
    for slot, hypothesis in zip(order, choice):
        out[slot] = poses[slot, HYPOTHESES[hypothesis]]
    return out
