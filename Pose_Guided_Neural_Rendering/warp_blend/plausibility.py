"""Which target poses the warp-blend renderer may trust: a detector or motion-model error never makes a frame worse
than its background.

The target pose is judged against the two keyframes' poses around it. Per limb: a target limb whose length
disagrees with the same limb in every keyframe showing it is implausible, and the joints to blame become unknown,
so no limb is warped onto them and the proximity map is low there (the network keeps the background; where the
crop no longer reaches, the frame is the background exactly). Per frame: a target with non-finite values, a torso
of the wrong size, or a centre far from where both keyframes put the person is not drawn at all: the frame is the
background, as for a frame without a person. The thresholds sit far beyond what a correct pose does between two
keyframes, so a correct pose passes unchanged and renders as it did without these checks.
"""
from __future__ import annotations

import numpy as np

from Pose_Guided_Neural_Rendering.warp_blend.warping import known, torso_length
from rib.joints import LIMBS
from rib.person import has_person

LIMB_FACTOR = 1.8
"""A target limb longer than this many times the longest, or shorter than 1/this of the shortest, of the same limb in
the keyframes showing it is implausible (given the slacks below): a thrown joint, a left/right swap or another
person's joint. Measured on the exact poses of the 15 training motions (spins, kicks, rolls, cartwheels; rates 4 and
8, 68k limbs): no correct limb is longer than 1.6 times the keyframes' longest; shorter ones are left to the slack."""
LONGER_SLACK_OF_TORSO = 0.5
"""A longer limb is implausible only when it is also longer by this many torso lengths: short limbs (wrist to hand
centre, ankle to toe) are a few pixels long and their ratio is noise. Correct limbs reach 0.32."""
SHORTER_SLACK_OF_TORSO = 0.75
"""A shorter limb is implausible only when it is also shorter by this many torso lengths: a limb turned toward the
camera looks much shorter (correct limbs get to 1/15 of the keyframes' shortest, and 0.6 torso lengths shorter), and
a short limb warps little."""
TORSO_RATIO_RANGE = (0.25, 1.8)
"""A target torso outside this range times the keyframes' torso lengths interpolated at t is a pose of another scale
or person. Bending toward the camera shortens a correct torso to 0.38 of that within one interval (a spin at rate
8), but nothing lengthens it past 1.3 (same poses); a pose scaled 2x or more is caught."""
CENTRE_MARGIN_OF_TORSO = 1.5
"""A target whose centre (mean of its known core joints) lies more than this many torso lengths outside the box of
both keyframes' joints is not between them (a shifted pose, another person). A correct centre never leaves the box
on the same poses."""
CORE_JOINTS = 15
"""J19 joints 0-14 (head, arms, legs; not toes or hands): the joints whose mean is the body's centre."""
_ENDS = np.asarray(LIMBS, dtype=int).T


def finite(pose: np.ndarray) -> bool:
    """Whether every joint not marked unknown (confidence exactly 0) has finite coordinates and confidence."""
    return bool(np.isfinite(pose[pose[:, 2] != 0]).all())


def shows_person(pose: np.ndarray) -> bool:
    """Whether a pose shows a person (rib.person.has_person) with finite values: one the renderer may warp from or
    to."""
    return has_person(pose) and finite(pose)


def reference_torso(poses: np.ndarray, t: float) -> float:
    """The keyframes' torso lengths (previous, next) interpolated at ``t``: the scale the target is judged at."""
    return (1 - t) * torso_length(poses[0]) + t * torso_length(poses[1])


def limb_lengths(pose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Length of each limb of LIMBS (inf or NaN for a non-finite joint) and whether both its joints are known."""
    a, b = _ENDS
    with np.errstate(invalid="ignore", over="ignore"):
        lengths = np.linalg.norm(pose[b, :2] - pose[a, :2], axis=1)
    ok = known(pose)
    return lengths, ok[a] & ok[b]


def implausible_limbs(poses: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
    """For poses (previous, next, target): which target limbs are implausible, and which were judged (shown in the
    target and in a keyframe); boolean (len(LIMBS),) each. A limb with a non-finite joint is implausible."""
    length, shown = limb_lengths(poses[2])
    key_lengths, key_shown = (np.stack(values) for values in zip(*(limb_lengths(pose) for pose in poses[:2])))
    key_shown &= np.isfinite(key_lengths)
    judged = shown & key_shown.any(0)
    longest = np.where(key_shown, key_lengths, -np.inf).max(0)
    shortest = np.where(key_shown, key_lengths, np.inf).min(0)
    scale = reference_torso(poses, t)
    with np.errstate(invalid="ignore", over="ignore"):
        longer = (length > LIMB_FACTOR * longest) & (length - longest > LONGER_SLACK_OF_TORSO * scale)
        shorter = (length * LIMB_FACTOR < shortest) & (shortest - length > SHORTER_SLACK_OF_TORSO * scale)
    broken = shown & ~np.isfinite(length)
    return (judged & (longer | shorter)) | broken, judged | broken


def implausible_joints(poses: np.ndarray, t: float) -> np.ndarray:
    """Boolean (19,): the target joints to blame for its implausible limbs.

    A joint that a plausible judged limb also holds is vouched for: of an implausible limb, the end no plausible
    limb vouches for is blamed (a thrown wrist, not its elbow); both ends when both or neither are vouched for.
    """
    bad, judged = implausible_limbs(poses, t)
    a, b = _ENDS
    vouched = np.zeros(len(poses[2]), bool)
    vouched[a[judged & ~bad]] = vouched[b[judged & ~bad]] = True
    blamed = np.zeros_like(vouched)
    blamed[a[bad & (~vouched[a] | vouched[b])]] = True
    blamed[b[bad & (~vouched[b] | vouched[a])]] = True
    return blamed


def plausible_frame(poses: np.ndarray, t: float) -> bool:
    """Whether the target pose may be drawn at all: finite values, a torso of the keyframes' size, and a centre
    near the box of both keyframes' joints (poses (previous, next, target), each with a known joint)."""
    if not all(finite(pose) for pose in poses):
        return False
    scale = reference_torso(poses, t)
    low, high = TORSO_RATIO_RANGE
    if not low <= torso_length(poses[2]) / scale <= high:
        return False
    target = poses[2]
    core = known(target) & (np.arange(len(target)) < CORE_JOINTS)
    centre = target[core if core.any() else known(target), :2].mean(0)
    keys = np.concatenate([pose[known(pose), :2] for pose in poses[:2]])
    beyond = np.maximum(np.maximum(keys.min(0) - centre, centre - keys.max(0)), 0.0)
    return float(np.linalg.norm(beyond)) <= CENTRE_MARGIN_OF_TORSO * scale


def renderable_poses(poses: np.ndarray, t: float) -> np.ndarray | None:
    """Poses (previous, next, target) to render from, the target's blamed joints made unknown; None when the frame
    is the background (a pose without a person, before or after that, or an implausible target)."""
    if not all(shows_person(pose) for pose in poses) or not plausible_frame(poses, t):
        return None
    blamed = implausible_joints(poses, t)
    if not blamed.any():
        return poses
    poses = poses.copy()
    poses[2, blamed] = 0.0
    return poses if has_person(poses[2]) else None
