"""Sine positional encoding in frame units: a frame's code does not depend on the clip's length."""
from __future__ import annotations

import torch
from torch import nn


class SinePositionalEncoding(nn.Module):
    """``dim``-d code of a (fractional) frame index: ``dim/2`` distinct frequencies, sines then cosines."""

    def __init__(self, dim: int, base: float = 10000.0):
        super().__init__()
        if dim % 2:
            raise ValueError(f"positional encoding needs an even dimension, got {dim}")
        half = dim // 2
        self.register_buffer("frequencies", base ** (-torch.arange(half, dtype=torch.float32) / half),
                             persistent=False)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """(..., N) frame indices -> (..., N, dim) codes."""
        angles = frames.to(self.frequencies.dtype)[..., None] * self.frequencies
        return torch.cat([angles.sin(), angles.cos()], dim=-1)
