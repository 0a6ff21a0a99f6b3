"""Where the renderer's clips come from: a HumanSlomo h5 file or a HumanSlomo-format folder.

A source lists the clips of a split and opens each as a :class:`Clip`: frames, J19 poses at frame resolution, the
interpolated background of each frame that has one, and real person masks when the layout provides them.

Backgrounds (reference section 2.3): a training frame k (1 <= k <= N-2) has the background interpolated from
frames k-1 and k+1, named :func:`rib.frames.train_background_name` of frame k-1 (h5: ``train_dain[k-1]``); a test
frame t has the background file t of its clip, aligned index by index with ``test/gt``.
"""
from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from Pose_Guided_Neural_Rendering.spade_gan.config import DataSection
from rib.errors import RIBError
from rib.frames import (
    check_one_size, decode_image, list_clips, list_frames, read_image, train_background_name,
)
from rib.h5data import HumanSlomoH5, keys_for
from rib.names import DAIN, MASKS, POSES, SPLIT_FRAMES
from rib.poses import read_pose_folder


class Clip(ABC):
    """One clip's frames, poses, backgrounds and (optional) person masks."""

    def __init__(self, name: str, poses: np.ndarray):
        self.name = name
        self.poses = poses

    @property
    def num_frames(self) -> int:
        return len(self.poses)

    @abstractmethod
    def image(self, index: int) -> np.ndarray:
        """Frame ``index`` as RGB uint8."""

    @abstractmethod
    def background(self, index: int) -> np.ndarray:
        """The interpolated background of frame ``index`` as RGB uint8."""

    @abstractmethod
    def has_background(self, index: int) -> bool:
        """Whether frame ``index`` has an interpolated background."""

    def mask(self, index: int) -> np.ndarray | None:
        """The real person mask of frame ``index`` (uint8 {0, 1}), or ``None`` when the source has none."""
        return None


def read_mask(path: str | os.PathLike) -> np.ndarray:
    """A person mask image as uint8 {0, 1} (0/255 and 0/1 images both accepted)."""
    image = read_image(path)[..., 0]
    return (image > (127 if image.max() > 1 else 0)).astype(np.uint8)


class FolderClip(Clip):
    """A clip of a HumanSlomo-format folder."""

    def __init__(self, name: str, poses: np.ndarray, frames: list[Path], backgrounds: dict[int, Path],
                 masks: list[Path] | None):
        super().__init__(name, poses)
        self.frames, self.backgrounds, self.masks = frames, backgrounds, masks

    def image(self, index: int) -> np.ndarray:
        return read_image(self.frames[index])

    def background(self, index: int) -> np.ndarray:
        return read_image(self.backgrounds[index])

    def has_background(self, index: int) -> bool:
        return index in self.backgrounds

    def mask(self, index: int) -> np.ndarray | None:
        return None if self.masks is None else read_mask(self.masks[index])


class H5Clip(Clip):
    """A clip of a HumanSlomo h5 file."""

    def __init__(self, name: str, poses: np.ndarray, h5: HumanSlomoH5, split: str, num_backgrounds: int):
        super().__init__(name, poses)
        self.h5, self.split, self.num_backgrounds = h5, split, num_backgrounds
        self.offset = 1 if split == "train" else 0

    def image(self, index: int) -> np.ndarray:
        return decode_image(self.h5.image_bytes(self.name, index), f"{self.h5.path}:{self.name}/image {index}")

    def background(self, index: int) -> np.ndarray:
        if not self.has_background(index):
            raise RIBError(f"{self.h5.path}:{self.name}: frame {index} has no background")
        position = index - self.offset
        return decode_image(self.h5.background_bytes(self.name, position),
                            f"{self.h5.path}:{self.name}/background {position}")

    def has_background(self, index: int) -> bool:
        return 0 <= index - self.offset < self.num_backgrounds


