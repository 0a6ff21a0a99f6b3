"""Discriminators: a two-scale patch D on label+image, and face / hand crop D's (reference section 4.5).

Face and hand crops are boxes around the joints whose side scales with the person's torso length (neck to mid-hip),
not fixed pixel sizes, so the crops cover the same body part at any resolution or distance (reference defect 22).
Every crop is always computed; a per-sample weight of 0 marks a missing face or hand, so all parameters take part
in every step (no unused-parameter problems under DDP).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import roi_align

from Pose_Guided_Neural_Rendering.spade_gan.config import FaceDisSection, parse_config
from Pose_Guided_Neural_Rendering.spade_gan.models.blocks import ConvBlock, conv, widths
from rib.joints import LEFT_HAND, NECK, NOSE, RIGHT_HAND, ROOT

ScaleOutputs = list[tuple[torch.Tensor, list[torch.Tensor]]]
"""Per scale: (patch logits, intermediate features)."""


class PatchDiscriminator(nn.Module):
    """PatchGAN: 4x4 convs (stride 2 except the last block), instance norm, LeakyReLU, then a 3x3 conv to logits."""

    def __init__(self, in_channels: int, num_filters: int = 32, max_num_filters: int = 512, num_layers: int = 4):
        super().__init__()
        chans = widths(num_filters, max_num_filters, num_layers + 1)
        blocks = [ConvBlock(in_channels, chans[0], kernel=4, stride=2, padding=1)]
        for i in range(num_layers):
            stride = 2 if i < num_layers - 1 else 1
            blocks.append(ConvBlock(chans[i], chans[i + 1], kernel=4, stride=stride, padding=1))
        self.blocks = nn.ModuleList(blocks)
        self.head = conv(chans[-1], 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        features = []
        for block in self.blocks:
            x = block(x)
            features.append(x)
        return self.head(x), features


class MultiScaleDiscriminator(nn.Module):
    """Independent patch discriminators on the input and on successive 0.5x bilinear downsamples of it."""

    def __init__(self, in_channels: int, num_discriminators: int = 2, **kwargs):
        super().__init__()
        self.scales = nn.ModuleList(PatchDiscriminator(in_channels, **kwargs) for _ in range(num_discriminators))

    def forward(self, x: torch.Tensor) -> ScaleOutputs:
        outputs = []
        for i, disc in enumerate(self.scales):
            if i:
                x = F.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=True)
            outputs.append(disc(x))
        return outputs


def torso_length(joints: torch.Tensor, height: int, fallback: float = 0.25) -> torch.Tensor:
    """Neck-to-mid-hip distance per sample (B,), or ``fallback * height`` when either joint is missing."""
    neck, hip = joints[:, NECK], joints[:, ROOT]
    seen = (neck[:, 2] > 0) & (hip[:, 2] > 0)
    length = torch.linalg.vector_norm(neck[:, :2] - hip[:, :2], dim=1)
    return torch.where(seen & (length > 1), length, torch.full_like(length, fallback * height))


def _boxes(centres: torch.Tensor, sides: torch.Tensor) -> torch.Tensor:
    """roi_align boxes (N, 5): batch index, x1, y1, x2, y2 of squares of side ``sides`` around ``centres``."""
    count = centres.shape[0]
    index = torch.arange(count, device=centres.device, dtype=centres.dtype)
    half = sides[:, None] / 2
    return torch.cat([index[:, None], centres - half, centres + half], dim=1)


def face_boxes(joints: torch.Tensor, height: int, width: int, scale: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Face crop boxes (B, 5) around the nose, side ``scale * torso``, and per-sample validity weights (B,)."""
    nose = joints[:, NOSE]
    side = scale * torso_length(joints, height)
    centre = nose[:, :2] - torch.stack([torch.zeros_like(side), 0.1 * side], dim=1)
    inside = (nose[:, 0] >= 0) & (nose[:, 0] < width) & (nose[:, 1] >= 0) & (nose[:, 1] < height)
    valid = (nose[:, 2] > 0) & inside
    return _boxes(centre, side), valid.to(joints.dtype)


