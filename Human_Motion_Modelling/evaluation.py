"""The evaluation protocol: held-out sequences, fixed seeded views and keyframe noise, in-between metrics.

Each test sequence (its centred 321-frame window, or the whole sequence cut to a multiple of the keyframe
step) is projected from a view of a fixed table drawn from ``view_seed``, keyframes every ``rate`` frames are
corrupted with noise seeded by ``(noise_seed, index)``, and the model and the linear and cubic-spline baselines
upsample them. Errors are measured on in-between frames only, in pixels of a 512-px canvas.
"""
from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass

import numpy as np
import torch

from Human_Motion_Modelling.data.dataset import ClipSpec, keyframe_times, project_clip
from Human_Motion_Modelling.data.keyframes import Augmentation, augment_keyframes
from Human_Motion_Modelling.data.representation import Normaliser
from Human_Motion_Modelling.data.sequences import load_sequences
from Human_Motion_Modelling.metrics import MotionMetrics
from Human_Motion_Modelling.models.transformer import MotionTransformer
from Human_Motion_Modelling.upsample import cubic_upsample, linear_upsample, model_upsample
from rib.errors import RIBError

METHODS = ("model", "linear", "cubic")
log = logging.getLogger("motion.evaluate")


def view_table(seed: int, count: int, rotation_axes) -> np.ndarray:
    """(count, 3) fixed view angles U(-a, a) * pi, the same distribution as training."""
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (count, 3)) * np.asarray(rotation_axes) * np.pi


@dataclass
class Case:
    """One test sequence as seen by the protocol."""

    name: str
    gt: np.ndarray          # (T, 19, 3) clean 2D poses, projection units
    keyframes: np.ndarray   # (N, 19, 3) corrupted keyframes


@dataclass
class Protocol:
    """Everything fixed about an evaluation run."""

    sequences: dict[str, np.ndarray]
    spec: ClipSpec
    rate: int
    views: np.ndarray
    noise_seed: int
    augmentation: Augmentation | None
    px_per_unit: float
    pck_px: tuple[float, ...]
    max_sequences: int = 0

    @classmethod
    def from_config(cls, config: dict, rate: int | None = None) -> "Protocol":
        """The protocol of a full config at keyframe step ``rate`` (default: ``evaluate.rate``; at least 2)."""
        data, evaluate = config["data"], config["evaluate"]
        rate = evaluate["rate"] if rate is None else rate
        if isinstance(rate, bool) or not isinstance(rate, int) or rate < 2:
            raise RIBError(f"rate {rate!r}: the keyframe step must be an integer of at least 2 (there is nothing in "
                           "between otherwise)")
        spec = ClipSpec.from_config(data)
        return cls(sequences=load_sequences(data["h5_file"], data["test_split"], float(data["fps"])), spec=spec,
                   rate=rate,
                   views=view_table(int(evaluate["view_seed"]), int(evaluate["num_views"]), spec.rotation_axes),
                   noise_seed=int(evaluate["noise_seed"]),
                   augmentation=Augmentation.from_config(evaluate["augment"]) if evaluate["noise"] else None,
                   px_per_unit=float(evaluate["canvas_px_per_unit"]),
                   pck_px=tuple(float(p) for p in evaluate["pck_px"]),
                   max_sequences=int(evaluate["max_sequences"]))

    def cases(self) -> tuple[list[Case], list[str]]:
        """The evaluated cases and the names of sequences too short for two keyframes."""
        cases, skipped = [], []
        names = sorted(self.sequences)
        if self.max_sequences:
            names = names[:self.max_sequences]
        for index, name in enumerate(names):
            joints = self.sequences[name]
            length = self.spec.max_seq_length
            start = max(0, (len(joints) - length) // 2)
            available = min(len(joints), length)
            num_frames = (available - 1) // self.rate * self.rate + 1
            if num_frames < self.rate + 1:
                skipped.append(name)
                continue
            gt = project_clip(joints[start:start + num_frames], self.views[index % len(self.views)],
                              self.spec.focal, self.spec.depth)
            keyframes = gt[keyframe_times(num_frames, self.rate)]
            if self.augmentation is not None:
                keyframes = augment_keyframes(keyframes, np.random.default_rng([self.noise_seed, index]),
                                              self.augmentation)
            cases.append(Case(name, gt, keyframes))
        return cases, skipped

    @torch.no_grad()
    def run(self, model: MotionTransformer, normaliser: Normaliser) -> dict[str, dict[str, float]]:
        """``{method: {metric: value}}`` for the model and both baselines."""
        model.eval()
        cases, skipped = self.cases()
        if skipped:
            log.warning("skipped %d test sequence(s) shorter than two keyframes at rate %d", len(skipped), self.rate)
        metrics = {method: MotionMetrics(self.pck_px) for method in METHODS}
        for case in cases:
            outputs = {"model": model_upsample(model, normaliser, case.keyframes, self.rate),
                       "linear": linear_upsample(case.keyframes, self.rate),
                       "cubic": cubic_upsample(case.keyframes, self.rate)}
            for method, output in outputs.items():
                metrics[method].update(output[..., :2] * self.px_per_unit, case.gt[..., :2] * self.px_per_unit,
                                       self.rate)
        table = {method: m.result() for method, m in metrics.items()}
        for row in table.values():
            row["sequences"] = float(len(cases))
        return table


def format_table(table: dict[str, dict[str, float]]) -> str:
    """A plain-text table, one row per method."""
    columns = list(next(iter(table.values())))
    lines = [f"{'method':<8}" + "".join(f"{c:>24}" for c in columns)]
    for method, row in table.items():
        lines.append(f"{method:<8}" + "".join(f"{row[c]:>24.4f}" for c in columns))
    return "\n".join(lines)


def table_csv(table: dict[str, dict[str, float]]) -> str:
    """The table as CSV text."""
    columns = list(next(iter(table.values())))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["method", *columns])
    for method, row in table.items():
        writer.writerow([method, *(f"{row[c]:.6f}" for c in columns)])
    return buffer.getvalue()


def log_metrics(writer, table: dict[str, dict[str, float]], step: int) -> None:
    """Write every metric as a TensorBoard scalar ``eval/<method>/<metric>``."""
    for method, row in table.items():
        for name, value in row.items():
            writer.add_scalar(f"eval/{method}/{name}", value, step)
