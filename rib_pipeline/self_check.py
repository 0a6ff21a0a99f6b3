"""The renderer's self-check on the user's own clip (``rib interpolate --self-check``, on by default).

Before a clip's in-betweens are drawn, the pipeline is run on the clip at half its frame rate: some input frames are
dropped and rebuilt from their two neighbours, by the renderer (from the poses the motion stage gives the dropped
frame, as for any in-between) and by the background interpolation alone. The renderer draws the clip only when its
rebuilt frames come closer to the real ones (summed squared error over the whole frames) than the background
interpolation's; when it drew none of them (its keyframe check left them all to the background), the check has seen
nothing of it, and the clip keeps the background interpolation too. It is the clip-level counterpart of the keyframe
check (Pose_Guided_Neural_Rendering/warp_blend/agreement.py), which judges one interval's poses: here the renderer as
a whole is judged on this footage (its look, its person sizes, its detector's poses), so footage it does not suit
gets the background interpolation, never worse frames. The dropped frames' neighbours are twice as far apart as the
clip's own keyframes, so the check is a harder version of the real task, for both methods alike.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Sequence

import numpy as np
from tqdm import tqdm

from rib.atomic import prepare_output_dir, write_text
from rib.errors import RIBError
from rib.frames import read_image, write_image
from rib.person import has_person

if TYPE_CHECKING:
    from HumanSloMo_Dataset.backgrounds.base import Interpolator
    from Pose_Guided_Neural_Rendering.api import ClipRenderer

MAX_SAMPLES = 16
"""Held-out input frames judged at most (spread evenly over the clip), so the check's cost is bounded."""
MIN_SAMPLES = 3
"""With fewer held-out frames than this there is too little to judge, and the renderer draws the clip."""
FOLDER = "Self_check"
"""``<work>/Self_check/<clip>``: the held-out frames as the background interpolation and the renderer rebuilt them,
and the outcome in ``VERDICT``."""
VERDICT = "verdict.json"
PSNR_CAP = 100.0
"""The PSNR (dB) of a perfect rebuild, so that the verdict stays plain JSON."""


@dataclass(frozen=True)
class SelfCheck:
    """The outcome: how many held-out frames were judged, both methods' PSNR over them (dB, pooled) and the
    renderer's mean squared error on each frame."""

    samples: int
    renderer_psnr: float
    background_psnr: float
    renderer_errors: tuple[float, ...] = field(default=(), compare=False)

    @property
    def tied(self) -> bool:
        """Both methods rebuilt the held-out frames alike: the renderer drew none of them (its keyframe check left
        every one to the background interpolation), so the check saw nothing of it."""
        return self.samples >= MIN_SAMPLES and self.renderer_psnr == self.background_psnr

    @property
    def passed(self) -> bool:
        """The renderer draws the clip: too few frames to judge, or it rebuilt them better (a tie shows nothing of
        it, so the clip keeps the background interpolation)."""
        return self.samples < MIN_SAMPLES or self.renderer_psnr > self.background_psnr

    def to_json(self) -> str:
        """The outcome as JSON (scores null when nothing was judged)."""
        scores = {"samples": self.samples, "renderer_psnr": self.renderer_psnr, "background_psnr": self.background_psnr}
        scores = {key: None if math.isnan(value) else value for key, value in scores.items()}
        return json.dumps({**scores, "passed": self.passed}, indent=1)

    def note(self) -> str:
        """One line for the run's summary."""
        if self.samples < MIN_SAMPLES:
            return (f"self-check: {self.samples} input frame(s) to rebuild, too few to judge the renderer on (it "
                    "draws the clip)")
        scores = (f"the renderer rebuilt {self.samples} held-out input frames at {self.renderer_psnr:.2f} dB PSNR, "
                  f"the background interpolation at {self.background_psnr:.2f} dB")
        if self.passed:
            return f"self-check passed: {scores}"
        if self.tied:
            scores = (f"the renderer drew none of the {self.samples} held-out input frames (its keyframe check left "
                      "them to the background interpolation): nothing showed it helps on this clip")
        return (f"self-check failed: {scores}, so every in-between is the background interpolation "
                "(--no-self-check draws the person anyway)")


