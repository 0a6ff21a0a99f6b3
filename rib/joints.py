"""The 19-joint set (J19) shared by all stages, with explicit per-joint confidence.

A J19 pose is a float array (19, 3) of (x, y, confidence); confidence 0 means the joint is missing, and its
coordinates must not be used. Sequences are (T, 19, 3).
"""
from __future__ import annotations

import numpy as np

from rib.openpose import NUM_BODY, NUM_HAND, Person

J19_NAMES = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist", "MidHip", "RHip", "RKnee",
    "RAnkle", "LHip", "LKnee", "LAnkle", "LBigToe", "RBigToe", "LHand", "RHand",
)
NUM_J19 = len(J19_NAMES)
ROOT = J19_NAMES.index("MidHip")
NOSE, NECK = 0, 1
LEFT_HAND, RIGHT_HAND = 17, 18
BODY25_OF_J19 = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 19, 22)
"""BODY_25 index of J19 joints 0-16; 17 and 18 are hand centroids."""

NUM_SMPLH = 52
"""SMPL-H joints: 22 body joints, then 15 left-hand and 15 right-hand finger joints."""
SMPLH_OF_J19 = (15, 12, 17, 19, 21, 16, 18, 20, 0, 2, 5, 8, 1, 4, 7, 10, 11)
"""SMPL-H joint of J19 joints 0-16, the reference's ``body[:17] = data[indices]`` (head as nose, neck, shoulders,
elbows, wrists, pelvis, hips, knees, ankles, feet as big toes); J19 17/18 are the hand means below."""
SMPLH_LEFT_HAND, SMPLH_RIGHT_HAND = slice(22, 37), slice(37, 52)

MIN_HAND_POINTS = 6
"""A hand centroid needs more than 5 visible hand keypoints (the reference's rule)."""

FLIP_PAIRS = ((2, 5), (3, 6), (4, 7), (9, 12), (10, 13), (11, 14), (15, 16), (17, 18))
"""Right/left joint pairs swapped by a mirror flip."""

LIMBS = (
    (0, 1), (1, 8), (1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7), (8, 9), (9, 10), (10, 11), (8, 12), (12, 13),
    (13, 14), (4, 18), (7, 17), (11, 16), (14, 15),
)
"""Skeleton edges, in the order of :data:`LIMB_COLOURS`."""

LIMB_COLOURS = (
    (153, 0, 51), (153, 0, 0), (153, 51, 0), (153, 102, 0), (153, 153, 0), (102, 153, 0), (51, 153, 0), (0, 153, 0),
    (0, 153, 51), (0, 153, 102), (0, 153, 153), (0, 102, 153), (0, 51, 153), (0, 0, 153), (208, 208, 0),
    (0, 208, 0), (0, 208, 208), (0, 0, 208),
)
"""RGB colour of each limb in :data:`LIMBS` (the reference's skeleton palette)."""


def flip_permutation(pairs: tuple[tuple[int, int], ...] = FLIP_PAIRS) -> np.ndarray:
    """Index array that swaps the right and left joint of each pair of ``pairs`` (default: all) of a J19 pose."""
    perm = np.arange(NUM_J19)
    for right, left in pairs:
        perm[right], perm[left] = left, right
    return perm


def hand_centroid(hand: np.ndarray) -> np.ndarray:
    """Mean (x, y, c) of the visible points of a (21, 3) hand, or zeros if 5 or fewer are visible."""
    visible = hand[:, 2] > 0
    if visible.sum() < MIN_HAND_POINTS:
        return np.zeros(3)
    return hand[visible].mean(axis=0)


def smplh_to_j19(joints: np.ndarray) -> np.ndarray:
    """(T, 52, 3) SMPL-H joints -> (T, 19, 3) J19 joints (hands: mean of each hand's 15 finger joints)."""
    hands = [joints[:, part].mean(axis=1, keepdims=True) for part in (SMPLH_LEFT_HAND, SMPLH_RIGHT_HAND)]
    return np.concatenate([joints[:, list(SMPLH_OF_J19)], *hands], axis=1)


def person_to_j19(person: Person) -> np.ndarray:
    """Map one OpenPose person (BODY_25 + hands) to a (19, 3) J19 pose; missing joints get all zeros."""
    j19 = np.zeros((NUM_J19, 3))
    j19[:17] = person.body[list(BODY25_OF_J19)]
    j19[LEFT_HAND] = hand_centroid(person.left_hand)
    j19[RIGHT_HAND] = hand_centroid(person.right_hand)
    j19[j19[:, 2] <= 0] = 0.0
    return j19


def j19_to_person(j19: np.ndarray) -> Person:
    """Map a (19, 3) J19 pose back to BODY_25 + hands; each hand is 21 copies of its centroid (the reference's)."""
    j19 = np.where(j19[:, 2:3] > 0, j19, 0.0)
    body = np.zeros((NUM_BODY, 3))
    body[list(BODY25_OF_J19)] = j19[:17]
    return Person(
        body=body,
        left_hand=np.repeat(j19[LEFT_HAND][None], NUM_HAND, axis=0),
        right_hand=np.repeat(j19[RIGHT_HAND][None], NUM_HAND, axis=0),
    )


def visible(poses: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """Boolean visibility of each joint of a J19 pose or sequence (confidence above ``threshold``)."""
    return poses[..., 2] > threshold


def draw_skeleton(image: np.ndarray, pose: np.ndarray, thickness: int = 2, radius: int = 3) -> np.ndarray:
    """Draw a (19, 3) J19 pose in pixels on an RGB uint8 ``image`` in place (limbs of both visible ends only)."""
    import cv2

    pose = np.asarray(pose, dtype=np.float64)
    seen = (pose[:, 2] > 0) & np.isfinite(pose[:, :2]).all(axis=1)
    points = np.round(np.where(seen[:, None], pose[:, :2], 0.0)).astype(np.int32)
    for (a, b), colour in zip(LIMBS, LIMB_COLOURS):
        if seen[a] and seen[b]:
            cv2.line(image, tuple(map(int, points[a])), tuple(map(int, points[b])), colour, thickness, cv2.LINE_AA)
    for joint in np.flatnonzero(seen):
        cv2.circle(image, tuple(map(int, points[joint])), radius, (255, 255, 255), -1, cv2.LINE_AA)
    return image
