"""Small generated data sets in the exact HumanSlomo layout (folders and h5) for the renderer's data tests."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from Pose_Guided_Neural_Rendering.spade_gan.data.labels import human_mask
from rib.frames import background_name, encode_png, train_background_name, write_image
from rib.h5data import write_clip
from rib.poses import write_pose_folder

STANDING = np.array([
    [240, 60], [240, 100], [210, 100], [195, 140], [190, 180], [270, 100], [285, 140], [290, 180], [240, 180],
    [220, 180], [215, 240], [212, 290], [260, 180], [265, 240], [268, 290], [272, 298], [208, 298], [292, 190],
    [188, 190]], dtype=np.float64)
"""A standing person in a 480 x 320 frame."""
PERSON_COLOUR = np.array([200, 40, 60], np.uint8)


class Synthetic:
    """A moving person over a panning textured background, at any time t (in high-rate frames)."""

    def __init__(self, height: int, width: int, seed: int = 0):
        self.height, self.width = height, width
        rng = np.random.default_rng(seed)
        self.texture = rng.integers(30, 220, (height // 8 + 2, width // 8 + 8, 3)).astype(np.uint8)

    def pose(self, t: float) -> np.ndarray:
        scale = self.height / 320
        xy = STANDING * scale + (t * 2.0 * scale, 0.0)
        xy[4] += (0.0, -3.0 * t * scale)  # the right wrist rises
        return np.concatenate([xy, np.full((19, 1), 0.9)], axis=1)

    def background(self, t: float) -> np.ndarray:
        big = np.kron(self.texture, np.ones((8, 8, 1), np.uint8))
        shift = int(round(t))
        return big[:self.height, shift:shift + self.width].copy()

    def mask(self, t: float) -> np.ndarray:
        return human_mask(self.pose(t), self.height, self.width)

    def frame(self, t: float) -> np.ndarray:
        image = self.background(t)
        image[self.mask(t).astype(bool)] = PERSON_COLOUR
        return image


def write_frames(folder: Path, images: list[np.ndarray], names: list[str]) -> None:
    for image, name in zip(images, names):
        write_image(folder / name, image)


def write_masks(folder: Path, masks: list[np.ndarray], names: list[str]) -> None:
    write_frames(folder, [np.repeat(m[..., None] * 255, 3, axis=2) for m in masks], names)


def make_layout(root: Path, size: tuple[int, int] = (128, 192), train: dict[str, int] | None = None,
                test: dict[str, int] | None = None, masks: bool = True, rate: int = 2,
                backgrounds_dir: str = "DAIN") -> Path:
    """Write ``root/train`` (low-rate frames, poses, N-2 backgrounds) and ``root/test`` (GT at ``rate`` x)."""
    train = {"clip_a": 7, "clip_b": 6} if train is None else train
    test = {"test_001": 5, "test_002": 7} if test is None else test
    for c, (clip, count) in enumerate(train.items()):
        synth = Synthetic(*size, seed=c)
        times = [2.0 * rate * k for k in range(count)]
        names = [f"frame{int(t):05d}.png" for t in times]
        write_frames(root / "train/frames" / clip, [synth.frame(t) for t in times], names)
        write_pose_folder(root / "train/poses" / clip, np.stack([synth.pose(t) for t in times]))
        for k in range(1, count - 1):
            blend = (synth.frame(times[k - 1]).astype(np.float32) + synth.frame(times[k + 1])) / 2
            write_image(root / "train" / backgrounds_dir / clip / train_background_name(Path(names[k - 1]).stem),
                        blend.astype(np.uint8))
        if masks:
            write_masks(root / "train/masks" / clip, [synth.mask(t) for t in times], names)
    for c, (clip, count) in enumerate(test.items()):
        synth = Synthetic(*size, seed=10 + c)
        names = [f"frame{t:05d}.png" for t in range(count)]
        write_frames(root / "test/gt" / clip, [synth.frame(t) for t in range(count)], names)
        write_frames(root / "test/inputs" / clip, [synth.frame(t) for t in range(0, count, rate)], names[::rate])
        write_pose_folder(root / "test/poses" / clip, np.stack([synth.pose(t) for t in range(count)]))
        for t in range(count):
            key, fraction = (t // rate) * rate, (t % rate) / rate
            nxt = min(key + rate, count - 1)
            blend = (1 - fraction) * synth.frame(key).astype(np.float32) + fraction * synth.frame(nxt)
            write_image(root / "test" / backgrounds_dir / clip / background_name(Path(names[key]).stem, fraction),
                        blend.astype(np.uint8))
        if masks:
            write_masks(root / "test/masks" / clip, [synth.mask(t) for t in range(count)], names)
    return root


def make_h5(path: Path, size: tuple[int, int] = (128, 192), train: dict[str, int] | None = None,
            test: dict[str, int] | None = None) -> Path:
    """The same kind of clips packed in the HumanSlomo h5 schema (rib.h5data)."""
    train = {"clip_a": 7, "clip_b": 6} if train is None else train
    test = {"test_001": 5} if test is None else test
    with h5py.File(path, "w") as h5:
        for c, (clip, count) in enumerate(train.items()):
            synth = Synthetic(*size, seed=c)
            times = [4.0 * k for k in range(count)]
            frames = [synth.frame(t) for t in times]
            backgrounds = [((frames[k - 1].astype(np.float32) + frames[k + 1]) / 2).astype(np.uint8)
                           for k in range(1, count - 1)]
            write_clip(h5, clip, "train", [encode_png(f) for f in frames], [encode_png(b) for b in backgrounds],
                       np.stack([synth.pose(t) for t in times]))
        for c, (clip, count) in enumerate(test.items()):
            synth = Synthetic(*size, seed=10 + c)
            frames = [encode_png(synth.frame(t)) for t in range(count)]
            write_clip(h5, clip, "test", frames, frames, np.stack([synth.pose(t) for t in range(count)]))
    return path


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> Path:
    """A small HumanSlomo-format folder with masks (two train clips of 7 and 6 frames, two test clips)."""
    return make_layout(tmp_path_factory.mktemp("humanslomo"))


@pytest.fixture(scope="module")
def h5_file(tmp_path_factory) -> Path:
    """A small HumanSlomo h5 with two train clips and one test clip."""
    return make_h5(tmp_path_factory.mktemp("h5") / "HumanSlomo.h5")


@pytest.fixture(scope="session")
def random_weights(tmp_path_factory) -> Path:
    """A weights folder holding randomly initialised AlexNet and Inception-v3 files under the ImageNet file names
    (stand-ins for the real weights, which cannot be downloaded here)."""
    import torch
    import torchvision

    from Pose_Guided_Neural_Rendering.metrics import LPIPS, InceptionFeatures

    folder = tmp_path_factory.mktemp("weights")
    torch.manual_seed(0)
    torch.save(torchvision.models.alexnet(weights=None).state_dict(), folder / LPIPS.WEIGHTS)
    inception = torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=False)
    (folder / "checkpoints").mkdir()
    torch.save(inception.state_dict(), folder / "checkpoints" / InceptionFeatures.WEIGHTS)
    return folder
