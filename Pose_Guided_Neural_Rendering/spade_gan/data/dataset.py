"""Windows of consecutive low-fps frames for training the renderer (reference section 4.3), and for evaluating it.

An item holds L = ``max_frames`` consecutive frames of one clip at model size:

- ``image`` (L, 3, H, W) in [-1, 1]
- ``label`` (L, 22, H, W): skeleton colours and joint heatmaps (:mod:`.labels`)
- ``background`` (L, 3, H, W) in [-1, 1]: zeros for frame 0, the interpolated background of frame i for i >= 1
- ``person_mask`` (L, 1, H, W) in {0, 1}: the real mask when the source has one, else the heuristic human mask
- ``joints`` (L, 19, 3): J19 poses in model pixels

Training windows start at every frame whose window has backgrounds (N - L per clip) and are augmented with one
shift-scale-rotate for the whole window, jittered heatmaps, dropped joints and limbs, and background blur under
random limbs. Test windows start at keyframes (every ``data.test_keyframe_step`` GT frames) and are not
augmented. ``set_max_frames`` re-indexes the windows for a curriculum of longer rollouts; a DataLoader (and a
DistributedSampler) made afterwards sees the new windows.
"""
from __future__ import annotations

import logging

import numpy as np
import torch
from torch.utils.data import Dataset

from Pose_Guided_Neural_Rendering.spade_gan.config import DataSection, parse_config
from Pose_Guided_Neural_Rendering.spade_gan.data import augment
from Pose_Guided_Neural_Rendering.spade_gan.data.labels import LABEL_CHANNELS, human_mask, part_mask, render_label
from Pose_Guided_Neural_Rendering.spade_gan.data.sources import Clip, ClipSource, open_source
from rib.errors import RIBError

log = logging.getLogger(__name__)

def _to_unit(image: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> float32 (3, H, W) in [-1, 1]."""
    return image.transpose(2, 0, 1).astype(np.float32) / np.float32(127.5) - np.float32(1.0)


class RenderDataset(Dataset):
    """Windows of ``max_frames`` consecutive frames of the chosen clips (see the module docstring)."""

    def __init__(self, source: ClipSource, clips: list[str], train: bool, options: DataSection):
        self.source, self.train, self.options = source, train, options
        self.size_hw = (options.model_height, options.model_width)
        self.clips: list[Clip] = [source.open(name) for name in clips]
        self._windows: list[tuple[int, int]] = []
        self.set_max_frames(options.max_frames)

    @property
    def max_frames(self) -> int:
        return self._max_frames

    @max_frames.setter
    def max_frames(self, value: int) -> None:
        self.set_max_frames(value)

    def set_max_frames(self, frames: int) -> None:
        """Use windows of ``frames`` frames from now on (re-indexes the items)."""
        if frames < 2:
            raise RIBError(f"data.max_frames must be at least 2, not {frames}")
        windows = [(c, start) for c, clip in enumerate(self.clips) for start in self._starts(clip, frames)]
        if not windows:
            raise RIBError(f"{self.source.where}: no clip has {frames} consecutive frames with backgrounds")
        skipped = len(self.clips) - len({c for c, _ in windows})
        if skipped:
            log.warning("%d of %d %s clip(s) are too short for %d-frame windows", skipped, len(self.clips),
                        self.source.split, frames)
        self._max_frames, self._windows = frames, windows

    def _starts(self, clip: Clip, frames: int) -> list[int]:
        """First frames of a clip's windows (every frame, or every keyframe for test): frames 1.. need backgrounds.

        A training clip of N frames has backgrounds for frames 1..N-2, hence N - L windows.
        """
        step = 1 if self.train else self.options.test_keyframe_step
        return [start for start in range(0, clip.num_frames - frames + 1, step)
                if all(clip.has_background(f) for f in range(start + 1, start + frames))]

    def __len__(self) -> int:
        return len(self._windows)

    def window(self, index: int) -> tuple[str, list[int]]:
        """Clip name and frame indices of item ``index``."""
        c, start = self._windows[index]
        return self.clips[c].name, list(range(start, start + self._max_frames))

    def _rng(self) -> np.random.Generator | None:
        """Per-item generator drawn from torch's RNG (seeded per DataLoader worker; restored on resume)."""
        if not self.train:
            return None
        return np.random.default_rng(int(torch.randint(0, 2**62, ()).item()))

    def _matrix(self, rng: np.random.Generator | None) -> np.ndarray:
        """The window's shift-scale-rotate on the model canvas (identity without augmentation)."""
        if rng is None or not self.options.augment:
            return np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        return augment.random_affine(rng, *self.size_hw, shift=self.options.shift_limit,
                                     scale=self.options.scale_limit, rotate=self.options.rotate_limit)

    def _to_model(self, canvas: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """Matrix from an image of ``shape`` to the model canvas: resize, then the window's transform."""
        return augment.compose(canvas, augment.resize_matrix(shape[:2], self.size_hw))

    def _warp(self, image: np.ndarray, canvas: np.ndarray) -> np.ndarray:
        return augment.warp_image(image, self._to_model(canvas, image.shape), self.size_hw)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        c, start = self._windows[index]
        clip = self.clips[c]
        rng = self._rng()
        canvas = self._matrix(rng)
        height, width = self.size_hw
        out = {key: [] for key in ("image", "background", "person_mask", "joints")}
        labels = np.empty((self._max_frames, LABEL_CHANNELS, height, width), np.float32)
        for i, frame in enumerate(range(start, start + self._max_frames)):
            image = clip.image(frame)
            joints = augment.warp_joints(clip.poses[frame], self._to_model(canvas, image.shape))
            mask = clip.mask(frame)
            if mask is None:
                mask = human_mask(joints, height, width)
            else:
                mask = augment.warp_mask(mask, self._to_model(canvas, mask.shape), self.size_hw)
            background = np.zeros((3, height, width), np.float32)
            if i > 0:
                warped = self._warp(clip.background(frame), canvas)
                if rng is not None:
                    blur = part_mask(joints, height, width, rng, self.options.random_blur_rate)
                    warped = augment.blur_under(warped, blur)
                background = _to_unit(warped)
            out["image"].append(_to_unit(self._warp(image, canvas)))
            render_label(joints, height, width, self.options.gauss_sigma, rng, self.options.random_drop_prob,
                         out=labels[i])
            out["background"].append(background)
            out["person_mask"].append(mask[None].astype(np.float32))
            out["joints"].append(joints.astype(np.float32))
        item = {key: torch.from_numpy(np.stack(values)) for key, values in out.items()}
        return {**item, "label": torch.from_numpy(labels)}


def build(config: dict, split: str) -> RenderDataset:
    """The ``train`` or ``test`` windows of the data set named in ``config['data']``.

    Clip lists come from ``data.train_clips`` / ``data.test_clips`` (empty or absent: every clip); an unknown name
    is an error.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    data = parse_config(config).data
    source = open_source(data, split)
    clips = source.select((data.train_clips if split == "train" else data.test_clips) or None)
    return RenderDataset(source, clips, train=split == "train", options=data)
