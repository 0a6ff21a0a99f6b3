"""Motion metrics on a fixed-size canvas: in-between joint error, PCK, velocity and acceleration error."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def inbetween_mask(length: int, rate: int) -> np.ndarray:
    """True at output frames that are not keyframes."""
    return np.arange(length) % rate != 0


@dataclass
class MotionMetrics:
    """Running sums of errors (pixels) over many sequences of one method."""

    pck_px: tuple[float, ...] = (5.0, 10.0, 20.0)
    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def _add(self, name: str, values: np.ndarray) -> None:
        self.sums[name] = self.sums.get(name, 0.0) + float(values.sum())
        self.counts[name] = self.counts.get(name, 0) + int(values.size)

    def update(self, pred: np.ndarray, gt: np.ndarray, rate: int) -> None:
        """Add one sequence: (T, 19, 2) predicted and ground-truth positions in canvas pixels."""
        error = np.linalg.norm(pred - gt, axis=-1)
        between = error[inbetween_mask(len(gt), rate)]
        self._add("joint_error_px", between)
        for threshold in self.pck_px:
            self._add(f"pck@{threshold:g}px", (between < threshold).astype(np.float64))
        for order, name in ((1, "velocity_error_px"), (2, "acceleration_error_px")):
            if len(gt) > order:
                self._add(name, np.linalg.norm(np.diff(pred, order, axis=0) - np.diff(gt, order, axis=0), axis=-1))

    def result(self) -> dict[str, float]:
        """Mean of every metric (PCK as a fraction)."""
        return {name: self.sums[name] / max(self.counts[name], 1) for name in self.sums}
