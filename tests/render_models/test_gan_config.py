"""The GAN renderer's config is strict: unknown keys and bad numbers are one-line errors, written values are kept."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from Pose_Guided_Neural_Rendering.warp_blend import config as blend_config
from Pose_Guided_Neural_Rendering import train as train_cli
from Pose_Guided_Neural_Rendering.spade_gan.config import complete_config, parse_config
from Pose_Guided_Neural_Rendering.spade_gan.models import losses
from rib.config import load_config, save_config
from rib.errors import RIBError
from tests.render_models.conftest import CONFIGS, tiny_config

TINY = CONFIGS / "tiny.yaml"
GAN_CONFIGS = sorted(path for path in CONFIGS.glob("*.yaml") if "kind" not in load_config(path))

MISSPELLED = [  # (section as errors name it, dotted key with a typo in its last part)
    ("data", "data.model_widht"),
    ("train", "train.lrr"),
    ("gen", "gen.num_filter"),
    ("gen.embed", "gen.embed.num_filter"),
    ("gen.mask", "gen.mask.res_blocks"),
    ("dis", "dis.input_nc"),
    ("dis.image", "dis.image.num_scales"),
    ("dis.additional_discriminators", "dis.additional_discriminators.body"),
    ("dis.additional_discriminators.face", "dis.additional_discriminators.face.crop"),
    ("dis.additional_discriminators.hand", "dis.additional_discriminators.hand.boxscale"),
    ("loss", "loss.l1_weight"),
    ("loss.gan", "loss.gan.body"),
    ("loss.perceptual", "loss.perceptual.wieght"),
]


def build(config_path: Path, *overrides: str) -> dict:
    """What train.py makes of ``config_path`` with ``--set`` ``overrides``."""
    argv = ["--config", str(config_path)] + [arg for item in overrides for arg in ("--set", item)]
    return train_cli.build_config(train_cli.parse_args(argv))


def unknown_key_pattern(section: str, key: str) -> str:
    """The error naming ``key`` (its last part) as unknown in ``section``."""
    return rf"{re.escape(section)}: unknown key\(s\) {re.escape(key.rsplit('.', 1)[-1])}\b"


@pytest.mark.parametrize("section, key", MISSPELLED, ids=[key for _, key in MISSPELLED])
def test_misspelled_key_via_set(section, key):
    with pytest.raises(RIBError, match=unknown_key_pattern(section, key)):
        build(TINY, f"{key}=1")


@pytest.mark.parametrize("section, key", MISSPELLED, ids=[key for _, key in MISSPELLED])
def test_misspelled_key_in_yaml(section, key, tmp_path):
    config = tiny_config()
    *parents, leaf = key.split(".")
    node = config
    for name in parents:
        node = node[name]
    node[leaf] = 1
    save_config(tmp_path / "typo.yaml", config)
    with pytest.raises(RIBError, match=unknown_key_pattern(section, key)) as error:
        build(tmp_path / "typo.yaml")
    assert str(tmp_path / "typo.yaml") in str(error.value)


def test_unknown_section_is_named():
    with pytest.raises(RIBError, match=r"unknown key\(s\) trian\b"):
        build(TINY, "trian.lr=1")


def test_unknown_key_is_one_line_on_the_command_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train_cli.main(["--config", str(TINY), "--set", "train.lrr=3", "--out-dir", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "train: unknown key(s) lrr" in err and "\n" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("override, message", [
    ("train.batch_size=0", r"train\.batch_size: must be >= 1"),
    ("train.nr_epochs=0", r"train\.nr_epochs: must be >= 1"),
    ("train.lr=0", r"train\.lr: must be > 0"),
    ("train.lr_d=-1e-4", r"train\.lr_d: must be > 0"),
    ("train.beta2=1", r"train\.beta2: must be < 1"),
    ("train.workers=-1", r"train\.workers: must be >= 0"),
    ("train.print_freq=0", r"train\.print_freq: must be >= 1"),
    ("train.batch_size=two", r"train\.batch_size: expected a number"),
    ("train.batch_size=2.5", r"train\.batch_size: expected an integer"),
    ("train.amp=fp8", r"train\.amp: must be none, bf16, fp16"),
    ("data.max_frames=1", r"data\.max_frames: must be >= 2"),
    ("data.random_drop_prob=1.5", r"data\.random_drop_prob: must be <= 1"),
    ("data.augment=maybe", r"data\.augment: expected true or false"),
    ("data.train_clips=clip_a", r"data\.train_clips: expected a list"),
    ("gen.embed.num_downsamples=3", r"gen\.embed\.num_downsamples \(3\) must equal gen\.num_downsamples \(2\)"),
    ("dis.additional_discriminators.face.box_scale=0", r"face\.box_scale: must be > 0"),
    ("loss.gan_mode=wgan", r"loss\.gan_mode: 'wgan' is not supported"),
    ("loss.l1_w=-1", r"loss\.l1_w: must be >= 0"),
    ("loss.perceptual.layers=[relu_9_9]", r"unknown VGG19 layers \['relu_9_9'\]"),
    ("loss.perceptual.layer_weights=[1.0]", r"layer_weights: needs one weight per layer"),
])
def test_bad_values_fail_when_the_config_is_built(override, message):
    with pytest.raises(RIBError, match=message):
        build(TINY, override)


def test_zero_weights_are_kept():
    config = build(TINY, "loss.l1_w=0", "loss.gan.face=0", "loss.fm_w=0")
    objective = losses.build(config)
    assert objective.l1_weight == 0 and objective.fm_weight == 0
    assert objective.gan_weights == {"fuse": 0.0, "raw": 1.0, "face": 0.0, "hand": 0.1}


def test_set_values_are_converted():
    config = build(TINY, "train.lr=1e-4", "train.batch_size=4", "train.amp=BF16")
    assert config["train"]["lr"] == 1e-4 and isinstance(config["train"]["lr"], float)
    assert config["train"]["batch_size"] == 4 and config["train"]["amp"] == "bf16"


def test_missing_keys_take_the_dataclass_defaults():
    config = complete_config({"gen": {"num_downsamples": 3}, "dis": {"additional_discriminators": {"hand": None}}})
    assert config["gen"]["embed"]["num_downsamples"] == 3  # follows gen.num_downsamples
    assert config["dis"]["additional_discriminators"]["hand"] is None  # null switches a crop discriminator off
    assert config["dis"]["additional_discriminators"]["face"]["crop_size"] == 80
    assert parse_config({}).loss.perceptual.weight == 0.0


def written_values(node: dict, prefix: str = ""):
    """Every (dotted key, value) a config file writes."""
    for key, value in node.items():
        if isinstance(value, dict):
            yield from written_values(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def lookup(config: dict, dotted: str):
    """The value at a dotted key."""
    for name in dotted.split("."):
        config = config[name]
    return config


@pytest.mark.parametrize("path", GAN_CONFIGS, ids=lambda path: path.name)
def test_shipped_gan_config_loads_with_its_values(path):
    config = build(path)
    for key, value in written_values(load_config(path)):
        if key not in ("data.root", "data.h5_file"):  # resolved against the repository root
            assert lookup(config, key) == value, key
    assert complete_config(config, str(path)) == config  # complete: nothing left to fill in


def test_shipped_warp_blend_config_still_dispatches():
    path = CONFIGS / "warp_blend.yaml"
    config = build(path)
    assert config["kind"] == blend_config.KIND
    blend_config.parse(config, str(path))
