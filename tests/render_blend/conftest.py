"""A tiny dense clip (every frame, keyframes every 4th) of a fast-moving person over cross-faded backgrounds.

The cross-fade is wrong wherever the person moved, so the warp-blend renderer has something to learn there.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from rib.frames import background_name, write_image
from rib.paths import REPO_ROOT
from rib.poses import write_pose_folder

RATE = 4
FRAMES = 9
SIZE = (128, 192)
STEP = 5.0
"""Pixels the person moves per frame: 20 px between keyframes."""

_spec = importlib.util.spec_from_file_location("render_data_fixtures", REPO_ROOT / "tests/render_data/conftest.py")
FIXTURES = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(FIXTURES)


class FastPerson(FIXTURES.Synthetic):
    """The render-data test person, walking STEP pixels a frame with a rising wrist, over a still background."""

    def pose(self, t: float) -> np.ndarray:
        pose = super().pose(0.0)
        pose[:, 0] += STEP * t - 20
        pose[4, 1] -= 3.0 * t
        return pose

    def background(self, t: float) -> np.ndarray:
        return super().background(0.0)

    def frame(self, t: float) -> np.ndarray:
        image = super().frame(t)
        body_x = np.arange(self.width)[None, :] - int(round(STEP * t))  # the texture moves with the body
        stripes = (body_x // 4 + np.arange(self.height)[:, None] // 4) % 2 == 0
        image[self.mask(t).astype(bool) & stripes] //= 2  # texture on the body, so warps are checkable
        return image


def make_dense_clip(root: Path, clip: str = "walker", seed: int = 0) -> Path:
    """``root/{gt,poses,masks,DAIN}/<clip>`` with FRAMES frames; DAIN holds the keyframe cross-fades at RATE."""
    person = FastPerson(*SIZE, seed=seed)
    names = [f"frame{t:05d}.png" for t in range(FRAMES)]
    FIXTURES.write_frames(root / "gt" / clip, [person.frame(t) for t in range(FRAMES)], names)
    FIXTURES.write_masks(root / "masks" / clip, [person.mask(t) for t in range(FRAMES)], names)
    write_pose_folder(root / "poses" / clip, np.stack([person.pose(t) for t in range(FRAMES)]))
    FIXTURES.write_frames(root / "inputs" / clip, [person.frame(t) for t in range(0, FRAMES, RATE)], names[::RATE])
    for key in range(0, FRAMES - RATE, RATE):
        for k in range(1, RATE):
            fade = ((1 - k / RATE) * person.frame(key).astype(np.float32) + k / RATE * person.frame(key + RATE))
            write_image(root / "DAIN" / clip / background_name(Path(names[key]).stem, k / RATE), fade.astype(np.uint8))
    return root


def blend_config(root: Path, **train) -> dict:
    """A tiny warp-blend config training on ``root``'s dense clip."""
    return {"kind": "warp_blend", "model": {"widths": [8, 16], "crop_size": 32},
            "data": {"sets": [{"root": str(root), "rate": RATE}], "jitter": 0.05},
            "train": {"epochs": 1, "batch_size": 6, "lr": 5e-3, "seed": 0, **train},
            "loss": {"l1": 1.0, "choice": 0.2}}


@pytest.fixture(scope="module")
def dense_clip(tmp_path_factory) -> Path:
    return make_dense_clip(tmp_path_factory.mktemp("dense"))


@pytest.fixture
def person() -> FastPerson:
    return FastPerson(*SIZE)


@pytest.fixture
def make_config():
    """:func:`blend_config`, for tests."""
    return blend_config
