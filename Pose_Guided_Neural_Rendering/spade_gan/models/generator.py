"""The pose-guided generator: SPADE label branch modulated by an appearance encoder, plus a blending-mask network.

``G(label_t, background_t, previous)`` returns the rendered frame ``gen_t`` in [-1, 1] and a soft mask ``alpha_t``
in [0, 1]; the output frame is ``composite(gen_t, alpha_t, background_t)`` (reference section 4.4).
"""
from __future__ import annotations

import inspect

import torch
import torch.nn.functional as F
from torch import nn

from Pose_Guided_Neural_Rendering.spade_gan.config import parse_config
from Pose_Guided_Neural_Rendering.spade_gan.models.blocks import (
    LEAK, ConvBlock, ResBlock, SpadeResBlock, conv, fold_spectral_norm, widths,
)
from rib.errors import RIBError


class AppearanceEncoder(nn.Module):
    """Encodes cat(background, previous frame) into one feature map per generator resolution (E0 full size ...)."""

    def __init__(self, in_channels: int, base: int, maximum: int, num_downsamples: int, spectral: bool = True):
        super().__init__()
        chans = widths(base, maximum, num_downsamples + 1)
        self.channels = chans
        self.levels = nn.ModuleList([ConvBlock(in_channels, chans[0], norm=False, spectral=spectral)])
        for i in range(num_downsamples):
            self.levels.append(ConvBlock(chans[i], chans[i + 1], stride=2, norm=False, spectral=spectral))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for level in self.levels:
            x = level(x)
            features.append(x)
        return features


