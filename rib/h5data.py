"""The HumanSlomo h5 schema (reference section 2.3): one group per clip, raw image bytes, J19 poses.

Train clips hold ``train_images`` (N), ``train_dain`` (N-2 backgrounds, file k for frame k+1) and
``train_poses`` (N, 19, 3); test clips hold ``gt_images``, ``gt_dain`` and ``gt_poses`` (T each). Images are
1-D variable-length uint8 datasets of PNG/JPG bytes; poses are float64 (x, y, conf) in frame pixels. Clip groups
carry ``fps`` and ``stride`` attributes when known.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator, Sequence

import h5py
import numpy as np

from rib.errors import RIBError

TRAIN_KEYS = {"images": "train_images", "backgrounds": "train_dain", "poses": "train_poses"}
TEST_KEYS = {"images": "gt_images", "backgrounds": "gt_dain", "poses": "gt_poses"}


@contextlib.contextmanager
def read_h5(path: Path) -> Iterator[h5py.File]:
    """Open an existing h5 file for reading; a truncated or foreign file raises :class:`RIBError` naming it.

    Errors while reading inside the block (a dataset cut off by a truncated file) are reported the same way.
    """
    try:
        with h5py.File(path, "r") as h5:
            yield h5
    except OSError as error:
        raise RIBError(f"{path}: not a readable h5 file ({str(error).splitlines()[0]})") from None


def keys_for(split: str) -> dict[str, str]:
    """Dataset names of a ``train`` or ``test`` clip."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    return TRAIN_KEYS if split == "train" else TEST_KEYS


def write_clip(h5: h5py.File, name: str, split: str, images: Sequence[bytes], backgrounds: Sequence[bytes],
               poses: np.ndarray, attrs: dict | None = None) -> None:
    """Write one clip group; ``images`` and ``backgrounds`` are encoded image bytes."""
    keys = keys_for(split)
    group = h5.create_group(name)
    vlen = h5py.special_dtype(vlen=np.uint8)
    for key, blobs in ((keys["images"], images), (keys["backgrounds"], backgrounds)):
        data = group.create_dataset(key, (len(blobs),), dtype=vlen, chunks=True if len(blobs) else None)
        for i, blob in enumerate(blobs):
            data[i] = np.frombuffer(blob, np.uint8)
    group.create_dataset(keys["poses"], data=np.asarray(poses, dtype=np.float64))
    group.attrs["split"] = split
    for key, value in (attrs or {}).items():
        group.attrs[key] = value


class HumanSlomoH5:
    """Read-only access to a HumanSlomo h5; the file is opened lazily once per process (one handle per worker)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.is_file():
            raise RIBError(f"{self.path}: h5 file not found")
        self._handle: h5py.File | None = None
        self._pid: int | None = None
        with read_h5(self.path) as h5:
            self.clips = {name: str(h5[name].attrs.get("split", "train" if TRAIN_KEYS["images"] in h5[name]
                                                    else "test")) for name in h5}

    @property
    def h5(self) -> h5py.File:
        if self._handle is None or self._pid != os.getpid():
            self._handle = h5py.File(self.path, "r")
            self._pid = os.getpid()
        return self._handle

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_handle"] = None
        return state

    def _dataset(self, clip: str, kind: str) -> h5py.Dataset:
        if clip not in self.clips:
            raise RIBError(f"{self.path}: no clip named '{clip}'")
        return self.h5[clip][keys_for(self.clips[clip])[kind]]

    def num_frames(self, clip: str) -> int:
        return len(self._dataset(clip, "images"))

    def image_bytes(self, clip: str, index: int) -> bytes:
        return self._dataset(clip, "images")[index].tobytes()

    def background_bytes(self, clip: str, index: int) -> bytes:
        return self._dataset(clip, "backgrounds")[index].tobytes()

    def poses(self, clip: str) -> np.ndarray:
        return self._dataset(clip, "poses")[()]

    def attrs(self, clip: str) -> dict:
        return dict(self.h5[clip].attrs)
