"""Small shifts of an interval's keyframe joints that make each keyframe warp onto the other better.

A detector puts a joint a few pixels off, and differently in the two keyframes of an interval, so the two warps of
an in-between draw the same limb in two places. Each keyframe is warped onto the other's pose and compared with it
over both bodies (agreement.py's yardstick, with the pixels fixed by the detected poses). One pass of coordinate
descent tries moving each joint of each keyframe by :data:`STEP` left, right, up and down, and keeps each move that
lowers the summed error. The in-betweens' target poses move by their keyframes' shifts interpolated to their time
(:func:`carry_shifts`), so the warps still move the body as the motion model says it moves.

Settings measured on the user's path of the human actor's test split at x4, on the 85 intervals drawn in five clips
(MediaPipe poses; person PSNR gain over DIS): no refinement +0.66 dB; this one pass +0.75 dB for 0.46 s per interval
(about a quarter of that since warping.TargetBones reuses its limb weights and warping.limb_affines maps every limb
at once); a second pass at half the step +0.76 dB for 0.87 s; comparison crops of 96 or 64 pixels +0.69 to +0.74 dB.
Larger moves first lose (2026-12-05, a validation split: 5 clips of training motions with new identities, cameras and
backdrops, x4, every interval drawn): passes of 3 then 1 pixels +1.40 dB, of 4, 2, 1 +1.33 and of 8, 4, 2, 1 +1.21,
against +1.50 for this pass and +1.25 unrefined; the larger moves fit the warp error, not the body.
"""
from __future__ import annotations

import numpy as np

from Pose_Guided_Neural_Rendering.warp_blend.warping import TargetBones, body_proximity, person_crop, pose_warp
from rib.joints import LEFT_HAND

COMPARE_SIDE = 128
"""The comparison runs on the two keyframes' person crop resampled to this many pixels a side."""
STEP = 1.0
"""The joint moves tried, in pixels of the comparison crop (so a joint ends at most this far off in x and in y)."""
BODY_PROXIMITY = 0.3
"""The compared pixels: those this close (body_proximity) to a bone of the keyframe's detected pose."""
REFINED_JOINTS = range(LEFT_HAND)
"""J19 body joints 0-16 move; the hand centroids (17, 18) stay where the hand detector put them."""
MOVES = ((1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0))
"""Right, left, down, up: the directions each joint tries, in units of STEP."""


class MutualWarpError:
    """Mean absolute error of each keyframe warped onto the other's pose, against that keyframe, over the pixels
    near the bones of its detected pose."""

    def __init__(self, previous: np.ndarray, following: np.ndarray, poses: np.ndarray):
        self.crop = person_crop(list(poses[:2]), frame_hw=previous.shape[:2]).at_most(COMPARE_SIDE)
        self.images = (previous, following)
        self.real = [self.crop.sample(image).astype(np.float32) for image in self.images]
        self.bones = [TargetBones.on(self.crop, pose) for pose in poses[:2]]
        self.body = [body_proximity(bones) > BODY_PROXIMITY for bones in self.bones]

    @property
    def pixel(self) -> float:
        """One comparison pixel in frame pixels."""
        return self.crop.side / self.crop.n

    def __call__(self, bones: list[TargetBones]) -> float:
        """The summed error for keyframe poses given as their bones on :attr:`crop` (previous, next)."""
        total = 0.0
        for source, target in ((0, 1), (1, 0)):
            warped = pose_warp(self.images[source], bones[target], bones[source].pose).astype(np.float32)
            total += float(np.abs(warped - self.real[target])[self.body[target]].mean())
        return total


def refine_keyframe_poses(previous: np.ndarray, following: np.ndarray, poses: np.ndarray) -> np.ndarray:
    """The (2, 19, 3) keyframe poses ``poses[:2]`` with joints moved where the mutual warp error is lower (the
    detected ones when no move helps, or when either body covers no compared pixel)."""
    detected = poses[:2].astype(np.float64)
    error = MutualWarpError(previous, following, detected)
    if not all(body.any() for body in error.body):
        return detected.copy()
    known = (detected[:, :, 2] > 0).all(0)
    joints = [joint for joint in REFINED_JOINTS if known[joint]]
    bones = list(error.bones)
    best = error(bones)
    for keyframe in (0, 1):
        for joint in joints:
            for move in MOVES:
                trial = list(bones)
                place = bones[keyframe].pose[joint, :2] + np.asarray(move) * STEP * error.pixel
                trial[keyframe] = bones[keyframe].moved(joint, place)
                candidate = error(trial)
                if candidate < best:
                    best, bones = candidate, trial
    return np.stack([bones[0].pose, bones[1].pose])


def carry_shifts(target: np.ndarray, detected: np.ndarray, refined: np.ndarray, t: float) -> np.ndarray:
    """The (19, 3) in-between pose ``target`` at time ``t`` moved by the keyframes' shifts (``refined`` less
    ``detected``, both (2, 19, 3)) interpolated to ``t``; its missing joints stay missing."""
    shifts = refined[:, :, :2] - detected[:, :, :2]
    moved = target.astype(np.float64).copy()
    moved[:, :2] += ((1 - t) * shifts[0] + t * shifts[1]) * (target[:, 2:] > 0)
    return moved
