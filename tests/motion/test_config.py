"""Issue 12: every motion config section is a strict schema, its defaults in one place (config.py)."""
from __future__ import annotations

import pytest

from Human_Motion_Modelling.checkpoints import load_trained_model
from Human_Motion_Modelling.config import complete_config, parse_config
from rib.checkpoint import load_checkpoint, save_checkpoint
from rib.config import apply_overrides, load_config
from rib.errors import RIBError
from rib.paths import REPO_ROOT

CONFIGS = [REPO_ROOT / "Human_Motion_Modelling" / "configs" / name for name in ("default.yaml", "amass.yaml",
                                                                                 "deepmimic.yaml")]
SHIPPED = REPO_ROOT / "checkpoints" / "motion"


@pytest.mark.parametrize("path", [*CONFIGS, SHIPPED / "config.yaml"], ids=lambda p: p.parent.name + "/" + p.name)
def test_shipped_configs_load_strictly(path):
    config = complete_config(load_config(path), str(path))
    assert set(config) == {"data", "model", "train", "evaluate"}


def test_defaults_are_the_default_yaml():
    assert complete_config({}, "empty") == complete_config(load_config(CONFIGS[0]), "default.yaml")


def test_missing_keys_get_the_defaults_and_augment_is_merged():
    config = complete_config({"train": {"lr": 3e-4}, "evaluate": {"augment": {"flip_prob": 0.0}}}, "partial")
    assert config["train"]["lr"] == 3e-4 and config["train"]["batch_size"] == 64
    assert config["evaluate"]["augment"]["flip_prob"] == 0.0 and config["evaluate"]["augment"]["noise_prob"] == 0.19


@pytest.mark.parametrize("override, message", [
    ("train.lrr=3", "typo: train: unknown key(s) lrr"),
    ("data.augment.noise_probb=1", "typo: data.augment: unknown key(s) noise_probb"),
    ("evaluate.augment.drop=1", "typo: evaluate.augment: unknown key(s) drop"),
    ("model.hidden=64", "typo: model: unknown key(s) hidden"),
    ("evaluate.rat=8", "typo: evaluate: unknown key(s) rat"),
    ("optim.lr=1", "typo: unknown section(s) optim"),
    ("train=3", "typo: train: expected a mapping, got int"),
])
def test_a_misspelled_key_is_an_error_naming_it(override, message):
    with pytest.raises(RIBError) as error:
        parse_config(apply_overrides(load_config(CONFIGS[0]), [override]), "typo")
    assert str(error.value).startswith(message)


def test_a_checkpoint_with_an_unknown_config_key_is_refused(tiny_checkpoint, tmp_path):
    state = load_checkpoint(tiny_checkpoint)
    state["config"]["train"]["lrr"] = 3
    save_checkpoint(tmp_path / "model.pt", state)
    with pytest.raises(RIBError, match=r"model.pt config: train: unknown key\(s\) lrr"):
        load_trained_model(tmp_path / "model.pt")
