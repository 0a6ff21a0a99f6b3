"""A background interpolator wrapper that reports progress and never interpolates across a scene cut."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from HumanSloMo_Dataset.backgrounds.base import Interpolator


class CutAwareInterpolator(Interpolator):
    """Delegates to ``inner``, counting the pairs it is given in order (pair i is input frames i and i+1).

    For a pair listed in ``cuts`` it returns copies of the nearer frame instead (``t <= 0.5``: the first).
    ``on_pair`` is called after every pair (a progress bar's ``update``).
    """

    def __init__(self, inner: Interpolator, cuts: set[int], on_pair: Callable[[], object]):
        self.inner, self.cuts, self.on_pair = inner, cuts, on_pair
        self.name, self.min_side, self.max_side = inner.name, inner.min_side, inner.max_side
        self.pairs = 0

    def interpolate(self, frame0: np.ndarray, frame1: np.ndarray, times: Sequence[float]) -> list[np.ndarray]:
        if self.pairs in self.cuts:
            frames = [(frame0 if t <= 0.5 else frame1).copy() for t in times]
        else:
            frames = self.inner.interpolate(frame0, frame1, times)
        self.pairs += 1
        self.on_pair()
        return frames
