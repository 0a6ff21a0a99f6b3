"""The 3D motion h5 layout written by every motion builder (AMASS, DeepMimic) and read by the motion dataset.

One group per subset, one group per sequence inside it::

    /<subset>/<sequence>/joints   float32 (T, 19, 3): J19 joints in metres, z up, global orientation and
                                   translation applied, resampled to the sequence's ``fps``
    /<subset>/<sequence>.attrs    fps (float), source (str: where the sequence came from)
    /.attrs                       joint_set = "J19", up_axis = "z", units = "m", builder (str)

Subsets play the role of the reference's AMASS subsets in the ``train_split`` / ``test_split`` config lists.
"""
from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from rib.errors import RIBError
from rib.h5data import read_h5
from rib.joints import NUM_J19

FILE_ATTRS = {"joint_set": "J19", "up_axis": "z", "units": "m"}


def open_for_writing(path: str | os.PathLike, builder: str) -> h5py.File:
    """Create a new motion h5 (write to a temporary name and rename it when done for atomicity)."""
    h5 = h5py.File(path, "w")
    h5.attrs.update({**FILE_ATTRS, "builder": builder})
    return h5


def write_sequence(h5: h5py.File, subset: str, name: str, joints: np.ndarray, fps: float, source: str) -> None:
    """Add one (T, 19, 3) sequence of 3D J19 joints."""
    joints = np.asarray(joints, dtype=np.float32)
    if joints.ndim != 3 or joints.shape[1:] != (NUM_J19, 3):
        raise ValueError(f"{subset}/{name}: joints must be (T, {NUM_J19}, 3), got {joints.shape}")
    group = h5.require_group(subset).create_group(name)
    group.create_dataset("joints", data=joints, compression="gzip", compression_opts=4)
    group.attrs["fps"] = float(fps)
    group.attrs["source"] = source


def read_sequences(path: str | os.PathLike, subsets: list[str]) -> dict[str, tuple[np.ndarray, float]]:
    """Load every sequence of the named subsets as ``{"subset/name": (joints, fps)}``."""
    path = Path(path)
    if not path.is_file():
        raise RIBError(f"{path}: motion h5 not found")
    sequences = {}
    with read_h5(path) as h5:
        if h5.attrs.get("joint_set") != "J19":
            raise RIBError(f"{path}: not a J19 motion h5 (joint_set={h5.attrs.get('joint_set')!r})")
        for subset in subsets:
            if subset not in h5:
                raise RIBError(f"{path}: no subset '{subset}' (has: {', '.join(sorted(h5))})")
            for name, group in h5[subset].items():
                sequences[f"{subset}/{name}"] = (group["joints"][()], float(group.attrs["fps"]))
    return sequences
