"""The warp-blend renderer's config: one strict dataclass per section (rib.schema), defaults in one place.

A config file (``configs/warp_blend.yaml``) has the sections ``model``, ``data``, ``train`` and ``loss``; every key
not written keeps the default below, an unknown key is an error and numbers are converted once (``--set
train.lr=2e-4`` gives the text ``2e-4``). ``kind: warp_blend`` at the top selects this renderer in train.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from Pose_Guided_Neural_Rendering.warp_blend.agreement import MAX_ERROR_RATIO
from rib.checkpoint import WARP_BLEND
from rib.errors import RIBError
from rib.names import DAIN, GT, POSES
from rib.schema import Section, at_least, check_sections, parse_sections, positive, to_dict

KIND = WARP_BLEND


@dataclass
class ModelConfig(Section):
    WHERE: ClassVar[str] = "model"
    widths: tuple[int, ...] = (24, 48, 96, 128)
    """U-Net widths per level (each level halves the resolution)."""
    crop_size: int = 128
    """The network sees the person crop resampled to this many pixels a side."""
    still_keyframes: bool = False
    """Also offer both keyframes unmoved as candidates: the background where the person has left, which the
    interpolated background ghosts (model.py)."""
    max_error_ratio: float = MAX_ERROR_RATIO
    """The keyframe check's limit for these weights (agreement.py): an interval whose keyframe poses warp worse than
    this many times the unmoved keyframes is left to the background. Calibrated per model with
    ``bench/pose_agreement.py --renderer``, since a bolder model needs better poses to gain."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.widths, tuple) or not self.widths or min(self.widths) < 1:
            raise RIBError(f"model.widths: need positive widths, got {list(self.widths)}")
        if not self.max_error_ratio > 0:
            raise RIBError(f"model.max_error_ratio: {self.max_error_ratio} must be > 0")
        if self.crop_size < 16 or self.crop_size % 2 ** (len(self.widths) - 1):
            raise RIBError(f"model.crop_size: {self.crop_size} must be >= 16 and a multiple of "
                           f"{2 ** (len(self.widths) - 1)}")


@dataclass
class ClipSet(Section):
    """Clips to learn from: ``root/<frames>/<clip>``, ``root/<poses>/<clip>``, ``root/<backgrounds>/<clip>``.

    ``layout: dense`` (every frame, keyframes every ``rate``-th; backgrounds of the test layout at that rate) or
    ``layout: train`` (the reference's self-supervised setting on low-fps frames: frame k from k-1 and k+1, with the
    ``train-<stem>_0.500000.png`` backgrounds).
    """

    WHERE: ClassVar[str] = "data.sets"
    root: str
    frames: str = GT
    poses: str = POSES
    backgrounds: str = DAIN
    rate: int = 4
    layout: str = "dense"
    clips: list[str] | None = None
    held_out: list[int] | None = None
    """Target frames (indices into each clip's frames) never trained on: ``rib finetune`` keeps out the input frames
    that ``rib interpolate``'s self-check judges the fine-tuned renderer on."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.layout not in ("dense", "train"):
            raise RIBError(f"data.sets: layout must be dense or train, got {self.layout!r}")
        if self.rate < 2:
            raise RIBError(f"data.sets: rate must be at least 2, got {self.rate}")
        if self.held_out is not None and (not isinstance(self.held_out, list)
                                          or not all(isinstance(k, int) and k >= 0 for k in self.held_out)):
            raise RIBError(f"data.sets: held_out must be a list of frame indices (0 or more), got {self.held_out!r}")


@dataclass
class DataConfig(Section):
    WHERE: ClassVar[str] = "data"
    sets: list[ClipSet] = field(default_factory=list)
    val_sets: list[ClipSet] = field(default_factory=list)
    """Clips scored after every epoch (crop PSNR of the blend and of the background); never trained on."""
    jitter: float = 0.1
    """Random shift and scale of the training crop, as a fraction of its side."""
    pose_noise: float = 0.0
    """Std of Gaussian noise added to the target pose in training, as a fraction of the torso length."""
    hard_share: float = 0.0
    """Share of training draws picked in proportion to the background's error on the sample's crop (the rest are
    uniform): more of the fast motion where the interpolated background is wrong. Needs train.steps_per_epoch."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 <= self.hard_share <= 1.0:
            raise RIBError(f"data.hard_share: must lie in [0, 1], got {self.hard_share}")


@dataclass
class TrainConfig(Section):
    WHERE: ClassVar[str] = "train"
    epochs: int = at_least(10, 1)
    batch_size: int = at_least(16, 1)
    lr: float = positive(1e-3)
    weight_decay: float = 0.0
    seed: int = 123
    steps_per_epoch: int = 0
    """0: one pass over the samples per epoch."""
    print_freq: int = 25
    image_freq: int = 200


@dataclass
class LossConfig(Section):
    """The weight table of training.LOSSES (0 switches a loss off)."""

    WHERE: ClassVar[str] = "loss"
    mse: float = 1.0
    """Squared error between the blended frame and the ground truth over the crop (what PSNR measures)."""
    l1: float = 0.0
    """L1 between the blended frame and the ground truth."""
    choice: float = 0.0
    """Cross-entropy toward the candidate closest to the ground truth at each pixel (the background on ties)."""

    def weights(self) -> dict[str, float]:
        return {"mse": self.mse, "l1": self.l1, "choice": self.choice}


@dataclass
class BlendConfig:
    kind: str = KIND
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    loss: LossConfig = field(default_factory=LossConfig)

    def to_dict(self) -> dict:
        return to_dict(self)


def parse(config: dict, where: str = "config") -> BlendConfig:
    """A :class:`BlendConfig` from a loaded YAML mapping (unknown keys anywhere are an error)."""
    check_sections(config, ("kind", "model", "data", "train", "loss"), where)
    if config.get("kind", KIND) != KIND:
        raise RIBError(f"{where}: kind must be {KIND}, got {config.get('kind')!r}")
    parsed = parse_sections(BlendConfig, config, where)
    if parsed.data.hard_share and not parsed.train.steps_per_epoch:
        raise RIBError(f"{where}: data.hard_share needs train.steps_per_epoch (draws with replacement)")
    return parsed
