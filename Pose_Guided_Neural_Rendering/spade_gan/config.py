"""The SPADE GAN renderer's config (configs/HSM.yaml and its variants): one strict dataclass per section.

A config has the sections ``data``, ``train``, ``gen``, ``dis`` and ``loss``. Every key not written keeps the
default below, the reference's HSM.yaml value unless its docstring says otherwise; this file is the only place
defaults are written. The checks are rib.schema's: an unknown key anywhere is a RIBError naming the section and the
key, and numbers are converted and range-checked when the config is built.

:func:`parse_config` gives the dataclasses the builders read (generator, discriminators, losses, dataset, trainer);
:func:`complete_config` gives the same config as a plain mapping with every default filled in, which train.py
passes around and saves beside its checkpoints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from Pose_Guided_Neural_Rendering.spade_gan.data.augment import ROTATE_LIMIT, SCALE_LIMIT, SHIFT_LIMIT
from Pose_Guided_Neural_Rendering.spade_gan.data.labels import BLUR_RATE, DROP_PROB, GAUSS_SIGMA
from Pose_Guided_Neural_Rendering.spade_gan.models.vgg import LAYER_INDEX
from rib.errors import RIBError
from rib.names import DAIN
from rib.schema import Section, at_least, fraction, parse_sections, positive, to_dict

AMP_MODES = ("none", "bf16", "fp16")


def _clip_names(where: str, names: Any) -> list[str]:
    """A clip list (null or empty: every clip) as a list of names."""
    if names is None:
        return []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise RIBError(f"{where}: expected a list of clip names, got {names!r}")
    return list(names)


@dataclass
class DataSection(Section):
    """``data``: where the clips are and how training windows are cut and augmented (dataset.py, sources.py)."""

    WHERE: ClassVar[str] = "data"
    h5_file: str | None = None
    """A HumanSlomo h5 (rib-gen-h5); or set ``root`` instead."""
    root: str | None = None
    """A HumanSlomo-format folder (used when ``h5_file`` is not set)."""
    backgrounds_dir: str = DAIN
    """Folder layout only: the interpolated-background folder of each split."""
    train_clips: list[str] = field(default_factory=list)
    """Empty: every train clip; unknown names are an error (reference defect 17)."""
    test_clips: list[str] = field(default_factory=list)
    max_frames: int = at_least(3, 2)
    """Frames per window: 3 give the reference's 2 autoregressive steps (it loaded a 4th for nothing, defect 19)."""
    random_drop_prob: float = fraction(DROP_PROB)
    random_blur_rate: float = fraction(BLUR_RATE)
    gauss_sigma: float = positive(GAUSS_SIGMA)
    model_width: int = at_least(480, 1)
    model_height: int = at_least(320, 1)
    augment: bool = True
    """One random shift-scale-rotate per training window."""
    shift_limit: float = at_least(SHIFT_LIMIT, 0)
    scale_limit: float = at_least(SCALE_LIMIT, 0)
    rotate_limit: float = at_least(ROTATE_LIMIT, 0)
    test_keyframe_step: int = at_least(2, 1)
    """Test windows start every this many ground-truth frames."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.train_clips = _clip_names("data.train_clips", self.train_clips)
        self.test_clips = _clip_names("data.test_clips", self.test_clips)
        if not isinstance(self.backgrounds_dir, str) or not self.backgrounds_dir:
            raise RIBError(f"data.backgrounds_dir: expected a folder name, got {self.backgrounds_dir!r}")


@dataclass
class TrainSection(Section):
    """``train``: optimisers, schedule, curriculum, precision and the logging and saving cadence."""

    WHERE: ClassVar[str] = "train"
    nr_epochs: int = at_least(200, 1)
    batch_size: int = at_least(2, 1)
    """Per process; the reference README trains with 4."""
    workers: int = at_least(4, 0)
    seed: int = 123
    lr: float = positive(1.0e-4)
    """Generator learning rate."""
    lr_d: float = positive(4.0e-4)
    """Discriminators' learning rate."""
    beta1: float = fraction(0.0, below_one=True)
    beta2: float = fraction(0.999, below_one=True)
    step_size: int = at_least(20, 1)
    """StepLR, stepped per epoch."""
    gamma: float = positive(0.5)
    update_frame_step: int = at_least(0, 0)
    """One more frame per window every this many epochs (0: no curriculum; HSM.yaml uses 10)."""
    max_frames_limit: int = at_least(0, 0)
    """The curriculum stops at this many frames (0: ``data.max_frames``, i.e. no growth; HSM.yaml uses 8)."""
    amp: str = "none"
    """Mixed precision on GPU only: none, bf16 or fp16 (ignored on the CPU; HSM.yaml uses bf16)."""
    display_freq: int = at_least(20, 1)
    """TensorBoard scalars every N steps."""
    image_freq: int = at_least(100, 1)
    """TensorBoard image grids every N steps."""
    print_freq: int = at_least(200, 1)
    """Console / history.txt every N steps."""
    save_step: int = at_least(4, 0)
    """Keep a numbered checkpoint every N epochs (0: never; the latest is always kept)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.amp = str(self.amp).lower()
        if self.amp not in AMP_MODES:
            raise RIBError(f"train.amp: must be {', '.join(AMP_MODES)}, got {self.amp!r}")


@dataclass
class EmbedSection(Section):
    """``gen.embed``: the encoder of [background, previous frame] that drives every SPADE block."""

    WHERE: ClassVar[str] = "gen.embed"
    num_filters: int = at_least(64, 1)
    max_num_filters: int = at_least(512, 1)
    num_downsamples: int | None = at_least(None, 0)
    """Must equal ``gen.num_downsamples`` (one encoder level per generator resolution); null: that value."""


@dataclass
class MaskSection(Section):
    """``gen.mask``: the blending-mask network."""

    WHERE: ClassVar[str] = "gen.mask"
    num_filters: int = at_least(32, 1)
    max_num_filters: int = at_least(512, 1)
    num_downsamples: int = at_least(3, 0)
    num_res_blocks: int = at_least(4, 0)


@dataclass
class GenSection(Section):
    """``gen``: the SPADE generator's size."""

    WHERE: ClassVar[str] = "gen"
    input_image_nc: int = at_least(3, 1)
    input_label_nc: int = at_least(22, 1)
    num_filters: int = at_least(16, 1)
    max_num_filters: int = at_least(512, 1)
    num_layers: int = at_least(6, 1)
    num_downsamples: int = at_least(4, 0)
    spectral_norm: bool = True
    embed: EmbedSection = field(default_factory=EmbedSection)
    mask: MaskSection = field(default_factory=MaskSection)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.embed.num_downsamples is None:
            self.embed.num_downsamples = self.num_downsamples
        elif self.embed.num_downsamples != self.num_downsamples:
            raise RIBError(f"gen.embed.num_downsamples ({self.embed.num_downsamples}) must equal gen.num_downsamples "
                           f"({self.num_downsamples}): one encoder level per generator resolution")


