"""The reference's training loss with every output supervised: w_2d * (w_condition * L_reco + L_2d).

:data:`LOSSES` holds every term by name and :func:`loss_weights` its weight inside ``w_2d * (...)``. To add a term,
add ``name: lambda outputs, batch: ...`` (a scalar tensor) to :data:`LOSSES` and its weight to :func:`loss_weights`
(from a new ``train.w_<name>`` key of ``config.TrainSection``, passed on by ``train.py``).
"""
from __future__ import annotations

from typing import Callable

import torch

Tensors = dict[str, torch.Tensor]
LossTerm = Callable[[Tensors, Tensors], torch.Tensor]
"""One loss term: (model outputs, batch) -> scalar tensor."""


def masked_l1(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over the (B, N) positions where ``mask`` is true (0 if there are none)."""
    weights = mask[..., None, None].to(prediction.dtype)
    count = weights.sum() * prediction.shape[-2] * prediction.shape[-1]
    return ((prediction - target).abs() * weights).sum() / count.clamp(min=1.0)


def denoise_loss(outputs: Tensors, batch: Tensors) -> torch.Tensor:
    """L1 of the denoised keyframes against the clean targets at the keyframe times, on available keyframes."""
    target = batch["target"]
    index = batch["kf_time"].long().clamp(max=target.shape[1] - 1)
    keyframe_target = torch.gather(target, 1, index[..., None, None].expand(-1, -1, *target.shape[2:]))
    return masked_l1(outputs["reco"], keyframe_target, batch["kf_valid"])


def frame_loss(outputs: Tensors, batch: Tensors) -> torch.Tensor:
    """L1 of every output frame (keyframes included) on the real frames of the window."""
    return masked_l1(outputs["pred"], batch["target"], batch["frame_valid"])


LOSSES: dict[str, LossTerm] = {"denoise": denoise_loss, "2d": frame_loss}
"""Every loss term by name (also the keys of :func:`motion_loss`'s result)."""


def loss_weights(w_condition: float) -> dict[str, float]:
    """The weight of each term of :data:`LOSSES` inside ``w_2d * (...)``: the reference's ``w_condition`` on the
    keyframes, 1 on every frame."""
    return {"denoise": w_condition, "2d": 1.0}


def motion_loss(outputs: Tensors, batch: Tensors, w_2d: float, w_condition: float) -> Tensors:
    """Every term of :data:`LOSSES` and their weighted ``total``: ``w_2d * sum(weight * term)``."""
    weights = loss_weights(w_condition)
    terms = {name: term(outputs, batch) for name, term in LOSSES.items()}
    return {**terms, "total": w_2d * sum(weights[name] * value for name, value in terms.items())}
