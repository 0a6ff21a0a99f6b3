"""The warp-blend renderer: a small U-Net that decides, pixel by pixel, where the new frame comes from.

Candidates, all at the target time: the interpolated background, and the two neighbouring keyframes moved to the
target pose by the pose-guided warp (warp_blend/warping.py). The network sees them, their
differences, the target body's proximity map and the time ``t``, and predicts blend weights (a softmax over the
three). The frame is their weighted sum, computed at the input resolution; ``alpha = 1 - weight of the background``
is the person mask. Doing nothing (all weight on the background) is the background interpolation itself.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

CANDIDATES = ("background", "warp_previous", "warp_next")
"""Order of the blend weights."""
IN_CHANNELS = 3 * 3 + 3 + 2
"""Three RGB candidates, three difference maps, body proximity and time."""


def features(background: torch.Tensor, warp_previous: torch.Tensor, warp_next: torch.Tensor,
             proximity: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Network input (B, IN_CHANNELS, H, W) from the candidates in [-1, 1], proximity (B, 1, H, W) and t (B,)."""
    def difference(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (a - b).abs().mean(1, keepdim=True)

    time = t.view(-1, 1, 1, 1).expand_as(proximity)
    return torch.cat([background, warp_previous, warp_next, difference(warp_previous, background),
                      difference(warp_next, background), difference(warp_previous, warp_next), proximity, time], 1)


class ConvUnit(nn.Sequential):
    """Two 3x3 convolutions with group norm and leaky ReLU."""

    def __init__(self, cin: int, cout: int):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1), nn.GroupNorm(min(8, cout), cout),
                         nn.LeakyReLU(0.2, inplace=True), nn.Conv2d(cout, cout, 3, padding=1),
                         nn.GroupNorm(min(8, cout), cout), nn.LeakyReLU(0.2, inplace=True))


class WarpBlender(nn.Module):
    """U-Net from :func:`features` to blend logits over :data:`CANDIDATES`."""

    def __init__(self, widths: tuple[int, ...] = (24, 48, 96, 128)):
        super().__init__()
        self.widths = tuple(widths)
        self.down = nn.ModuleList()
        cin = IN_CHANNELS
        for width in widths:
            self.down.append(ConvUnit(cin, width))
            cin = width
        self.up = nn.ModuleList(ConvUnit(widths[i + 1] + widths[i], widths[i]) for i in range(len(widths) - 1))
        self.head = nn.Conv2d(widths[0], len(CANDIDATES), 1)
        with torch.no_grad():  # start close to the background: doing nothing is the safe default
            self.head.bias.copy_(torch.tensor([2.0, 0.0, 0.0]))

    @property
    def multiple(self) -> int:
        """Input sides must be a multiple of this."""
        return 2 ** (len(self.widths) - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, unit in enumerate(self.down):
            x = unit(x if i == 0 else F.avg_pool2d(x, 2))
            skips.append(x)
        for i in range(len(self.up) - 1, -1, -1):
            x = F.interpolate(x, size=skips[i].shape[-2:], mode="bilinear", align_corners=False)
            x = self.up[i](torch.cat([x, skips[i]], 1))
        return self.head(x)


def blend(weights: torch.Tensor, background: torch.Tensor, warp_previous: torch.Tensor,
          warp_next: torch.Tensor) -> torch.Tensor:
    """Weighted sum of the candidates; ``weights`` (B, 3, H, W) sum to one over dim 1."""
    return weights[:, 0:1] * background + weights[:, 1:2] * warp_previous + weights[:, 2:3] * warp_next


def build(config: dict) -> WarpBlender:
    """The blender of a config's ``model`` section (``widths``)."""
    return WarpBlender(tuple(config["model"]["widths"]))
