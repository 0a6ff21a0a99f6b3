"""The baseline: a plain cross-fade ``(1 - t) * frame0 + t * frame1`` (no motion)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from HumanSloMo_Dataset.backgrounds.base import Interpolator


class BlendInterpolator(Interpolator):
    """Cross-fades the two frames; what every motion-based interpolator must beat."""

    name = "blend"

    def interpolate(self, frame0: np.ndarray, frame1: np.ndarray, times: Sequence[float]) -> list[np.ndarray]:
        a, b = frame0.astype(np.float32), frame1.astype(np.float32)
        return [np.clip((1.0 - t) * a + t * b + 0.5, 0, 255).astype(np.uint8) for t in times]