class ClipSource(ABC):
    """The clips of one split of a data set."""

    def __init__(self, where: str, split: str):
        if split not in SPLIT_FRAMES:
            raise ValueError(f"split must be 'train' or 'test', not {split!r}")
        self.where, self.split = where, split

    @abstractmethod
    def names(self) -> list[str]:
        """All clip names of the split."""

    @abstractmethod
    def open(self, name: str) -> Clip:
        """Index one clip (checks that its parts agree)."""

    def select(self, wanted: list[str] | None) -> list[str]:
        """The clips to use: ``wanted`` (validated, duplicates dropped) or every clip when it is empty."""
        available = self.names()
        if not wanted:
            return available
        known = set(available)
        unknown = [name for name in dict.fromkeys(wanted) if name not in known]
        if unknown:
            raise RIBError(f"{self.where}: unknown {self.split} clip(s): {', '.join(unknown)} "
                           f"({len(available)} {self.split} clips exist, e.g. {', '.join(available[:3])})")
        return list(dict.fromkeys(wanted))


class FolderSource(ClipSource):
    """``root/<split>/{frames|gt, poses, <backgrounds>, masks}/<clip>`` (the HumanSlomo layout).

    ``root`` may also be the split folder itself (e.g. ``example/``, which holds ``gt/`` and ``poses/``).
    """

    def __init__(self, root: str | os.PathLike, split: str, backgrounds_dir: str = DAIN):
        root = Path(root)
        is_split_folder = not (root / split).is_dir() and (root / SPLIT_FRAMES[split]).is_dir()
        self.root = root if is_split_folder else root / split
        super().__init__(str(self.root), split)
        self.backgrounds_dir = backgrounds_dir

    def names(self) -> list[str]:
        return [clip.name for clip in list_clips(self.root / SPLIT_FRAMES[self.split])]

    def open(self, name: str) -> Clip:
        frames = list_frames(self.root / SPLIT_FRAMES[self.split] / name)
        poses = read_pose_folder(self.root / POSES / name)
        if len(poses) != len(frames):
            raise RIBError(f"{self.root / POSES / name}: {len(poses)} pose files for {len(frames)} frames")
        background_dir = self.root / self.backgrounds_dir / name
        if self.split == "train":
            backgrounds = {k: background_dir / train_background_name(frames[k - 1].stem)
                           for k in range(1, len(frames) - 1)}
            missing = [path.name for path in backgrounds.values() if not path.is_file()]
            if missing:
                raise RIBError(f"{background_dir}: missing {len(missing)} background(s), e.g. {missing[0]}")
        else:
            listed = list_frames(background_dir)
            if len(listed) != len(frames):
                raise RIBError(f"{background_dir}: {len(listed)} backgrounds for {len(frames)} frames")
            backgrounds = dict(enumerate(listed))
        mask_dir = self.root / MASKS / name
        masks = list_frames(mask_dir) if mask_dir.is_dir() else None
        if masks is not None and len(masks) != len(frames):
            raise RIBError(f"{mask_dir}: {len(masks)} masks for {len(frames)} frames")
        if self.split == "train":
            check_one_size(name, [*frames, *backgrounds.values(), *(masks or [])])
        return FolderClip(name, poses, frames, backgrounds, masks)


class H5Source(ClipSource):
    """The clips of one split of a HumanSlomo h5 file (one file handle per worker process)."""

    def __init__(self, path: str | os.PathLike, split: str):
        self.h5 = HumanSlomoH5(path)
        super().__init__(str(self.h5.path), split)

    def names(self) -> list[str]:
        names = [name for name, split in self.h5.clips.items() if split == self.split]
        if not names:
            raise RIBError(f"{self.where}: no {self.split} clips")
        return names

    def open(self, name: str) -> Clip:
        poses = self.h5.poses(name)
        count = self.h5.num_frames(name)
        expected = count - 2 if self.split == "train" else count
        num_backgrounds = len(self.h5.h5[name][keys_for(self.split)["backgrounds"]])
        if poses.shape != (count, 19, 3) or num_backgrounds != max(expected, 0):
            raise RIBError(f"{self.where}:{name}: {count} images, {num_backgrounds} backgrounds and poses of shape "
                           f"{poses.shape}; expected {max(expected, 0)} backgrounds and ({count}, 19, 3) poses")
        return H5Clip(name, poses, self.h5, self.split, num_backgrounds)


def open_source(data: DataSection, split: str) -> ClipSource:
    """The source named by ``data.h5_file`` or ``data.root`` of a config's ``data`` section."""
    if data.h5_file:
        return H5Source(data.h5_file, split)
    if data.root:
        return FolderSource(data.root, split, data.backgrounds_dir)
    raise RIBError("config: set data.h5_file (a HumanSlomo h5) or data.root (a HumanSlomo-format folder)")
