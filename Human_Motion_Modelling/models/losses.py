"""The reference's training loss with every output supervised: w_2d * (w_condition * L_reco + L_2d)."""
from __future__ import annotations

import torch


def masked_l1(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over the (B, N) positions where ``mask`` is true (0 if there are none)."""
    weights = mask[..., None, None].to(prediction.dtype)
    count = weights.sum() * prediction.shape[-2] * prediction.shape[-1]
    return ((prediction - target).abs() * weights).sum() / count.clamp(min=1.0)


def motion_loss(outputs: dict[str, torch.Tensor], batch: dict[str, torch.Tensor], w_2d: float,
                w_condition: float) -> dict[str, torch.Tensor]:
    """Keyframe denoising loss on available keyframes and the loss on every real frame (keyframes included)."""
    target = batch["target"]
    index = batch["kf_time"].long().clamp(max=target.shape[1] - 1)
    keyframe_target = torch.gather(target, 1, index[..., None, None].expand(-1, -1, *target.shape[2:]))
    reco = masked_l1(outputs["reco"], keyframe_target, batch["kf_valid"])
    frames = masked_l1(outputs["pred"], target, batch["frame_valid"])
    return {"denoise": reco, "2d": frames, "total": w_2d * (w_condition * reco + frames)}
