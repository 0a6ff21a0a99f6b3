"""``rib finetune``'s last step: keep the fine-tuned weights only where they beat the starting ones on the frames it
kept out of training.

Both sets of weights rebuild the kept-out input frames from their neighbours, the way ``rib interpolate``'s self-check
does (:func:`rib_pipeline.self_check.judge`). The fine-tuned ones stay only when they save a sure amount of error
there (:func:`sure_saving`); otherwise the run's ``model.pt`` gets the starting weights back, and its config drops the
record of the frames kept out: weights that never saw the clip are judged by ``rib interpolate``'s self-check as the
starting weights are, on up to 16 of the clip's frames, not on the few kept out (on bikes' 3 the starting weights
passed by 0.01 dB, where the full check fails them, and drew the cyclist 0.26 dB below DIS). So a fine-tune never hands
``rib interpolate`` weights that did no better than those it started from on frames it never saw, nor judges the
starting weights more leniently than ``rib interpolate`` alone does. A pooled win alone was not enough: on vtest the
fine-tuned weights rebuilt 10 kept-out frames 0.01 dB better than the starting ones and drew the in-betweens 0.41 dB
worse on the person.
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

SURE_SAVING = 1.5
"""The fine-tuned weights stay when their mean saving in squared error per kept-out frame is at least this many
standard errors of that mean (the rule the self-check was tried with on 2026-12-05, chosen before any run)."""
FOLDER = "Weights_choice"
"""``<work>/Weights_choice/<clip>/{fine-tuned,starting}``: the kept-out frames as each set of weights rebuilt them."""


def keep_better_weights(model_dir: Path, start: Path, files: Sequence[Path], triples: np.ndarray,
                        kept_out: Sequence[int], interpolator: Interpolator, folder: Path,
                        device: torch.device) -> str:
    """Judge the weights in ``model_dir`` and the ``start`` weights on the ``kept_out`` input frames (``triples``:
    the poses of frames k-1, k and k+1 with k dropped, by :func:`rib_pipeline.stages.half_rate_poses`), writing the
    rebuilt frames into ``folder``; give ``model_dir`` the start weights (and no kept-out frames) unless the fine-tuned
    ones save a sure amount of error (:func:`sure_saving`). Returns a line for the summary."""
    from Pose_Guided_Neural_Rendering.api import load_renderer, read_renderer
    from rib_pipeline.self_check import judge

    scores = {}
    for name, weights in (("fine-tuned", model_dir), ("starting", start)):
        renderer = load_renderer(weights, device, "auto")
        out_dir = prepare_output_dir(folder / name, pattern="*.png")
        scores[name] = judge(renderer, interpolator, files, triples, kept_out, out_dir, ())
    tuned, started = scores["fine-tuned"], scores["starting"]
    said = (f"the {len(kept_out)} input frames kept out of training rebuilt at {tuned.renderer_psnr:.2f} dB PSNR by "
            f"the fine-tuned weights, {started.renderer_psnr:.2f} dB by the starting ones ({start})")
    if sure_saving(tuned.renderer_errors, started.renderer_errors):
        return f"weights: fine-tuned ({said})"
    if tuned.renderer_psnr > started.renderer_psnr:
        said += f"; a saving under {SURE_SAVING} standard errors is not a sure one"
    path, state, _ = read_renderer(model_dir)
    state["model"] = read_renderer(start)[1]["model"]
    for data_set in state["config"]["data"]["sets"]:
        data_set.pop("held_out", None)
    save_checkpoint(path, state)
    return (f"weights: the starting ones, written into {path} ({said}); rib interpolate's self-check will judge them "
            "on the clip's own held-out frames, as it judges the starting weights")


def sure_saving(tuned: Sequence[float], started: Sequence[float]) -> bool:
    """Whether the per-frame errors ``tuned`` are lower than ``started`` (the same frames) by a mean saving of at
    least :data:`SURE_SAVING` standard errors of that mean (no frames: no)."""
    savings = np.asarray(started, dtype=np.float64) - np.asarray(tuned, dtype=np.float64)
    if len(savings) == 0 or savings.mean() <= 0:
        return False
    spread = savings.std(ddof=1) / np.sqrt(len(savings)) if len(savings) > 1 else 0.0
    return bool(savings.mean() >= SURE_SAVING * spread)