class MaskNetwork(nn.Module):
    """Predicts the blending mask from the label and cat(previous, background, generated) (reference 4.4)."""

    def __init__(self, label_channels: int, image_channels: int, base: int, maximum: int, num_downsamples: int,
                 num_res_blocks: int, spectral: bool = True):
        super().__init__()
        chans = widths(base, maximum, num_downsamples + 1)

        def branch(cin: int) -> nn.Sequential:
            layers = [ConvBlock(cin, chans[0], spectral=spectral)]
            layers += [ConvBlock(chans[i], chans[i + 1], stride=2, spectral=spectral) for i in range(num_downsamples)]
            return nn.Sequential(*layers)

        self.label_branch = branch(label_channels)
        self.image_branch = branch(3 * image_channels)
        blocks = [ResBlock(2 * chans[-1], chans[-1], spectral)]
        blocks += [ResBlock(chans[-1], chans[-1], spectral) for _ in range(num_res_blocks - 1)]
        self.res_blocks = nn.Sequential(*blocks)
        ups: list[nn.Module] = []
        for i in range(num_downsamples, 0, -1):
            ups += [nn.Upsample(scale_factor=2, mode="nearest"), ConvBlock(chans[i], chans[i - 1], spectral=spectral)]
        self.up = nn.Sequential(*ups)
        self.head = conv(chans[0], 1, spectral=spectral)

    def forward(self, label: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        x = torch.cat([self.label_branch(label), self.image_branch(images)], dim=1)
        return torch.sigmoid(self.head(self.up(self.res_blocks(x))))


class Generator(nn.Module):
    """Label branch (encoder-decoder of SPADE residual blocks, no skips) + appearance encoder + mask network."""

    def __init__(self, label_channels: int = 22, image_channels: int = 3, num_filters: int = 16,
                 max_num_filters: int = 512, num_layers: int = 6, num_downsamples: int = 4,
                 embed_filters: int = 64, embed_max_filters: int = 512, mask_filters: int = 32,
                 mask_max_filters: int = 512, mask_downsamples: int = 3, mask_res_blocks: int = 4,
                 spectral: bool = True):
        super().__init__()
        arguments = locals()
        self.hparams = {name: arguments[name] for name in inspect.signature(Generator).parameters if name != "spectral"}
        self.divisor = 2 ** max(num_downsamples, mask_downsamples)
        self.encoder = AppearanceEncoder(2 * image_channels, embed_filters, embed_max_filters, num_downsamples,
                                         spectral)
        cond = self.encoder.channels
        chans = widths(num_filters, max_num_filters, num_downsamples + 2)
        self.down_first = conv(label_channels, chans[0], spectral=spectral)
        self.down = nn.ModuleList(
            SpadeResBlock(chans[i], chans[i + 1], cond[i], spectral) for i in range(num_downsamples + 1))
        num_res = -(-(num_layers - num_downsamples) // 2) * 2
        self.res = nn.ModuleList(
            SpadeResBlock(chans[-1], chans[-1], cond[-1], spectral) for _ in range(num_res))
        self.up = nn.ModuleList(
            SpadeResBlock(chans[i + 1], chans[i], cond[i], spectral) for i in range(num_downsamples, -1, -1))
        self.to_image = conv(chans[0], image_channels, spectral=spectral)
        self.mask = MaskNetwork(label_channels, image_channels, mask_filters, mask_max_filters, mask_downsamples,
                                mask_res_blocks, spectral)

    def forward(self, label: torch.Tensor, background: torch.Tensor,
                previous: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Render frame t from its label, its interpolated background and the previous output frame."""
        height, width = label.shape[-2:]
        if height % self.divisor or width % self.divisor:
            raise RIBError(f"generator input {width}x{height}: width and height must be multiples of {self.divisor}")
        cond = self.encoder(torch.cat([background, previous], dim=1))
        x = self.down_first(label)
        last = len(self.down) - 1
        for i, block in enumerate(self.down):
            x = block(x, cond[i])
            if i < last:
                x = F.avg_pool2d(x, 3, stride=2, padding=1)
        for block in self.res:
            x = block(x, cond[-1])
        for j, block in enumerate(self.up):
            x = block(x, cond[last - j])
            if j < last:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
        generated = torch.tanh(self.to_image(F.leaky_relu(x, LEAK)))
        alpha = self.mask(label, torch.cat([previous, background, generated], dim=1))
        return generated, alpha


def composite(generated: torch.Tensor, alpha: torch.Tensor, background: torch.Tensor) -> torch.Tensor:
    """Blend the generated frame over the background: ``alpha * generated + (1 - alpha) * background``."""
    return torch.lerp(background, generated, alpha)


def for_inference(generator: Generator) -> Generator:
    """A copy of ``generator`` in eval mode with spectral norm folded into plain weights.

    The copy is rebuilt rather than deep-copied: parametrised modules of a deep copy share their generated class
    with the original, and removing the parametrisation from one would break the other.
    """
    with torch.random.fork_rng(devices=[]):  # the throw-away initialisation must not move training's RNG
        folded = Generator(**generator.hparams)
    folded.load_state_dict(generator.state_dict())
    return fold_spectral_norm(folded).requires_grad_(False)


def inference_state(generator: Generator, model_size: tuple[int, int]) -> dict:
    """The contents of a generator-weights file: folded plain weights, constructor arguments, model (W, H)."""
    folded = for_inference(generator)
    return {"hparams": dict(generator.hparams),
            "state_dict": {key: value.cpu().contiguous() for key, value in folded.state_dict().items()},
            "model_size": [int(model_size[0]), int(model_size[1])]}


def load_plain(hparams: dict, state_dict: dict) -> Generator:
    """A plain (spectral norm folded) generator from a generator-weights file's contents, ready for inference."""
    generator = Generator(**hparams, spectral=False)
    generator.load_state_dict(state_dict)
    return generator.eval().requires_grad_(False)


def build(config: dict, spectral: bool | None = None) -> Generator:
    """Build the generator from the ``gen`` section of a config; ``spectral=False`` gives the folded (plain) form."""
    gen = parse_config(config).gen
    return Generator(
        label_channels=gen.input_label_nc, image_channels=gen.input_image_nc, num_filters=gen.num_filters,
        max_num_filters=gen.max_num_filters, num_layers=gen.num_layers, num_downsamples=gen.num_downsamples,
        embed_filters=gen.embed.num_filters, embed_max_filters=gen.embed.max_num_filters,
        mask_filters=gen.mask.num_filters, mask_max_filters=gen.mask.max_num_filters,
        mask_downsamples=gen.mask.num_downsamples, mask_res_blocks=gen.mask.num_res_blocks,
        spectral=gen.spectral_norm if spectral is None else spectral,
    )
