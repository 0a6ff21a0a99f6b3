"""Whether an interval's keyframe poses explain its keyframes, so that warps built on them may be drawn.

Each keyframe is pose-warped onto the other keyframe's pose and compared with that keyframe on its body (the pixels
near its bones); the same keyframe left unmoved is the yardstick. Correct poses move the body to where the other
keyframe shows it, so the warp beats standing still, or ties with it when the person hardly moves. Poses that are
off (a detector's swapped legs, a body detected on the legs alone, a false person on the background, another
person's pose) move texture to the wrong place and warp worse than standing still. Then the interval's in-betweens
are the background, as for an interval without a person: a pose the keyframes contradict never makes a frame worse
than its background.
"""
from __future__ import annotations

import numpy as np

from Pose_Guided_Neural_Rendering.warp_blend.warping import TargetBones, body_proximity, person_crop, pose_warp

MAX_ERROR_RATIO = 1.25
"""The default limit: the keyframes' poses are trusted while the warps' error is at most this many times the unmoved
keyframes' (both directions summed). Weights carry their own in ``model.max_error_ratio`` (config.py), calibrated
for them with ``bench/pose_agreement.py --renderer`` on a validation split (the training motions with new
appearances, cameras and backdrops), since a bolder model needs better poses to gain: 1.00 for the shipped
(capsule-trained) weights, whose person gain over DIS with a user's poses is +0.41 / +0.78 dB there at rates 4 / 8
(bench/reports/pose_agreement_validation_capsule.md); 1.25 for the human-trained still-keyframe weights (+0.42 / +0.58 on the
same poses, bench/reports/pose_agreement_validation_stills.md), which also did no worse than 1.10 on the test split
(bench/reports/quality_human_calibrated.md). With exact poses the ratio's median is 0.70-0.73 and its 99th percentile
1.07-1.38 (at most 1.67: a backflip, a body getting up from its back, a spin, whose visible texture changes)."""
NOISE_GREY_LEVELS = 1.0
"""Added to both mean errors (grey levels of 255), so an interval where the person stands still (both ~0) passes."""
BODY_PROXIMITY = 0.5
"""The compared pixels: those whose proximity to the nearest bone of the posed keyframe exceeds this."""
MAX_SIDE = 256
"""The comparison runs on the person's crop resampled to at most this many pixels a side, so its cost is bounded."""
MIN_PIXELS = 16
"""With fewer body pixels than this on the crop there is nothing to judge, and the poses are trusted."""


def warp_errors(source: np.ndarray, target: np.ndarray, source_pose: np.ndarray,
                target_pose: np.ndarray) -> tuple[float, float] | None:
    """Mean absolute errors (grey levels) on ``target``'s body of ``source`` warped to ``target_pose`` and of
    ``source`` unmoved; None when the body covers fewer than MIN_PIXELS pixels of the crop."""
    crop = person_crop([source_pose, target_pose], frame_hw=target.shape[:2]).at_most(MAX_SIDE)
    bones = TargetBones.on(crop, target_pose)
    body = body_proximity(bones) > BODY_PROXIMITY
    if body.sum() < MIN_PIXELS:
        return None
    real = crop.sample(target).astype(np.float32)
    warped = pose_warp(source, bones, source_pose).astype(np.float32)
    still = crop.sample(source).astype(np.float32)
    return float(np.abs(warped - real)[body].mean()), float(np.abs(still - real)[body].mean())


def error_ratio(previous: np.ndarray, following: np.ndarray, previous_pose: np.ndarray,
                following_pose: np.ndarray) -> float:
    """The warps' error over the unmoved keyframes' (each keyframe onto the other, summed; NOISE_GREY_LEVELS added);
    1.0 when no direction has enough body to judge."""
    pairs = [warp_errors(previous, following, previous_pose, following_pose),
             warp_errors(following, previous, following_pose, previous_pose)]
    judged = [pair for pair in pairs if pair is not None]
    if not judged:
        return 1.0
    warped, still = (sum(values) for values in zip(*judged))
    return (warped + NOISE_GREY_LEVELS) / (still + NOISE_GREY_LEVELS)