@dataclass
class ImageDisSection(Section):
    """``dis.image``: the multi-scale discriminator of whole frames."""

    WHERE: ClassVar[str] = "dis.image"
    num_filters: int = at_least(32, 1)
    max_num_filters: int = at_least(512, 1)
    num_discriminators: int = at_least(2, 1)
    num_layers: int = at_least(4, 1)


@dataclass
class FaceDisSection(Section):
    """``dis.additional_discriminators.face``: the discriminator of face crops."""

    WHERE: ClassVar[str] = "dis.additional_discriminators.face"
    num_filters: int = at_least(32, 1)
    max_num_filters: int = at_least(512, 1)
    num_layers: int = at_least(3, 1)
    crop_size: int = at_least(80, 1)
    """Crops are resized to this (the reference's H//32*8 at 320)."""
    box_scale: float = positive(1.25)
    """Crop side as a multiple of the torso length (about the reference's 100 px at a 80 px torso)."""


@dataclass
class HandDisSection(FaceDisSection):
    """``dis.additional_discriminators.hand``: the discriminator of hand crops."""

    WHERE: ClassVar[str] = "dis.additional_discriminators.hand"
    crop_size: int = at_least(40, 1)
    """The reference's H//64*8 at 320."""
    box_scale: float = positive(0.5)
    """The reference's 40 px at a 80 px torso."""


