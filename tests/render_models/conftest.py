"""Tiny renderer configs, checkpoints and generated clips in the exact on-disk layouts, for the model tests."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from Pose_Guided_Neural_Rendering.spade_gan.models import generator as generator_model
from rib.checkpoint import save_checkpoint
from rib.config import load_config
from rib.frames import background_name, write_image
from rib.paths import REPO_ROOT
from rib.poses import write_pose_folder

CONFIGS = REPO_ROOT / "Pose_Guided_Neural_Rendering" / "configs"


def _render_data_fixtures():
    """The HumanSlomo-layout writers of tests/render_data (one generator of test data for both test areas)."""
    spec = importlib.util.spec_from_file_location("render_data_fixtures", REPO_ROOT / "tests/render_data/conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FIXTURES = _render_data_fixtures()
make_layout = FIXTURES.make_layout
Synthetic = FIXTURES.Synthetic


def tiny_config(**data) -> dict:
    """configs/tiny.yaml with ``data`` keys replaced."""
    config = load_config(CONFIGS / "tiny.yaml")
    config["data"].update(data)
    return config


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> Path:
    """A HumanSlomo-format folder at 64 x 96 (train clips of 7 and 6 frames)."""
    return make_layout(tmp_path_factory.mktemp("layout"), size=(64, 96))


def write_generator(path: Path, config: dict, seed: int = 0) -> Path:
    """A randomly initialised generator-weights file (as train.py writes it) for ``config``'s model size."""
    torch.manual_seed(seed)
    generator = generator_model.build(config)
    size = (config["data"]["model_width"], config["data"]["model_height"])
    save_checkpoint(path, generator_model.inference_state(generator, size))
    return path


def write_clip(root: Path, clip: str, num_inputs: int, rate: int, size: tuple[int, int] = (80, 120),
               backgrounds_dir: str = "backgrounds") -> Path:
    """``root/inputs/<clip>``, ``root/Predict_motion/<clip>`` and ``root/<backgrounds_dir>/<clip>`` for rate R."""
    synth = Synthetic(*size, seed=3)
    names = [f"frame{k:05d}.png" for k in range(num_inputs)]
    for k, name in enumerate(names):
        write_image(root / "inputs" / clip / name, synth.frame(k * rate))
    count = (num_inputs - 1) * rate + 1
    write_pose_folder(root / "Predict_motion" / clip, np.stack([synth.pose(t) for t in range(count)]))
    for t in range(count):
        key, step = divmod(t, rate)
        stem = Path(names[key]).stem
        write_image(root / backgrounds_dir / clip / background_name(stem, step / rate), synth.background(t))
    return root


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread: CI's 2 cores are shared, and two spinning OpenMP threads per test slow everything down."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class StillBackground(Synthetic):
    """The render_data scene with a still background and a person moving 4x faster (a clear foreground to learn)."""

    def background(self, t: float) -> np.ndarray:
        return super().background(0.0)

    def pose(self, t: float) -> np.ndarray:
        return super().pose(4 * t)


@pytest.fixture(scope="module")
def still_layout(tmp_path_factory) -> Path:
    """A HumanSlomo-format folder at 64 x 96 whose backgrounds are right everywhere but around the person."""
    try:
        FIXTURES.Synthetic = StillBackground
        return make_layout(tmp_path_factory.mktemp("still"), size=(64, 96), masks=False)
    finally:
        FIXTURES.Synthetic = Synthetic