def held_out_frames(triples: np.ndarray, cuts: Collection[int], max_samples: int = MAX_SAMPLES) -> list[int]:
    """Input frames k whose (N, 3, 19, 3) ``triples`` (the poses of frames k-1, k and k+1 with k dropped:
    :func:`rib_pipeline.stages.half_rate_poses`) all show the person, with no scene cut between k-1 and k+1
    (``cuts``: i for a cut between frames i and i+1); up to ``max_samples`` of them, spread evenly."""
    usable = [k for k in range(1, len(triples) - 1)
              if all(has_person(pose) for pose in triples[k]) and k - 1 not in cuts and k not in cuts]
    return spread_evenly(usable, max_samples)


def spread_evenly(frames: Sequence[int], count: int) -> list[int]:
    """At most ``count`` of ``frames``, spread evenly over them (the first and the last included)."""
    if len(frames) <= count:
        return list(frames)
    picks = np.linspace(0, len(frames) - 1, count).round().astype(int)
    return [frames[i] for i in picks]


def psnr_of(squared_error: float, values: int) -> float:
    """PSNR (dB) of a summed squared error over ``values`` 8-bit values, at most PSNR_CAP (a perfect rebuild)."""
    mse = squared_error / max(values, 1)
    return PSNR_CAP if mse == 0 else min(PSNR_CAP, 10.0 * math.log10(255.0 ** 2 / mse))


def squared_error(image: np.ndarray, truth: np.ndarray) -> float:
    """Summed squared difference of two uint8 images."""
    return float(np.square(image.astype(np.float64) - truth.astype(np.float64)).sum())


def run_self_check(renderer: ClipRenderer, interpolator: Interpolator, files: Sequence[Path], triples: np.ndarray,
                   cuts: Collection[int], folder: Path, crowded: Collection[int] = (),
                   kept_out: Sequence[int] | None = None) -> SelfCheck:
    """Rebuild the :func:`held_out_frames` of the clip (input ``files``; ``triples``: the main person's poses of
    frames k-1, k and k+1 for each dropped frame k), or those of the ``kept_out`` frames (a fine-tune's) that qualify,
    with ``renderer`` (a ``ClipRenderer``) and with ``interpolator`` (the background's), score both against the real
    frames and write both into ``folder``. ``crowded``: intervals where other people are in an input frame (the
    renderer takes no unmoved keyframe pixels around them); the outcome also goes to ``folder/VERDICT``."""
    if kept_out is None:
        frames = held_out_frames(triples, cuts)
    else:
        usable = set(held_out_frames(triples, cuts, max_samples=len(triples)))
        frames = [k for k in kept_out if k in usable]
    out_dir = prepare_output_dir(folder, pattern="*.png")
    check = judge(renderer, interpolator, files, triples, frames, out_dir, crowded)
    write_text(out_dir / VERDICT, check.to_json() + "\n")
    return check


def judge(renderer: ClipRenderer, interpolator: Interpolator, files: Sequence[Path], triples: np.ndarray,
          frames: Sequence[int], out_dir: Path, crowded: Collection[int]) -> SelfCheck:
    """:func:`run_self_check` on the held-out ``frames``."""
    from Pose_Guided_Neural_Rendering.api import ClipPlan

    if len(frames) < MIN_SAMPLES:
        return SelfCheck(len(frames), math.nan, math.nan)
    rendered_error = background_error = 0.0
    values = 0
    frame_errors = []
    for k in tqdm(frames, desc="self-check", unit="frame"):
        previous, truth, following = (read_image(files[i]) for i in (k - 1, k, k + 1))
        background_path = out_dir / f"{files[k].stem}_background.png"
        background = interpolator.interpolate(previous, following, [0.5])[0]
        write_image(background_path, background)
        plan = ClipPlan(name=out_dir.name, keyframes=[files[k - 1], files[k + 1]], poses=triples[k],
                        rate=2, backgrounds=[None, background_path, None], outputs=["", files[k].name, ""],
                        crowded=frozenset({0}) if {k - 1, k} & set(crowded) else frozenset())
        rendered = next((frame for _, frame in renderer.segments(plan, [0], [previous, following])), None)
        if rendered is None:
            raise RIBError(f"{files[k]}: the renderer drew nothing between the neighbouring frames (self-check)")
        write_image(out_dir / f"{files[k].stem}_rendered.png", rendered)
        error = squared_error(rendered, truth)
        rendered_error += error
        frame_errors.append(error / truth.size)
        background_error += squared_error(background, truth)
        values += truth.size
    return SelfCheck(len(frames), psnr_of(rendered_error, values), psnr_of(background_error, values),
                     tuple(frame_errors))
