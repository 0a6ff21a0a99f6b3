"""``rib finetune``'s last step: keep the fine-tuned weights only where they beat the starting ones on the frames it
kept out of training.

Both sets of weights rebuild the kept-out input frames from their neighbours, the way ``rib interpolate``'s self-check
does (:func:`rib_pipeline.self_check.judge`). When the fine-tuned ones come out worse, the run's ``model.pt`` gets the
starting weights back (its config, with the frames kept out, stays), so a fine-tune never hands ``rib interpolate``
weights that did worse than those it started from on frames it never saw.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
import torch

from rib.atomic import prepare_output_dir
from rib.checkpoint import save_checkpoint

if TYPE_CHECKING:
    from HumanSloMo_Dataset.backgrounds.base import Interpolator

FOLDER = "Weights_choice"
"""``<work>/Weights_choice/<clip>/{fine-tuned,starting}``: the kept-out frames as each set of weights rebuilt them."""


def keep_better_weights(model_dir: Path, start: Path, files: Sequence[Path], triples: np.ndarray,
                        kept_out: Sequence[int], interpolator: Interpolator, folder: Path,
                        device: torch.device) -> str:
    """Judge the weights in ``model_dir`` and the ``start`` weights on the ``kept_out`` input frames (``triples``:
    the poses of frames k-1, k and k+1 with k dropped, by :func:`rib_pipeline.stages.half_rate_poses`), writing the
    rebuilt frames into ``folder``; give ``model_dir`` the start weights when the fine-tuned ones did worse. Returns
    a line for the summary."""
    from Pose_Guided_Neural_Rendering.api import load_renderer, read_renderer
    from rib_pipeline.self_check import judge

    scores = {}
    for name, weights in (("fine-tuned", model_dir), ("starting", start)):
        renderer = load_renderer(weights, device, "auto")
        out_dir = prepare_output_dir(folder / name, pattern="*.png")
        scores[name] = judge(renderer, interpolator, files, triples, kept_out, out_dir, ()).renderer_psnr
    tuned, started = scores["fine-tuned"], scores["starting"]
    said = (f"the {len(kept_out)} input frames kept out of training rebuilt at {tuned:.2f} dB PSNR by the fine-tuned "
            f"weights, {started:.2f} dB by the starting ones ({start})")
    if tuned >= started:
        return f"weights: fine-tuned ({said})"
    path, state, _ = read_renderer(model_dir)
    state["model"] = read_renderer(start)[1]["model"]
    save_checkpoint(path, state)
    return f"weights: the starting ones, written into {path} ({said})"
