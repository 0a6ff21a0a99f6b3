"""In-between samples for the warp-blend renderer: two keyframes, a target frame between them, its background.

A sample is the person crop around the three poses, resampled to the network size: the interpolated background,
both keyframes moved to the target pose (warping.py) and, for a model with still keyframes, both keyframes unmoved,
the target body's proximity map, ``t`` and the ground truth.
Decoded frames are cached in memory (a training set of a few thousand 768x512 frames fits easily).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset
from tqdm import tqdm

from Pose_Guided_Neural_Rendering.warp_blend.config import ClipSet, DataConfig
from Pose_Guided_Neural_Rendering.warp_blend.warping import (
    Crop, TargetBones, body_proximity, person_crop, pose_warp, torso_length,
)
from rib.errors import RIBError
from rib.frames import (background_name, check_one_size, image_size, list_clips, list_frames, read_image,
                        train_background_name)
from rib.person import has_person
from rib.poses import read_pose_folder

ERROR_CROP = 64
"""Side of the crop on which :meth:`InBetweenDataset.background_errors` compares background and target."""


@dataclass(frozen=True)
class Sample:
    """One target frame between two keyframes."""

    clip: str
    previous: Path
    next: Path
    target: Path
    background: Path
    poses: np.ndarray
    """(3, 19, 3): previous keyframe, next keyframe, target."""
    t: float


Triple = tuple[int, int, int, Path, float]
"""(previous keyframe, next keyframe, target, background, t) of one sample, as frame indices."""


def _triples(clip_set: ClipSet, frames: list[Path], backgrounds: Path) -> list[Triple]:
    """Every target of a clip with its keyframes and background file, in the clip set's layout."""
    if clip_set.layout == "train":
        return [(k - 1, k + 1, k, backgrounds / train_background_name(frames[k - 1].stem), 0.5)
                for k in range(1, len(frames) - 1)]
    rate = clip_set.rate
    return [(a, a + rate, a + k, backgrounds / background_name(frames[a].stem, k / rate), k / rate)
            for a in range(0, len(frames) - rate, rate) for k in range(1, rate)]


def _clip_samples(clip_set: ClipSet, root: Path, name: str) -> list[Sample]:
    frames = list_frames(root / clip_set.frames / name)
    poses = read_pose_folder(root / clip_set.poses / name, image_size(frames[0])[::-1])
    if len(poses) != len(frames):
        raise RIBError(f"{root / clip_set.poses / name}: {len(poses)} pose files for {len(frames)} frames")
    triples = _triples(clip_set, frames, root / clip_set.backgrounds / name)
    background_files = [triple[3] for triple in triples]
    for background in background_files:
        if not background.is_file():
            raise RIBError(f"{background}: missing background (run interpolate_backgrounds.py for this clip)")
    check_one_size(name, [*frames, *background_files])
    samples = []
    held_out = set(clip_set.held_out or [])
    for a, b, target, background, t in triples:
        pose = poses[[a, b, target]]
        if target not in held_out and all(has_person(p) for p in pose):
            samples.append(Sample(name, frames[a], frames[b], frames[target], background, pose, t))
    return samples


def list_samples(sets: list[ClipSet]) -> list[Sample]:
    """Every usable sample of the clip sets (targets whose three poses all show a person, but the held-out ones)."""
    samples = []
    for clip_set in sets:
        root = Path(clip_set.root)
        names = clip_set.clips or [clip.name for clip in list_clips(root / clip_set.frames)]
        for name in names:
            samples += _clip_samples(clip_set, root, name)
    if not samples:
        raise RIBError(f"no training samples in {', '.join(s.root for s in sets) or 'data.sets (empty)'}")
    return samples


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """uint8 (H, W, 3) -> float (3, H, W) in [-1, 1]."""
    return torch.from_numpy(image).permute(2, 0, 1).float() / 127.5 - 1.0


def candidates(crop: Crop, poses: np.ndarray, previous: np.ndarray, following: np.ndarray,
               background: np.ndarray, still_keyframes: bool = False) -> dict[str, np.ndarray]:
    """The network's inputs on ``crop`` (uint8 images, float proximity) for target pose ``poses[2]``; with
    ``still_keyframes`` also both keyframes unmoved (model.STILL_CANDIDATES)."""
    bones = TargetBones.on(crop, poses[2])
    inputs = {"background": crop.sample(background),
              "warp_previous": pose_warp(previous, bones, poses[0]),
              "warp_next": pose_warp(following, bones, poses[1]),
              "proximity": body_proximity(bones)}
    if still_keyframes:
        inputs.update(still_previous=crop.sample(previous), still_next=crop.sample(following))
    return inputs