@dataclass
class CropDiscriminators:
    """``dis.additional_discriminators``: the crop discriminators; null switches one off."""

    face: FaceDisSection | None = field(default_factory=FaceDisSection)
    hand: HandDisSection | None = field(default_factory=HandDisSection)


@dataclass
class DisSection(Section):
    """``dis``: the discriminators' inputs and sizes."""

    WHERE: ClassVar[str] = "dis"
    input_image_nc: int = at_least(3, 1)
    input_label_nc: int = at_least(22, 1)
    image: ImageDisSection = field(default_factory=ImageDisSection)
    additional_discriminators: CropDiscriminators = field(default_factory=CropDiscriminators)


@dataclass
class GanWeights(Section):
    """``loss.gan``: the GAN weight of each discriminator pair (0 leaves the pair out of the D update)."""

    WHERE: ClassVar[str] = "loss.gan"
    fuse: float = at_least(0.0, 0)
    raw: float = at_least(1.0, 0)
    face: float = at_least(0.1, 0)
    hand: float = at_least(0.1, 0)


@dataclass
class PerceptualSection(Section):
    """``loss.perceptual``: the VGG19 loss, which needs the ImageNet weights on disk (never downloaded)."""

    WHERE: ClassVar[str] = "loss.perceptual"
    weight: float = at_least(0.0, 0)
    """0 disables it (no ImageNet VGG19 offline); the reference uses 10.0 (HSM.yaml)."""
    weights_path: str | None = None
    """Default: $TORCH_HOME/hub/checkpoints/vgg19-dcbb9e9d.pth."""
    layers: list[str] = field(default_factory=lambda: list(LAYER_INDEX))
    layer_weights: list[float] = field(default_factory=lambda: [0.03125, 0.0625, 0.125, 0.25, 1.0])

    def __post_init__(self) -> None:
        super().__post_init__()
        unknown = [name for name in self.layers if name not in LAYER_INDEX]
        if unknown:
            raise RIBError(f"loss.perceptual.layers: unknown VGG19 layers {unknown}; choose from {list(LAYER_INDEX)}")
        if len(self.layer_weights) != len(self.layers):
            raise RIBError("loss.perceptual.layer_weights: needs one weight per layer")


@dataclass
class LossSection(Section):
    """``loss``: the generator objective's weights (the reference's HSM.yaml values)."""

    WHERE: ClassVar[str] = "loss"
    gan_mode: str = "hinge"
    """Only hinge is supported."""
    gan: GanWeights = field(default_factory=GanWeights)
    fm_w: float = at_least(1.0, 0)
    """Feature matching on every pair, the fuse pair included (as the reference)."""
    l1_w: float = at_least(30.0, 0)
    mask_w: float = at_least(5.0, 0)
    perceptual: PerceptualSection = field(default_factory=PerceptualSection)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.gan_mode != "hinge":
            raise RIBError(f"loss.gan_mode: {self.gan_mode!r} is not supported (only 'hinge')")


@dataclass
class GanConfig:
    """A whole GAN renderer config."""

    data: DataSection = field(default_factory=DataSection)
    train: TrainSection = field(default_factory=TrainSection)
    gen: GenSection = field(default_factory=GenSection)
    dis: DisSection = field(default_factory=DisSection)
    loss: LossSection = field(default_factory=LossSection)


def parse_config(raw: Any, source: str = "config") -> GanConfig:
    """Check a config mapping strictly (``source`` names it in errors) and return its sections."""
    return parse_sections(GanConfig, raw, source)


def complete_config(raw: Any, source: str = "config") -> dict:
    """``raw`` checked by :func:`parse_config`, as a plain mapping with every default filled in."""
    return to_dict(parse_config(raw, source))
