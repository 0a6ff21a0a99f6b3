"""Building blocks shared by the generator and the discriminators (spectral-norm convs, SPADE, residual blocks)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

LEAK = 0.2


def conv(cin: int, cout: int, kernel: int = 3, stride: int = 1, padding: int | None = None,
         spectral: bool = True) -> nn.Conv2d:
    """A conv layer, spectrally normalised unless ``spectral`` is False (the folded inference form)."""
    layer = nn.Conv2d(cin, cout, kernel, stride, kernel // 2 if padding is None else padding)
    return spectral_norm(layer) if spectral else layer


def fold_spectral_norm(module: nn.Module) -> nn.Module:
    """Replace every spectral-norm parametrisation by its current plain weight (in place; eval mode first).

    The result computes exactly what the parametrised module computes in eval mode, without the per-call
    normalisation: use it for inference only.
    """
    module.eval()
    for layer in module.modules():
        if parametrize.is_parametrized(layer, "weight"):
            parametrize.remove_parametrizations(layer, "weight", leave_parametrized=True)
    return module


class ConvBlock(nn.Sequential):
    """Conv (spectral norm) -> optional affine instance norm -> LeakyReLU(0.2)."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1, padding: int | None = None,
                 norm: bool = True, spectral: bool = True):
        layers: list[nn.Module] = [conv(cin, cout, kernel, stride, padding, spectral)]
        if norm:
            layers.append(nn.InstanceNorm2d(cout, affine=True))
        layers.append(nn.LeakyReLU(LEAK))
        super().__init__(*layers)


class SPADE(nn.Module):
    """Parameter-free instance norm modulated per pixel: ``x_hat * (1 + gamma) + beta`` from a 1x1 conv of ``cond``."""

    def __init__(self, channels: int, cond_channels: int):
        super().__init__()
        self.affine = nn.Conv2d(cond_channels, 2 * channels, 1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        if cond.shape[-2:] != x.shape[-2:]:
            cond = F.interpolate(cond, size=x.shape[-2:], mode="nearest")
        gamma, beta = self.affine(cond).chunk(2, dim=1)
        return torch.addcmul(beta, F.instance_norm(x), 1 + gamma)


class SpadeResBlock(nn.Module):
    """Residual block in the order norm-act-conv-norm-act-conv with SPADE norms; learned shortcut if widths differ."""

    def __init__(self, cin: int, cout: int, cond_channels: int, spectral: bool = True):
        super().__init__()
        hidden = min(cin, cout)
        self.norm0 = SPADE(cin, cond_channels)
        self.conv0 = conv(cin, hidden, spectral=spectral)
        self.norm1 = SPADE(hidden, cond_channels)
        self.conv1 = conv(hidden, cout, spectral=spectral)
        self.learned_shortcut = cin != cout
        if self.learned_shortcut:
            self.norm_s = SPADE(cin, cond_channels)
            self.conv_s = conv(cin, cout, kernel=1, spectral=spectral)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        if cond.shape[-2:] != x.shape[-2:]:
            cond = F.interpolate(cond, size=x.shape[-2:], mode="nearest")
        dx = self.conv0(F.leaky_relu(self.norm0(x, cond), LEAK))
        dx = self.conv1(F.leaky_relu(self.norm1(dx, cond), LEAK))
        shortcut = self.conv_s(self.norm_s(x, cond)) if self.learned_shortcut else x
        return shortcut + dx


class ResBlock(nn.Module):
    """Residual block in the order conv-norm-act-conv-norm (affine instance norm); learned 1x1 shortcut if needed."""

    def __init__(self, cin: int, cout: int, spectral: bool = True):
        super().__init__()
        hidden = min(cin, cout)
        self.body = nn.Sequential(
            conv(cin, hidden, spectral=spectral), nn.InstanceNorm2d(hidden, affine=True), nn.LeakyReLU(LEAK),
            conv(hidden, cout, spectral=spectral), nn.InstanceNorm2d(cout, affine=True),
        )
        self.shortcut = conv(cin, cout, kernel=1, spectral=spectral) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.body(x)


def widths(base: int, maximum: int, count: int) -> list[int]:
    """Channel widths ``min(maximum, base * 2**i)`` for ``i < count``."""
    return [min(maximum, base * 2**i) for i in range(count)]
