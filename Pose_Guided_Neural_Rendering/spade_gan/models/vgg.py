"""VGG19 features for the perceptual loss, with ImageNet weights read from disk only (never downloaded).

The weights are the torchvision file ``vgg19-dcbb9e9d.pth``, looked up in the torch hub cache
(``$TORCH_HOME/hub/checkpoints/``) unless a path is given. Without them training refuses to start unless the
perceptual weight is 0: a VGG with random weights would silently train towards a meaningless target.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Sequence

import torch
from torch import nn

from rib.checkpoint import load_checkpoint
from rib.errors import RIBError

LOG = logging.getLogger(__name__)
TORCHVISION_FILE = "vgg19-dcbb9e9d.pth"
LAYER_INDEX = {"relu_1_1": 1, "relu_2_1": 6, "relu_3_1": 11, "relu_4_1": 20, "relu_5_1": 29}
"""Index of each named ReLU in ``torchvision.models.vgg19().features``."""
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def default_weights_path() -> Path:
    """Where torchvision caches the VGG19 ImageNet weights (honours ``TORCH_HOME``)."""
    return Path(torch.hub.get_dir()) / "checkpoints" / TORCHVISION_FILE


def find_weights(path: str | os.PathLike | None = None, weight: float = 1.0) -> Path:
    """The VGG19 weight file to use; a clear error naming where it looked and how to proceed when it is absent."""
    candidate = Path(path) if path else default_weights_path()
    if not candidate.is_file():
        raise RIBError(
            f"{candidate}: VGG19 ImageNet weights not found, and the perceptual loss needs them "
            f"(loss.perceptual.weight = {weight}). Copy torchvision's {TORCHVISION_FILE} there (or into "
            f"$TORCH_HOME/hub/checkpoints/), set loss.perceptual.weights_path, or set loss.perceptual.weight: 0 "
            f"to train without the perceptual loss. Nothing is downloaded.")
    return candidate


class VGGFeatures(nn.Module):
    """Frozen VGG19 trunk returning the activations of the requested ReLU layers for images in [-1, 1]."""

    def __init__(self, layers: Sequence[str], state_dict: dict | None = None):
        super().__init__()
        unknown = [name for name in layers if name not in LAYER_INDEX]
        if unknown:
            raise RIBError(f"config: unknown VGG19 layers {unknown}; choose from {sorted(LAYER_INDEX)}")
        self.indices = [LAYER_INDEX[name] for name in layers]
        # imported here, not at the top: torchvision takes seconds to import, and rendering (which reads this
        # module's layer names through the GAN's config) never needs it
        from torchvision.models import vgg19

        self.features = vgg19(weights=None).features[: max(self.indices) + 1]
        if state_dict is not None:
            wanted = {key: value for key, value in state_dict.items() if key.startswith("features.")}
            wanted = {key[len("features."):]: value for key, value in wanted.items()
                      if int(key.split(".")[1]) <= max(self.indices)}
            self.features.load_state_dict(wanted)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "VGGFeatures":
        """Always stays in eval mode."""
        return super().train(False)

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        x = ((images + 1) / 2 - self.mean) / self.std
        outputs = []
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in self.indices:
                outputs.append(x)
        return outputs


def load(layers: Sequence[str], path: str | os.PathLike | None = None, weight: float = 1.0) -> VGGFeatures:
    """VGG19 features with ImageNet weights from ``path`` or the torch hub cache (an error if absent)."""
    weights = find_weights(path, weight)
    state = load_checkpoint(weights)
    try:
        model = VGGFeatures(layers, state)
    except RuntimeError as error:
        raise RIBError(f"{weights}: not VGG19 weights ({str(error).splitlines()[0]})") from None
    LOG.info("perceptual loss: VGG19 weights from %s", weights)
    return model


def build(weight: float, layers: Sequence[str], weights_path: str | None) -> VGGFeatures | None:
    """The VGG of the ``loss.perceptual`` section, or None when its weight is 0 (then it is never constructed)."""
    if weight == 0:
        LOG.warning("PERCEPTUAL LOSS DISABLED: loss.perceptual.weight is 0, training without the VGG19 loss")
        return None
    return load(layers, weights_path, weight)
