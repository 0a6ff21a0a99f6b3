"""The training dataset: seeded random crops, views and keyframe corruptions of 3D mocap, as model batches.

Sample ``i`` of epoch ``e`` is a pure function of ``(seed, e, i)``, so runs are reproducible whatever the
number of workers or processes, and a resumed run sees exactly the data an uninterrupted one would.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch.utils.data import Dataset

from Human_Motion_Modelling.config import DataSection
from Human_Motion_Modelling.data.flips import undo_swaps
from Human_Motion_Modelling.data.keyframes import Augmentation, augment_keyframes
from Human_Motion_Modelling.data.projection import project, sample_view, to_camera
from Human_Motion_Modelling.data.representation import Normaliser, Window, localise, make_window
from Human_Motion_Modelling.data.sequences import load_sequences
from rib.errors import RIBError


@dataclass
class ClipSpec:
    """How clips are cut, viewed and projected (part of the ``data`` config section; defaults from there)."""

    max_seq_length: int = DataSection.max_seq_length
    rates: tuple[int, ...] = DataSection.rates
    rotation_axes: tuple[float, float, float] = DataSection.rotation_axes
    focal: float = DataSection.focal
    depth: float = DataSection.depth
    projection_noise: float = DataSection.projection_noise

    @classmethod
    def from_config(cls, data: dict) -> "ClipSpec":
        """The spec of a complete ``data`` config section; keyframe ``rates`` must be a non-empty list of integers
        >= 1."""
        rates = data["rates"]
        if (not isinstance(rates, (list, tuple, range)) or not rates
                or not all(isinstance(r, int) and not isinstance(r, bool) and r >= 1 for r in rates)):
            raise RIBError(f"config: data.rates must be a non-empty list of integers >= 1, got {rates!r}")
        return cls(max_seq_length=int(data["max_seq_length"]), rates=tuple(rates),
                   rotation_axes=tuple(float(a) for a in data["rotation_axes"]), focal=float(data["focal"]),
                   depth=float(data["depth"]), projection_noise=float(data["projection_noise"]))


def project_clip(joints: np.ndarray, angles: np.ndarray, focal: float, depth: float) -> np.ndarray:
    """(T, 19, 3) 3D joints -> (T, 19, 3) 2D poses (x, y, visibility 1) seen from view ``angles``."""
    uv = project(to_camera(joints.astype(np.float64), angles), focal, depth)
    return np.concatenate([uv, np.ones(uv.shape[:-1] + (1,))], axis=-1)


def keyframe_times(num_frames: int, rate: int) -> np.ndarray:
    """Keyframe indices 0, r, 2r, ... of a window whose last frame is a keyframe."""
    return np.arange(0, num_frames, rate)


def sample_target(window: Window, poses: np.ndarray, length: int, normaliser: Normaliser | None
                  ) -> np.ndarray:
    """Clean (T, 19, 3) poses in the window's representation, padded to ``length`` frames."""
    coords, _ = localise(poses, window.centre, window.scale)
    if normaliser is not None:
        coords = normaliser.apply(coords)
    return np.pad(coords, ((0, length - len(coords)), (0, 0), (0, 0))).astype(np.float32)


class MotionDataset(Dataset):
    """``samples_per_epoch`` random training windows drawn from the sequences of a motion h5."""

    def __init__(self, sequences: dict[str, np.ndarray], spec: ClipSpec, augmentation: Augmentation | None,
                 samples_per_epoch: int, seed: int, normaliser: Normaliser | None = None,
                 random_view: bool = True):
        if not sequences:
            raise RIBError("motion dataset: no sequences with at least 2 frames in the selected subsets")
        self.names = sorted(sequences)
        self.sequences = [sequences[name] for name in self.names]
        lengths = np.array([len(s) for s in self.sequences], dtype=np.float64)
        self.weights = np.minimum(lengths, spec.max_seq_length) / np.minimum(lengths, spec.max_seq_length).sum()
        self.spec = spec
        self.augmentation = augmentation
        self.samples_per_epoch = samples_per_epoch
        self.seed = seed
        self.normaliser = normaliser
        self.random_view = random_view
        self.epoch = 0

    @classmethod
    def from_config(cls, config: dict, split: str, normaliser: Normaliser | None = None,
                    seed: int | None = None) -> "MotionDataset":
        """The ``train_split`` or ``test_split`` dataset of a full config."""
        data, train = config["data"], config["train"]
        sequences = load_sequences(data["h5_file"], data[split], float(data["fps"]))
        return cls(sequences, ClipSpec.from_config(data), Augmentation.from_config(data["augment"]),
                   int(train["samples_per_epoch"]), int(train["seed"] if seed is None else seed), normaliser)

    def set_epoch(self, epoch: int) -> None:
        """Draw the samples of ``epoch`` (call before iterating a new epoch)."""
        self.epoch = epoch

    def __len__(self) -> int:
        return self.samples_per_epoch

    def __getitem__(self, index: int) -> dict[str, np.ndarray]:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        spec = self.spec
        joints = self.sequences[rng.choice(len(self.sequences), p=self.weights)]
        available = min(len(joints), spec.max_seq_length)
        rate = min(int(rng.choice(spec.rates)), available - 1)
        num_frames = (available - 1) // rate * rate + 1
        start = int(rng.integers(0, len(joints) - num_frames + 1))
        angles = sample_view(rng, spec.rotation_axes) if self.random_view else np.zeros(3)
        jitter = rng.uniform(-spec.projection_noise, spec.projection_noise, 2)
        poses = project_clip(joints[start:start + num_frames], angles, spec.focal + jitter[0],
                             spec.depth + jitter[1])
        times = keyframe_times(num_frames, rate)
        keyframes = poses[times]
        if self.augmentation is not None:
            keyframes = undo_swaps(augment_keyframes(keyframes, rng, self.augmentation), times)
        window = make_window(keyframes, times, num_frames, spec.max_seq_length, self.normaliser)
        return {**window.arrays(), "target": sample_target(window, poses, spec.max_seq_length, self.normaliser)}


def compute_normaliser(dataset: MotionDataset, num_samples: int, seed: int) -> Normaliser:
    """Pooled per-(row, coordinate) mean and std of clean targets over ``num_samples`` seeded samples."""
    probe = MotionDataset(dict(zip(dataset.names, dataset.sequences)), dataset.spec, dataset.augmentation,
                          num_samples, seed, normaliser=None)
    total = np.zeros((19, 2))
    square = np.zeros((19, 2))
    count = 0
    for index in range(num_samples):
        sample = probe[index]
        target = sample["target"][sample["frame_valid"]].astype(np.float64)
        total += target.sum(axis=0)
        square += (target ** 2).sum(axis=0)
        count += len(target)
    mean = total / count
    std = np.sqrt(np.maximum(square / count - mean ** 2, 0.0))
    return Normaliser(mean=mean, std=np.where(std > 1e-6, std, 1.0))
