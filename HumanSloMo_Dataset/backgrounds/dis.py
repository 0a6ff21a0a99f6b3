"""DIS optical flow interpolation: flow both ways, backward warping to time t, occlusion-aware blending.

Flows F01 and F10 come from OpenCV's DIS on grey frames shrunk to ``max_side``. The flows from time t are the
linear-motion estimates of Super SloMo (Jiang et al. 2018): F_t0 = -(1-t) t F01 + t^2 F10 and
F_t1 = (1-t)^2 F01 - t (1-t) F10. A pixel of frame 0 whose forward-backward flows disagree has no match in frame 1
(it is being covered or uncovered), so where the time-t pixel comes from such a pixel only frame 0 is used, and
the other way round; elsewhere the frames are mixed by temporal distance.
"""
from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from HumanSloMo_Dataset.backgrounds.base import (MAX_SIDE, MIN_FLOW_SIDE, Interpolator, backward_warp, fuse,
                                                 resize_flow, working_size)

EPS = 1e-3


def consistency(flow_ab: np.ndarray, flow_ba: np.ndarray) -> np.ndarray:
    """Soft forward-backward agreement in [0, 1] per pixel of frame a (1: F_ab(x) + F_ba(x + F_ab(x)) = 0).

    The tolerance grows with the flow magnitude, as in the usual occlusion test of Sundaram et al. (2010).
    """
    returned = backward_warp(flow_ba, flow_ab)
    error = np.sum((flow_ab + returned) ** 2, axis=-1)
    tolerance = 0.01 * (np.sum(flow_ab ** 2, axis=-1) + np.sum(returned ** 2, axis=-1)) + 0.5
    return np.exp(-error / tolerance).astype(np.float32)


class DISInterpolator(Interpolator):
    """Classical, weight-free frame interpolation with OpenCV's DIS optical flow."""

    name = "dis"
    min_side = MIN_FLOW_SIDE

    def __init__(self, max_side: int = MAX_SIDE, preset: int = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM):
        self.max_side = max_side
        self.flow = cv2.DISOpticalFlow_create(preset)

    def _flows(self, frame0: np.ndarray, frame1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        height, width = frame0.shape[:2]
        size = working_size(width, height, self.max_side)
        grey0, grey1 = (cv2.cvtColor(cv2.resize(f, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
                        for f in (frame0, frame1))
        flow01 = self.flow.calc(grey0, grey1, None)
        flow10 = self.flow.calc(grey1, grey0, None)
        return resize_flow(flow01, width, height), resize_flow(flow10, width, height)

    def interpolate(self, frame0: np.ndarray, frame1: np.ndarray, times: Sequence[float]) -> list[np.ndarray]:
        flow01, flow10 = self._flows(frame0, frame1)
        matched0, matched1 = consistency(flow01, flow10), consistency(flow10, flow01)
        frames = []
        for t in times:
            flow_t0 = -(1 - t) * t * flow01 + t * t * flow10
            flow_t1 = (1 - t) ** 2 * flow01 - t * (1 - t) * flow10
            seen_in_1 = backward_warp(matched0, flow_t0)
            seen_in_0 = backward_warp(matched1, flow_t1)
            weight0 = (1 - t) * seen_in_0 + EPS * (1 - t)
            weight1 = t * seen_in_1 + EPS * t
            frames.append(fuse(frame0, frame1, flow_t0, flow_t1, weight0 / (weight0 + weight1)))
        return frames
