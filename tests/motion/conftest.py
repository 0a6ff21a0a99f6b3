"""Fixtures of the motion tests: a small synthetic mocap h5, a tiny config and a tiny checkpoint."""
from __future__ import annotations

import pytest
import torch

from Human_Motion_Modelling.data.representation import Normaliser
from Human_Motion_Modelling.data.synthetic import write_walking_h5
from Human_Motion_Modelling.data.dataset import MotionDataset, compute_normaliser
from Human_Motion_Modelling.models.transformer import build
from rib.checkpoint import save_checkpoint
from rib.config import apply_overrides, load_config
from rib.paths import REPO_ROOT

DEFAULT_CONFIG = REPO_ROOT / "Human_Motion_Modelling" / "configs" / "default.yaml"


def tiny_overrides(h5) -> list[str]:
    """Config overrides that make training and evaluation take seconds."""
    return [f"data.h5_file={h5}", "data.train_split=[Train]", "data.test_split=[Test]", "data.stats_samples=32",
            "model.enc_layers=1", "model.dec_layers=1", "model.hidden_dim=32", "model.dim_feedforward=64",
            "model.nheads=4", "train.samples_per_epoch=8", "train.batch_size=4", "train.workers=0",
            "train.eval_every=0", "train.epochs=1", "evaluate.max_sequences=2"]


@pytest.fixture(scope="session")
def motion_h5(tmp_path_factory):
    path = tmp_path_factory.mktemp("motion") / "walk.h5"
    write_walking_h5(path, {"Train": 4, "Test": 2}, num_frames=360)
    return path


@pytest.fixture(scope="session")
def tiny_config(motion_h5):
    return apply_overrides(load_config(DEFAULT_CONFIG), tiny_overrides(motion_h5))


@pytest.fixture(scope="session")
def tiny_normaliser(tiny_config) -> Normaliser:
    return compute_normaliser(MotionDataset.from_config(tiny_config, "train_split"), 32, 0)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, tiny_config, tiny_normaliser):
    """A randomly initialised tiny model saved like ``train.py`` saves one."""
    torch.manual_seed(0)
    model = build(tiny_config)
    path = tmp_path_factory.mktemp("ckpt") / "model.pt"
    save_checkpoint(path, {"model": model.state_dict(), "normaliser": tiny_normaliser.state(),
                           "config": tiny_config, "epoch": 0})
    return path
