"""Undo left/right swaps of pose-detector keyframes: a Viterbi path over three label hypotheses per keyframe.

A detector that swaps left and right (OpenPose's commonest error) still places every joint on the body, so one
frame alone cannot show the swap; its neighbours can. Each keyframe is read as given, with its arms swapped, or
with the whole body mirrored (arms and legs), and the path along which the shoulders and hips (root-relative, in
torso lengths) move most smoothly is kept: each inner keyframe is compared with the interpolation of its two
neighbours, which a turning torso follows far better than either neighbour alone. Limb ends are left out: they
swing far between keyframes. Each swapped group costs a penalty that grows with the keyframe spacing, so the labels
given win ties (the whole-sequence swap is exactly as smooth, and the detector is right most of the time). On exact
keyframes of the held-out clips this swaps nothing at x4, x8 and x16 (tests/motion/test_flips.py).

Legs swapped alone are the pose stage's job (rib/leg_sides.py, applied by HumanSloMo_Dataset's estimate_poses):
the hips, all this path sees of the legs, lie on top of each other seen from the side. Until 2026-12-05 the path
also tried the legs alone. On MediaPipe's keyframes of the human actor's training split (535 intervals, 17 whose
keyframes disagree on the legs) it then left 13 of them, and after the pose stage's rule (which leaves 1) it swapped
back legs the rule had set right (5 left). Without that hypothesis: 1 left, and the arms as before (6 disagreeing as
detected, 2 after the path); mirrored keyframes (the motion benchmark's flips) are restored as before.
"""
from __future__ import annotations

import numpy as np

from Human_Motion_Modelling.data.representation import body_frame, estimate_root
from rib.joints import FLIP_PAIRS, NUM_J19, RIGHT_HAND, flip_permutation

ARM_PAIRS = tuple(pair for pair in FLIP_PAIRS if {2, 3, 4, RIGHT_HAND} & set(pair))
"""Shoulders, elbows, wrists and hands."""
TORSO_SIDES = (2, 5, 9, 12)
"""Shoulders and hips: the joints whose motion the path minimises."""
PENALTY_PER_FRAME = 0.009
"""Cost of one swapped group (arms or legs) per frame of keyframe spacing, in torso lengths of mean motion."""


HYPOTHESES = (np.arange(NUM_J19), flip_permutation(ARM_PAIRS), flip_permutation(FLIP_PAIRS))
"""Joint orders tried for each keyframe: as given, arms swapped, the whole body mirrored."""
SWAPPED_GROUPS = np.array([0, 1, 2])


def mean_distance(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Mean distance between the joints that both broadcastable (..., J, 3) pose sets see (0 where they share none)."""
    seen = (first[..., 2] > 0) & (second[..., 2] > 0)
    distance = np.linalg.norm(first[..., :2] - second[..., :2], axis=-1)
    count = seen.sum(-1)
    return np.where(count > 0, (distance * seen).sum(-1) / np.maximum(count, 1), 0.0)


def between(before: np.ndarray, after: np.ndarray, weight: float) -> np.ndarray:
    """(H, H, J, 3) interpolation of every pair of (H, J, 3) hypotheses, seen where both are."""
    xy = before[:, None, :, :2] * (1.0 - weight) + after[None, :, :, :2] * weight
    seen = (before[:, None, :, 2:] > 0) & (after[None, :, :, 2:] > 0)
    return np.concatenate([xy, seen.astype(xy.dtype)], axis=-1)


def path_choice(torso: np.ndarray, times: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """The hypothesis index of each of V keyframes, from their (V, H, J, 3) torso joints, minimising the swap
    penalties plus, for every inner keyframe, its distance from the interpolation of its two neighbours (and the
    distance between the first two and the last two keyframes): a Viterbi path over pairs of hypotheses."""
    count = len(torso)
    edge = mean_distance(torso[0][:, None], torso[1][None])
    total = penalty[:, None] + penalty[None, :] + edge  # (previous, current)
    back = []
    for step in range(1, count - 1):
        weight = (times[step] - times[step - 1]) / (times[step + 1] - times[step - 1])
        middle = between(torso[step - 1], torso[step + 1], weight)  # (previous, next)
        cost = mean_distance(torso[step][None, :, None], middle[:, None])  # (previous, current, next)
        if step == count - 2:
            cost = cost + mean_distance(torso[step][:, None], torso[step + 1][None])[None]
        options = total[:, :, None] + cost + penalty[None, None, :]
        back.append(options.argmin(0))
        total = options.min(0)
    previous, current = np.unravel_index(int(total.argmin()), total.shape)
    choice = [current, previous]
    for pointers in reversed(back):
        choice.append(pointers[choice[-1], choice[-2]])
    return np.array(choice[::-1])


def resolve_swaps(poses: np.ndarray, times: np.ndarray, root: np.ndarray, valid: np.ndarray, scale: float
                  ) -> np.ndarray:
    """(K, 19, 3) keyframes at frame ``times`` with arm swaps and mirrored bodies undone along the smoothest path.

    ``root`` (K, 2) and ``valid`` (K,) give each keyframe's root and whether it has one (keyframes without one
    are kept as they are); ``scale`` is the body's torso length in the poses' units.
    """
    order = np.flatnonzero(valid)
    if len(order) < 2:
        return poses
    relative = poses[order].copy()
    relative[..., :2] = (relative[..., :2] - root[order, None, :]) / scale
    torso = np.stack([relative[:, perm][:, TORSO_SIDES] for perm in HYPOTHESES], axis=1)  # (V, H, J, 3)
    times = np.asarray(times, dtype=np.float64)[order]
    penalty = PENALTY_PER_FRAME * float(np.median(np.diff(times))) * SWAPPED_GROUPS
    out = poses.copy()
    for slot, hypothesis in zip(order, path_choice(torso, times, penalty)):
        out[slot] = poses[slot, HYPOTHESES[hypothesis]]
    return out


def undo_swaps(keyframes: np.ndarray, times: np.ndarray) -> np.ndarray:
    """:func:`resolve_swaps` of (K, 19, 3) keyframes at frame ``times``, with the root and torso length found in
    them (keyframes without any root are returned as they are)."""
    frame = body_frame(keyframes)
    if frame is None:
        return keyframes
    return resolve_swaps(keyframes, times, *estimate_root(keyframes), frame[1])
