"""What every background interpolator shares: the interface and flow-based warping and fusion."""
from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from rib.errors import RIBError

MAX_SIDE = 1024
"""Default motion-estimation size limit: frames are downscaled to at most this many pixels a side (dis, rife)."""
MIN_FLOW_SIDE = 16
"""Smallest frame side, in pixels, that motion is estimated on (OpenCV's DIS fails below 8 to 12)."""


class Interpolator(ABC):
    """Makes in-between frames of two RGB uint8 frames of equal size at fractions ``t`` in (0, 1)."""

    name: str = "interpolator"
    min_side: int = 1
    """Smallest frame side this method works on, after shrinking to :attr:`max_side`."""
    max_side: int | None = None
    """Longer side motion is estimated at (``None``: the method estimates no motion)."""

    def check_frame(self, path: Path, width: int, height: int) -> None:
        """Raise :class:`RIBError` naming ``path`` if frames of ``width`` x ``height`` are too small for it."""
        shrunk = working_size(width, height, self.max_side) if self.max_side else (width, height)
        if min(shrunk) < self.min_side:
            raise RIBError(f"{path}: frame is {width}x{height} ({shrunk[0]}x{shrunk[1]} at --max-side "
                           f"{self.max_side}); the {self.name} backend needs {self.min_side} pixels a side "
                           "(a larger --max-side, larger frames, or --backend blend)")

    @abstractmethod
    def interpolate(self, frame0: np.ndarray, frame1: np.ndarray, times: Sequence[float]) -> list[np.ndarray]:
        """One RGB uint8 frame per ``t`` of ``times`` (motion is estimated once per pair)."""


def working_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(width, height) shrunk so that the longer side is at most ``max_side`` (unchanged if already smaller)."""
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def resize_flow(flow: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize an (H, W, 2) flow field to ``width`` x ``height``, scaling its vectors with the image."""
    if flow.shape[1] == width and flow.shape[0] == height:
        return flow
    resized = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)
    resized[..., 0] *= width / flow.shape[1]
    resized[..., 1] *= height / flow.shape[0]
    return resized


def backward_warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Sample ``image`` at ``x + flow(x)`` (bilinear, edges replicated)."""
    height, width = flow.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return cv2.remap(image, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def fuse(frame0: np.ndarray, frame1: np.ndarray, flow_t0: np.ndarray, flow_t1: np.ndarray,
         weight0: np.ndarray, residual: np.ndarray | None = None) -> np.ndarray:
    """``weight0 * warp(frame0, flow_t0) + (1 - weight0) * warp(frame1, flow_t1)`` as RGB uint8, plus an
    (H, W, 3) ``residual`` in [-1, 1] units of full scale when given (a refinement net's correction)."""
    warped0 = backward_warp(frame0.astype(np.float32), flow_t0)
    warped1 = backward_warp(frame1.astype(np.float32), flow_t1)
    weight0 = weight0[..., None]
    fused = weight0 * warped0 + (1.0 - weight0) * warped1
    if residual is not None:
        fused += 255.0 * residual
    return np.clip(fused + 0.5, 0, 255).astype(np.uint8)
