"""The warp-blend renderer: a small U-Net that decides, pixel by pixel, where the new frame comes from.

Candidates, all at the target time: the interpolated background, the two neighbouring keyframes moved to the target
pose by the pose-guided warp (warp_blend/warping.py) and, with ``model.still_keyframes``, both keyframes unmoved.
The still keyframes show the background where the person has just left or is about to arrive, exactly where the
interpolated background draws a half-strength ghost of the limbs. The network sees the candidates, their
differences, the target body's proximity map and the time ``t``, and predicts blend weights (a softmax over the
candidates). The frame is their weighted sum, computed at the input resolution; the person mask ``alpha`` is the
weight of the two warps. Doing nothing (all weight on the background) is the background interpolation itself.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

WARP_CANDIDATES = ("background", "warp_previous", "warp_next")
"""The candidates of every model, first in the order of the blend weights."""
STILL_CANDIDATES = ("still_previous", "still_next")
"""The unmoved keyframes, appended with ``model.still_keyframes``."""
PERSON = ("warp_previous", "warp_next")
"""The candidates that draw the person: their summed weight is the alpha."""
DIFFERENCES = (("warp_previous", "background"), ("warp_next", "background"), ("warp_previous", "warp_next"),
               ("still_previous", "background"), ("still_next", "background"))
"""Pairs whose mean absolute difference is an input channel (those whose candidates are both present)."""


def candidate_names(still_keyframes: bool) -> tuple[str, ...]:
    """The blend candidates, in the order of the network's output channels."""
    return WARP_CANDIDATES + (STILL_CANDIDATES if still_keyframes else ())


def channel_names(candidates: tuple[str, ...]) -> list[str]:
    """Names of the input channels of :func:`features`: RGB per candidate, differences, proximity, time."""
    colours = [f"{name}.{c}" for name in candidates for c in "rgb"]
    differences = [f"{a}-{b}" for a, b in DIFFERENCES if a in candidates and b in candidates]
    return colours + differences + ["proximity", "t"]


def features(batch: dict[str, torch.Tensor], candidates: tuple[str, ...]) -> torch.Tensor:
    """Network input (B, len(channel_names), H, W) from a batch of candidates in [-1, 1], ``proximity`` (B, 1, H, W)
    and ``t`` (B,)."""
    differences = [(batch[a] - batch[b]).abs().mean(1, keepdim=True)
                   for a, b in DIFFERENCES if a in candidates and b in candidates]
    proximity = batch["proximity"]
    time = batch["t"].view(-1, 1, 1, 1).expand_as(proximity)
    return torch.cat([batch[name] for name in candidates] + differences + [proximity, time], 1)


class ConvUnit(nn.Sequential):
    """Two 3x3 convolutions with group norm and leaky ReLU."""

    def __init__(self, cin: int, cout: int):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1), nn.GroupNorm(min(8, cout), cout),
                         nn.LeakyReLU(0.2, inplace=True), nn.Conv2d(cout, cout, 3, padding=1),
                         nn.GroupNorm(min(8, cout), cout), nn.LeakyReLU(0.2, inplace=True))


class WarpBlender(nn.Module):
    """U-Net from :func:`features` to blend logits over ``candidates``."""

    def __init__(self, widths: tuple[int, ...] = (24, 48, 96, 128), candidates: tuple[str, ...] = WARP_CANDIDATES):
        super().__init__()
        self.widths, self.candidates = tuple(widths), tuple(candidates)
        self.down = nn.ModuleList()
        cin = len(channel_names(self.candidates))
        for width in widths:
            self.down.append(ConvUnit(cin, width))
            cin = width
        self.up = nn.ModuleList(ConvUnit(widths[i + 1] + widths[i], widths[i]) for i in range(len(widths) - 1))
        self.head = nn.Conv2d(widths[0], len(self.candidates), 1)
        with torch.no_grad():  # start close to the background: doing nothing is the safe default
            self.head.bias.zero_()
            self.head.bias[0] = 2.0

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

    @torch.no_grad()
    def warm_start(self, other: "WarpBlender", new_logit: float = -4.0) -> None:
        """Copy ``other``'s weights (same widths, a subset of the candidates); input channels and output candidates
        are matched by name. New inputs start with zero weight and new candidates with logit bias ``new_logit``, so
        the model starts close to ``other`` (exactly as ``new_logit`` goes to -inf)."""
        own, theirs = self.state_dict(), other.state_dict()
        first, head = "down.0.0.weight", "head"
        for key, value in theirs.items():
            if key == first:
                mine = channel_names(self.candidates)
                own[key].zero_()
                for index, name in enumerate(channel_names(other.candidates)):
                    own[key][:, mine.index(name)] = value[:, index]
            elif key.startswith(head):
                rows = [self.candidates.index(name) for name in other.candidates]
                if key.endswith("bias"):
                    own[key].fill_(new_logit)
                else:
                    own[key].zero_()
                own[key][rows] = value
            else:
                own[key].copy_(value)
        self.load_state_dict(own)


def person_alpha(weights: torch.Tensor | np.ndarray, candidates: tuple[str, ...]) -> torch.Tensor | np.ndarray:
    """The summed weight (B, H, W) of the warps (the person) from blend weights (B, C, H, W), torch or numpy."""
    return sum(weights[:, candidates.index(name)] for name in PERSON)


def blend(weights: torch.Tensor, batch: dict[str, torch.Tensor], candidates: tuple[str, ...]) -> torch.Tensor:
    """Weighted sum of the candidates of ``batch``; ``weights`` (B, C, H, W) sum to one over dim 1."""
    return sum(weights[:, i:i + 1] * batch[name] for i, name in enumerate(candidates))


def build(config: dict) -> WarpBlender:
    """The blender of a config's ``model`` section (``widths``, ``still_keyframes``)."""
    model = config["model"]
    return WarpBlender(tuple(model["widths"]), candidate_names(model.get("still_keyframes", False)))
