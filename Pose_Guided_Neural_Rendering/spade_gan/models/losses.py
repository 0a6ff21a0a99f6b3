"""Training losses of the renderer (reference section 4.6): hinge GAN, feature matching, L1, masked L1,
VGG19 perceptual and the blending-mask regulariser, with the weights of the reference's HSM.yaml."""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from Pose_Guided_Neural_Rendering.spade_gan.config import parse_config
from Pose_Guided_Neural_Rendering.spade_gan.models import vgg
from Pose_Guided_Neural_Rendering.spade_gan.models.discriminators import ScaleOutputs
from rib.errors import RIBError
from rib.schema import to_dict

DOutputs = dict[str, tuple[ScaleOutputs, torch.Tensor | None]]


def weighted_mean(values: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Mean of ``values`` over all elements; with ``weight`` (N,), each sample counts by its weight."""
    if weight is None:
        return values.float().mean()
    per_sample = values.float().flatten(1).mean(dim=1)
    return (per_sample * weight).sum() / weight.sum().clamp(min=1)


def hinge_d(real: torch.Tensor, fake: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Discriminator hinge loss ``mean relu(1 - D(real)) + mean relu(1 + D(fake))``."""
    return weighted_mean(F.relu(1 - real.float()), weight) + weighted_mean(F.relu(1 + fake.float()), weight)


def hinge_g(fake: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Generator hinge loss ``-mean D(fake)``."""
    return -weighted_mean(fake, weight)


def feature_matching(real: Sequence[torch.Tensor], fake: Sequence[torch.Tensor],
                     weight: torch.Tensor | None = None) -> torch.Tensor:
    """Sum over layers of the L1 distance between fake and (detached) real discriminator features."""
    return sum(weighted_mean((f.float() - r.detach().float()).abs(), weight) for r, f in zip(real, fake))


def masked_l1(generated: torch.Tensor, real: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``(9 * L1 over mask pixels + L1 over the frame) / 10`` (the reference's ML1); ``mask`` is (B, 1, H, W)."""
    mask = mask.expand_as(generated)
    inside = ((generated - real) * mask).abs().sum() / mask.sum().clamp(min=1)
    return (9 * inside + (generated - real).abs().mean()) / 10


def mask_regularisation(alpha: torch.Tensor) -> torch.Tensor:
    """Total variation plus L1 of the mask, ``3 (|dx a| + |dy a| + |a|) / (4 H W)`` averaged over the batch.

    The factor 3 keeps the reference's scale (it summed over a 3-channel copy of the mask); unlike the reference,
    the value does not grow with the batch size.
    """
    batch, _, height, width = alpha.shape
    alpha = alpha.float()
    total = ((alpha[..., :, 1:] - alpha[..., :, :-1]).abs().sum() + (alpha[..., 1:, :] - alpha[..., :-1, :]).abs().sum()
             + alpha.abs().sum())
    return 3 * total / (4 * height * width * batch)


class PerceptualLoss(nn.Module):
    """Weighted sum over VGG19 layers of the L1 distance between features of ``x`` and of the target ``y``."""

    def __init__(self, features: vgg.VGGFeatures, layer_weights: Sequence[float]):
        super().__init__()
        if len(layer_weights) != len(features.indices):
            raise RIBError("config: loss.perceptual.layer_weights needs one weight per layer")
        self.features = features
        self.layer_weights = list(layer_weights)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            targets = self.features(y)
        return sum(w * F.l1_loss(fx.float(), fy.float())
                   for w, fx, fy in zip(self.layer_weights, self.features(x), targets))


class RenderLosses(nn.Module):
    """The generator and discriminator objectives of one rollout step."""

    def __init__(self, gan_weights: dict[str, float], fm_weight: float, l1_weight: float, perceptual_weight: float,
                 mask_weight: float, perceptual: PerceptualLoss | None):
        super().__init__()
        if perceptual_weight and perceptual is None:
            raise RIBError("config: loss.perceptual.weight > 0 needs the VGG19 features")
        self.gan_weights = dict(gan_weights)
        self.fm_weight = fm_weight
        self.l1_weight = l1_weight
        self.perceptual_weight = perceptual_weight
        self.mask_weight = mask_weight
        self.perceptual = perceptual

    def discriminator_keys(self, available: Sequence[str]) -> tuple[str, ...]:
        """Discriminator pairs the D update trains on (GAN weight > 0)."""
        return tuple(k for k in available if self.gan_weights.get(k, 0.0) > 0)

    def generator_keys(self, available: Sequence[str]) -> tuple[str, ...]:
        """Pairs the G update needs: GAN weight > 0, or any pair at all when feature matching is on."""
        return tuple(k for k in available if self.gan_weights.get(k, 0.0) > 0 or self.fm_weight > 0)

    def discriminator(self, outputs: DOutputs) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """``sum_k w_k * hinge_d`` averaged over scales; returns the total and each pair's unweighted term."""
        logs = {}
        for key, (scales, weight) in outputs.items():
            terms = [hinge_d(*logits.chunk(2), weight) for logits, _ in scales]
            logs[key] = sum(terms) / len(terms)
        total = sum(self.gan_weights[key] * value for key, value in logs.items())
        logs["total"] = total
        return total, logs

    def generator(self, outputs: DOutputs, real: torch.Tensor, generated: torch.Tensor, fused: torch.Tensor,
                  alpha: torch.Tensor, person_mask: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The full generator objective; returns the total and its parts (names as the reference logs them)."""
        gan = real.new_zeros((), dtype=torch.float32)
        fm = real.new_zeros((), dtype=torch.float32)
        for key, (scales, weight) in outputs.items():
            for logits, features in scales:
                gan = gan + self.gan_weights.get(key, 0.0) * hinge_g(logits.chunk(2)[1], weight) / len(scales)
                half = [f.chunk(2) for f in features]
                fm = fm + feature_matching([r for r, _ in half], [f for _, f in half], weight) / len(scales)
        l1 = F.l1_loss(fused.float(), real.float()) + masked_l1(generated.float(), real.float(), person_mask.float())
        logs = {"loss_GAN_G": gan, "loss_FM": fm, "loss_L1": l1, "mask": mask_regularisation(alpha)}
        total = gan + self.fm_weight * fm + self.l1_weight * l1 + self.mask_weight * logs["mask"]
        if self.perceptual is not None and self.perceptual_weight:
            fg = person_mask.to(generated.dtype)
            # VGG(fused, real) + VGG(gen * fg, real * fg), batched: twice the loss of the concatenation.
            logs["loss_feature"] = 2 * self.perceptual(torch.cat([fused, generated * fg]), torch.cat([real, real * fg]))
            total = total + self.perceptual_weight * logs["loss_feature"]
        logs["total"] = total
        return total, logs


def build(config: dict) -> RenderLosses:
    """Losses from the ``loss`` section of a config; loads VGG19 only if it is used."""
    section = parse_config(config).loss
    settings = section.perceptual
    features = vgg.build(settings.weight, settings.layers, settings.weights_path)
    perceptual = None if features is None else PerceptualLoss(features, settings.layer_weights)
    return RenderLosses(
        gan_weights=to_dict(section.gan), fm_weight=section.fm_w, l1_weight=section.l1_w,
        perceptual_weight=settings.weight if perceptual else 0.0, mask_weight=section.mask_w, perceptual=perceptual)
