"""The SPADE generator at inference: each in-between frame rendered at model size from the preceding one, the person
and its mask upsampled and blended over the full-resolution background."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from Pose_Guided_Neural_Rendering.clips import ClipPlan, read_background
from Pose_Guided_Neural_Rendering.spade_gan.data.augment import resize_matrix, warp_image, warp_joints
from Pose_Guided_Neural_Rendering.spade_gan.data.labels import render_label
from Pose_Guided_Neural_Rendering.spade_gan.models.generator import Generator, composite, load_plain
from rib.checkpoint import SPADE_GAN, WEIGHTS_FILES, read_weights
from rib.errors import RIBError

LOG = logging.getLogger("render.inference")
WEIGHTS = WEIGHTS_FILES[SPADE_GAN]
"""The generator-weights file train.py writes into a GAN run folder."""
MISSING = "generator checkpoint not found (train one with train.py, or pass --checkpoint)"


def to_unit(images: np.ndarray, device: torch.device) -> torch.Tensor:
    """RGB uint8 (..., H, W, 3) -> float tensor (..., 3, H, W) in [-1, 1]."""
    tensor = torch.from_numpy(np.ascontiguousarray(images)).to(device)
    return tensor.movedim(-1, -3).float() / 127.5 - 1


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Float tensor (B, 3, H, W) in [-1, 1] -> RGB uint8 (B, H, W, 3)."""
    return ((images.clamp(-1, 1) + 1) * 127.5).round().byte().movedim(1, -1).cpu().numpy()


def use_bf16(precision: str, device: torch.device) -> bool:
    """Whether to run the generator in bfloat16: ``auto`` picks it where the hardware computes it natively."""
    if precision != "auto":
        return precision == "bf16"
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and torch.ops.mkldnn._is_mkldnn_bf16_supported()


class Renderer:
    """Runs the generator at model size (optionally in bfloat16) and composites at the input resolution in fp32."""

    NO_PERSON = "frames without a person are generated from an empty pose label"

    def __init__(self, generator: Generator, model_size: tuple[int, int], device: torch.device, bf16: bool = False):
        self.device, self.bf16 = device, bf16
        # channels-last helps oneDNN's bf16 and cuDNN kernels; fp32 1x1 convolutions on the CPU are slower with it
        self.layout = torch.channels_last if bf16 or device.type == "cuda" else torch.contiguous_format
        self.generator = generator.to(memory_format=self.layout)
        self.width, self.height = model_size

    def generate(self, label: torch.Tensor, background: torch.Tensor,
                 previous: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The generator's (frame, mask) in fp32."""
        inputs = [x.contiguous(memory_format=self.layout) for x in (label, background, previous)]
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            generated, alpha = self.generator(*inputs)
        return generated.float(), alpha.float()

    def model_inputs(self, image_hw: tuple[int, int], joints: np.ndarray,
                     background: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Label (22, h, w) and model-size background (3, h, w) of one frame, prepared as in training."""
        matrix = resize_matrix(image_hw, (self.height, self.width))
        label = render_label(warp_joints(joints, matrix), self.height, self.width)
        small = warp_image(background, matrix, (self.height, self.width))
        return torch.from_numpy(label).to(self.device), to_unit(small, self.device)

    def to_model(self, image: np.ndarray) -> torch.Tensor:
        """A full-resolution frame resized to model size, in [-1, 1]."""
        return to_unit(warp_image(image, resize_matrix(image.shape[:2], (self.height, self.width)),
                                  (self.height, self.width)), self.device)

    @torch.no_grad()
    def segments(self, plan: ClipPlan, starts: list[int],
                 keyframes: list[np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
        """Render the in-betweens after the keyframes ``starts`` (batched), yielding (output index, uint8 frame)."""
        previous = torch.stack([self.to_model(keyframes[k]) for k in starts])
        for step in range(1, plan.rate):
            indices = [k * plan.rate + step for k in starts]
            shape = keyframes[0].shape[:2]
            full = [read_background(plan.backgrounds[i], shape) for i in indices]
            pairs = [self.model_inputs(shape, plan.poses[i], bg) for i, bg in zip(indices, full)]
            background = torch.stack([p[1] for p in pairs])
            generated, alpha = self.generate(torch.stack([p[0] for p in pairs]), background, previous)
            previous = composite(generated, alpha, background)
            big_gen = F.interpolate(generated, size=shape, mode="bilinear", align_corners=False)
            big_alpha = F.interpolate(alpha, size=shape, mode="bilinear", align_corners=False)
            frames = to_uint8(composite(big_gen, big_alpha, to_unit(np.stack(full), self.device)))
            yield from zip(indices, frames)


def load_generator(path: Path, device: torch.device) -> tuple[Generator, tuple[int, int]]:
    """The plain (spectral norm folded) generator of a generator-weights file written by train.py."""
    return generator_from_state(read_weights(path, MISSING), path, device)


def generator_from_state(state: dict, path: Path, device: torch.device) -> tuple[Generator, tuple[int, int]]:
    """The plain generator of a loaded generator-weights file (``path`` names it in errors)."""
    if "hparams" not in state or "state_dict" not in state:
        raise RIBError(f"{path}: not a generator-weights file written by train.py (generator.pt)")
    width, height = state.get("model_size", (480, 320))
    if int(width) < 16 or int(height) < 16:
        raise RIBError(f"{path}: model_size {width}x{height} is too small (at least 16x16)")
    try:
        generator = load_plain(state["hparams"], state["state_dict"])
    except (RuntimeError, TypeError) as error:
        raise RIBError(f"{path}: cannot load the generator ({str(error).splitlines()[0][:200]})") from None
    return generator.to(device), (int(width), int(height))


def clip_renderer(state: dict, path: Path, device: torch.device, precision: str) -> Renderer:
    """The clip renderer of a loaded ``generator.pt`` in ``precision`` (auto, fp32 or bf16; see :func:`use_bf16`)."""
    generator, model_size = generator_from_state(state, path, device)
    renderer = Renderer(generator, model_size, device, use_bf16(precision, device))
    LOG.info("generator at %dx%d in %s on %s", *model_size, "bf16" if renderer.bf16 else "fp32", device)
    return renderer