def inputs_to_tensors(inputs: dict[str, np.ndarray], t: float) -> dict[str, torch.Tensor]:
    """Tensors of :func:`candidates` (images in [-1, 1], proximity (1, n, n), t scalar)."""
    out = {key: to_tensor(value) for key, value in inputs.items() if key != "proximity"}
    out["proximity"] = torch.from_numpy(inputs["proximity"])[None]
    out["t"] = torch.tensor(t, dtype=torch.float32)
    return out


class InBetweenDataset(Dataset):
    """Training crops of :class:`Sample` s, with random crop jitter and pose noise when ``train``.

    The randomness of a draw depends on the sample, the epoch and how often the sample was drawn before in that
    epoch (setting :attr:`epoch` starts an epoch; frames load in the main process), so a sample drawn again gets a
    new crop and noise, and a resumed run sees the same crops as an unbroken one.
    """

    def __init__(self, samples: list[Sample], crop_size: int, options: DataConfig, train: bool = True,
                 still_keyframes: bool = False):
        self.samples, self.crop_size, self.options, self.train = samples, crop_size, options, train
        self.still_keyframes = still_keyframes
        self._cache: dict[Path, np.ndarray] = {}
        self._weights: np.ndarray | None = None
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.samples)

    def image(self, path: Path) -> np.ndarray:
        if path not in self._cache:
            self._cache[path] = read_image(path)
        return self._cache[path]

    def _crop(self, poses: np.ndarray, shape: tuple[int, int], rng: np.random.Generator | None) -> Crop:
        crop = person_crop(list(poses), self.crop_size, frame_hw=shape)
        if rng is None or self.options.jitter <= 0:
            return crop
        side = crop.side * (1 + rng.uniform(-self.options.jitter, self.options.jitter))
        shift = rng.uniform(-self.options.jitter, self.options.jitter, 2) * crop.side
        centre = np.array([crop.x0, crop.y0]) + crop.side / 2 + shift
        return Crop(float(centre[0] - side / 2), float(centre[1] - side / 2), float(side), self.crop_size)

    def background_errors(self) -> np.ndarray:
        """(N,) RMS error of each sample's background against its target on a small crop around the person."""
        errors = np.empty(len(self.samples))
        for index, sample in enumerate(tqdm(self.samples, desc="background errors", leave=False)):
            target = self.image(sample.target)
            crop = person_crop(list(sample.poses), ERROR_CROP, frame_hw=target.shape[:2])
            difference = crop.sample(target).astype(np.float32) - crop.sample(self.image(sample.background))
            errors[index] = np.sqrt(np.mean(difference ** 2))
        return errors

    def draw_weights(self) -> np.ndarray:
        """Sampling weight of each sample: ``1 - hard_share`` uniform plus ``hard_share`` by background error."""
        if self._weights is None:
            share = self.options.hard_share
            errors = self.background_errors() + 1e-6 if share > 0 else np.ones(len(self.samples))
            self._weights = (1 - share) / len(self.samples) + share * errors / errors.sum()
        return self._weights

    @property
    def epoch(self) -> int:
        return self._epoch

    @epoch.setter
    def epoch(self, value: int) -> None:
        """Start epoch ``value``: no sample drawn yet."""
        self._epoch, self._draws = value, Counter()

    def _count_draw(self, index: int) -> int:
        """How often ``index`` was drawn before in this epoch."""
        self._draws[index] += 1
        return self._draws[index] - 1

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        sample = self.samples[index]
        rng = np.random.default_rng([index, self.epoch, self._count_draw(index)]) if self.train else None
        poses = sample.poses.copy()
        if rng is not None and self.options.pose_noise > 0:
            noise = rng.normal(0, self.options.pose_noise * torso_length(poses[2]), (poses.shape[1], 2))
            poses[2, :, :2] += noise * (poses[2, :, 2:] > 0)
        target = self.image(sample.target)
        crop = self._crop(poses, target.shape[:2], rng)
        inputs = candidates(crop, poses, self.image(sample.previous), self.image(sample.next),
                            self.image(sample.background), self.still_keyframes)
        out = inputs_to_tensors(inputs, sample.t)
        out["target"] = to_tensor(crop.sample(target))
        return out