def hand_boxes(joints: torch.Tensor, height: int, width: int, scale: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Hand crop boxes (2B, 5): all left hands then all right hands, side ``scale * torso``; validity (2B,)."""
    side = scale * torso_length(joints, height)
    hands = torch.cat([joints[:, LEFT_HAND], joints[:, RIGHT_HAND]], dim=0)
    inside = (hands[:, 0] >= 0) & (hands[:, 0] < width) & (hands[:, 1] >= 0) & (hands[:, 1] < height)
    valid = (hands[:, 2] > 0) & inside
    boxes = _boxes(hands[:, :2], side.repeat(2))
    boxes[:, 0] = boxes[:, 0] % joints.shape[0]
    return boxes, valid.to(joints.dtype)


class CropDiscriminator(nn.Module):
    """A patch discriminator on fixed-size crops (face or hands) cut from the frames with ``roi_align``."""

    def __init__(self, part: str, crop_size: int, box_scale: float, num_filters: int = 32,
                 max_num_filters: int = 512, num_layers: int = 3, image_channels: int = 3):
        super().__init__()
        self.boxes = {"face": face_boxes, "hand": hand_boxes}[part]
        self.crop_size = crop_size
        self.box_scale = box_scale
        self.disc = PatchDiscriminator(image_channels, num_filters, max_num_filters, num_layers)

    def forward(self, real: torch.Tensor, fake: torch.Tensor,
                joints: torch.Tensor) -> tuple[ScaleOutputs, torch.Tensor]:
        """Outputs on cat(real crops, fake crops) (same boxes) and the validity weight (N,) of each crop pair."""
        height, width = real.shape[-2:]
        boxes, valid = self.boxes(joints.float(), height, width, self.box_scale)
        crops = [roi_align(images, boxes.to(images.dtype), self.crop_size, spatial_scale=1.0, sampling_ratio=2,
                           aligned=True) for images in (real, fake)]
        return [self.disc(torch.cat(crops, dim=0))], valid


class Discriminators(nn.Module):
    """All discriminators behind one call, so that a training step runs one forward per network update.

    ``forward`` returns, for each requested key, ``(outputs, weight)`` where ``outputs`` holds the per-scale results
    on cat(real, fake) along the batch (real first) and ``weight`` the per-sample validity (None = all valid):

    - ``fuse``: image D on (label, real) vs (label, composited frame)
    - ``raw``: image D on (label, real * fg) vs (label, generated * fg), fg = heuristic person mask
    - ``face`` / ``hand``: crop D's on (real, generated) crops.
    """

    def __init__(self, image: MultiScaleDiscriminator, face: CropDiscriminator | None,
                 hand: CropDiscriminator | None):
        super().__init__()
        self.image = image
        self.face = face
        self.hand = hand

    @property
    def keys(self) -> tuple[str, ...]:
        return ("fuse", "raw") + tuple(name for name in ("face", "hand") if getattr(self, name) is not None)

    def forward(self, keys: tuple[str, ...], label: torch.Tensor, real: torch.Tensor, generated: torch.Tensor,
                fused: torch.Tensor, person_mask: torch.Tensor,
                joints: torch.Tensor) -> dict[str, tuple[ScaleOutputs, torch.Tensor | None]]:
        results: dict[str, tuple[ScaleOutputs, torch.Tensor | None]] = {}
        image_pairs = {"fuse": (real, fused), "raw": (real * person_mask, generated * person_mask)}
        for key in keys:
            if key in image_pairs:
                pair = torch.cat(image_pairs[key], dim=0)
                results[key] = (self.image(torch.cat([label.repeat(2, 1, 1, 1), pair], dim=1)), None)
            else:
                crop_d: CropDiscriminator = getattr(self, key)
                results[key] = crop_d(real, generated, joints)
        return results


def _crop_discriminator(section: FaceDisSection | None, part: str, image_channels: int) -> CropDiscriminator | None:
    """The ``part`` crop discriminator of ``section`` (None when the config switches it off)."""
    if section is None:
        return None
    return CropDiscriminator(part, crop_size=section.crop_size, box_scale=section.box_scale,
                             num_filters=section.num_filters, max_num_filters=section.max_num_filters,
                             num_layers=section.num_layers, image_channels=image_channels)


def build(config: dict) -> Discriminators:
    """Build every discriminator from the ``dis`` section of a config."""
    dis = parse_config(config).dis
    image = dis.image
    image_d = MultiScaleDiscriminator(
        dis.input_label_nc + dis.input_image_nc, num_discriminators=image.num_discriminators,
        num_filters=image.num_filters, max_num_filters=image.max_num_filters, num_layers=image.num_layers)
    crops = dis.additional_discriminators
    return Discriminators(image_d, _crop_discriminator(crops.face, "face", dis.input_image_nc),
                          _crop_discriminator(crops.hand, "hand", dis.input_image_nc))
