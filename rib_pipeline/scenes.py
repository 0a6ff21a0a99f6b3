"""Scene cuts: a large change between consecutive input frames, which must not be interpolated across.

A pair is a cut when both tests agree: the mean absolute difference of the frames shrunk to 64 pixels a side
(grey levels, 0-255) is above ``mad_threshold`` *and* the colour histograms differ (Hellinger distance of
8x8x8-bin histograms above ``histogram_threshold``). Motion alone moves pixels but keeps the histogram; a cut
changes both. Defaults are set so that fast motion in real footage (bikes, carphone) is not a cut.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SMALL_SIDE = 64
MAD_THRESHOLD = 30.0
HISTOGRAM_THRESHOLD = 0.35


@dataclass(frozen=True)
class PairChange:
    """How much input frame ``index + 1`` differs from frame ``index``."""

    index: int
    mean_abs_difference: float
    histogram_distance: float


def _small(frame: np.ndarray) -> np.ndarray:
    return cv2.resize(frame, (SMALL_SIDE, SMALL_SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)


def _histogram(frame: np.ndarray) -> np.ndarray:
    histogram = cv2.calcHist([np.ascontiguousarray(frame)], [0, 1, 2], None, [8, 8, 8], [0, 256] * 3)
    return histogram / max(float(histogram.sum()), 1.0)


def pair_change(index: int, before: np.ndarray, after: np.ndarray) -> PairChange:
    """The change between two RGB uint8 frames of one size."""
    mad = float(np.abs(_small(before) - _small(after)).mean())
    distance = cv2.compareHist(_histogram(before), _histogram(after), cv2.HISTCMP_HELLINGER)
    return PairChange(index, mad, float(distance))


def is_cut(change: PairChange, mad_threshold: float = MAD_THRESHOLD,
           histogram_threshold: float = HISTOGRAM_THRESHOLD) -> bool:
    """Whether a pair is a scene cut (both tests above their thresholds)."""
    return change.mean_abs_difference > mad_threshold and change.histogram_distance > histogram_threshold


class CutDetector:
    """Fed the input frames one by one; :attr:`cuts` lists ``i`` for every cut between frames i and i+1."""

    def __init__(self, mad_threshold: float = MAD_THRESHOLD):
        self.mad_threshold = mad_threshold
        self.cuts: list[int] = []
        self._previous: np.ndarray | None = None
        self._count = 0

    def add(self, frame: np.ndarray) -> None:
        """Compare ``frame`` with the previous one."""
        if self._previous is not None and is_cut(pair_change(self._count - 1, self._previous, frame),
                                                 self.mad_threshold):
            self.cuts.append(self._count - 1)
        self._previous = frame
        self._count += 1
