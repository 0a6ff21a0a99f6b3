"""Keypoint layouts of other pose estimators and their conversion to OpenPose BODY_25 + hands.

A layout says, for every BODY_25 joint, which source keypoint it is (an index), the midpoint of two source
keypoints (a pair, e.g. the neck from the shoulders), or nothing (``None``: written as missing), and where the
21-point hands start. Hands of every supported layout use OpenPose's hand order (wrist, then 4 points per finger).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np

from rib.openpose import BODY25_NAMES, NUM_HAND, Person

Source = Union[int, tuple[int, int], None]


@dataclass(frozen=True)
class Layout:
    """Where the BODY_25 joints and the hands are in a source estimator's keypoint list."""

    name: str
    num_points: int
    body: tuple[Source, ...]
    left_hand: int | None = None
    right_hand: int | None = None


def _body(**sources: Source) -> tuple[Source, ...]:
    unknown = set(sources) - set(BODY25_NAMES)
    if unknown:
        raise ValueError(f"not BODY_25 joint names: {sorted(unknown)}")
    return tuple(sources.get(name) for name in BODY25_NAMES)


_COCO_BODY = dict(
    Nose=0, Neck=(5, 6), RShoulder=6, RElbow=8, RWrist=10, LShoulder=5, LElbow=7, LWrist=9, MidHip=(11, 12),
    RHip=12, RKnee=14, RAnkle=16, LHip=11, LKnee=13, LAnkle=15, REye=2, LEye=1, REar=4, LEar=3,
)
_HALPE_BODY = dict(
    _COCO_BODY, Neck=18, MidHip=19, LBigToe=20, LSmallToe=22, LHeel=24, RBigToe=21, RSmallToe=23, RHeel=25,
)

COCO_17 = Layout("COCO 17", 17, _body(**_COCO_BODY))
COCO_WHOLEBODY_133 = Layout(
    "COCO-WholeBody 133", 133,
    _body(**_COCO_BODY, LBigToe=17, LSmallToe=18, LHeel=19, RBigToe=20, RSmallToe=21, RHeel=22),
    left_hand=91, right_hand=112,
)
HALPE_26 = Layout("Halpe 26", 26, _body(**_HALPE_BODY))
HALPE_68 = Layout("Halpe 68 (no face)", 68, _body(**_HALPE_BODY), left_hand=26, right_hand=47)
HALPE_136 = Layout("Halpe 136", 136, _body(**_HALPE_BODY), left_hand=94, right_hand=115)
OPENPOSE_COCO_18 = Layout(
    "OpenPose COCO 18 (AlphaPose --format open)", 18,
    _body(Nose=0, Neck=1, RShoulder=2, RElbow=3, RWrist=4, LShoulder=5, LElbow=6, LWrist=7, MidHip=(8, 11),
          RHip=8, RKnee=9, RAnkle=10, LHip=11, LKnee=12, LAnkle=13, REye=14, LEye=15, REar=16, LEar=17),
)
BLAZEPOSE_33 = Layout(
    "MediaPipe BlazePose 33", 33,
    _body(Nose=0, Neck=(11, 12), RShoulder=12, RElbow=14, RWrist=16, LShoulder=11, LElbow=13, LWrist=15,
          MidHip=(23, 24), RHip=24, RKnee=26, RAnkle=28, LHip=23, LKnee=25, LAnkle=27, REye=5, LEye=2, REar=8,
          LEar=7, LBigToe=31, LHeel=29, RBigToe=32, RHeel=30),
)
"""BlazePose has no small toes (written as missing); its foot index stands for the big toe."""

ALPHAPOSE_LAYOUTS = {layout.num_points: layout for layout in (COCO_17, HALPE_26, HALPE_68, COCO_WHOLEBODY_133,
                                                              HALPE_136)}
"""AlphaPose's COCO-style results, told apart by their number of keypoints per person."""


def _pick(points: np.ndarray, source: Source) -> np.ndarray:
    if source is None:
        return np.zeros(3)
    if isinstance(source, int):
        return points[source]
    first, second = points[source[0]], points[source[1]]
    if first[2] <= 0 or second[2] <= 0:
        return np.zeros(3)
    return np.array([*(first[:2] + second[:2]) / 2, min(first[2], second[2])])


def _hand(points: np.ndarray, start: int | None) -> np.ndarray:
    if start is None:
        return np.zeros((NUM_HAND, 3))
    return points[start:start + NUM_HAND].copy()


def to_person(points: np.ndarray, layout: Layout, left_hand: np.ndarray | None = None,
              right_hand: np.ndarray | None = None) -> Person:
    """Convert one person's ``(layout.num_points, 3)`` (x, y, confidence) keypoints to BODY_25 + hands.

    Hands given separately (MediaPipe's) replace the layout's own. A derived joint (a midpoint) is missing unless
    both of its sources are present, with the lower of their confidences. Points with confidence <= 0 become
    (0, 0, 0), the OpenPose encoding of a missing point.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.shape != (layout.num_points, 3):
        raise ValueError(f"{layout.name}: expected ({layout.num_points}, 3) keypoints, got {points.shape}")
    body = np.stack([_pick(points, source) for source in layout.body])
    person = Person(
        body=body,
        left_hand=_hand(points, layout.left_hand) if left_hand is None else np.asarray(left_hand, np.float64),
        right_hand=_hand(points, layout.right_hand) if right_hand is None else np.asarray(right_hand, np.float64),
    )
    for part in (person.body, person.left_hand, person.right_hand):
        part[part[:, 2] <= 0] = 0.0
    return person
