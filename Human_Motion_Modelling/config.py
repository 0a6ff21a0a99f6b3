"""The motion config: one strict dataclass per section (rib.schema), every default written here.

Config files and checkpoints hold plain mappings; :func:`complete_config` checks one against these sections (an
unknown key or an ill-typed value is an error, numbers are converted once) and returns it with every missing key
filled in from the defaults below, so the code reading it needs no defaults.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from Human_Motion_Modelling.data.keyframes import Augmentation
from rib.errors import RIBError
from rib.schema import Section, check_sections, parse_sections, to_dict

WINDOW_FRAMES = 321
"""Frames of one training window (``data.max_seq_length``'s default); inference cuts long clips into such windows."""


@dataclass
class DataSection(Section):
    """``data``: the mocap h5, its splits, and how training clips are cut, viewed, projected and corrupted."""

    WHERE: ClassVar[str] = "data"
    h5_file: str = "data/motion/deepmimic_j19.h5"
    train_split: tuple[str, ...] = ("DeepMimicTrain",)
    test_split: tuple[str, ...] = ("DeepMimicTest",)
    fps: float = 60.0
    max_seq_length: int = WINDOW_FRAMES
    rates: tuple[int, ...] = tuple(range(4, 17))
    rotation_axes: tuple[float, float, float] = (0.2, 0.0, 1.0)
    focal: float = 4.0
    depth: float = 4.0
    projection_noise: float = 0.4
    augment: Augmentation = field(default_factory=Augmentation)
    stats_samples: int = 1024
    stats_seed: int = 0


BASES = ("linear", "cubic")
"""Interpolations of the denoised keyframes that stage 2 can refine."""


@dataclass
class ModelSection(Section):
    """``model``: the transformer's size."""

    WHERE: ClassVar[str] = "model"
    num_joints: int = 19
    hidden_dim: int = 128
    nheads: int = 8
    dim_feedforward: int = 256
    enc_layers: int = 6
    dec_layers: int = 6
    dropout: float = 0.1
    attention_dropout: float = 0.0
    activation: str = "leaky_relu"
    base: str = "linear"
    """What stage 2 refines: the linear interpolation of the denoised keyframes (the reference) or a cubic (Hermite,
    Catmull-Rom slopes) one."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.base not in BASES:
            raise RIBError(f"model.base: {self.base!r} is not one of {', '.join(BASES)}")


@dataclass
class TrainSection(Section):
    """``train``: optimiser, schedule, loss weights, batches and the logging, saving and evaluation cadence."""

    WHERE: ClassVar[str] = "train"
    epochs: int = 400
    samples_per_epoch: int = 4096
    batch_size: int = 64
    workers: int = 2
    seed: int = 777
    lr: float = 1.0e-4
    betas: tuple[float, float] = (0.5, 0.999)
    amsgrad: bool = True
    step_size: int = 100
    gamma: float = 0.5
    grad_clip: float = 1.0
    w_2d: float = 5.0
    w_condition: float = 2.0
    log_every: int = 20
    save_every: int = 10
    eval_every: int = 5


def _evaluation_corruption() -> Augmentation:
    """The reference's test corruption: 4 of 21 keyframes for each kind, no keyframe dropped whole."""
    return Augmentation(noise_prob=0.19, drop_prob=0.19, flip_prob=0.19, frame_drop_prob=0.0)


@dataclass
class EvaluateSection(Section):
    """``evaluate``: the fixed evaluation protocol (keyframe step, views, seeded keyframe noise, pixel scale)."""

    WHERE: ClassVar[str] = "evaluate"
    rate: int = 16
    max_sequences: int = 0
    view_seed: int = 2021
    num_views: int = 1000
    noise_seed: int = 0
    noise: bool = True
    augment: Augmentation = field(default_factory=_evaluation_corruption)
    canvas_px_per_unit: float = 256.0
    pck_px: tuple[float, ...] = (5.0, 10.0, 20.0)


@dataclass
class MotionConfig:
    """A whole motion config."""

    data: DataSection = field(default_factory=DataSection)
    model: ModelSection = field(default_factory=ModelSection)
    train: TrainSection = field(default_factory=TrainSection)
    evaluate: EvaluateSection = field(default_factory=EvaluateSection)


SECTIONS = ("data", "model", "train", "evaluate")


def parse_config(raw: object, source: str) -> MotionConfig:
    """Check a config mapping strictly: unknown sections or keys raise a RIBError naming ``source`` and the key."""
    check_sections(raw, SECTIONS, source)
    return parse_sections(MotionConfig, raw, source)


def complete_config(raw: object, source: str) -> dict:
    """``raw`` checked by :func:`parse_config`, as a plain mapping with every default filled in."""
    return to_dict(parse_config(raw, source))
