"""The 3D motion h5 layouts written by the motion builders and read by the motion dataset.

One group per subset, one group per sequence inside it, in one of two joint sets::

    /<subset>/<sequence>/joints   SMPL-H: float64 (T, 52, 3), the reference's ``AMASS_3D_joints.h5``
                                          (gen_amass_h5.py); J19 is derived when loading
                                  J19:    float32 (T, 19, 3) (gen_deepmimic_h5.py, synthetic walks)
                                  both in metres, z up, global orientation and translation applied
    /<subset>/<sequence>.attrs    fps (float), source (str)           optional
    /.attrs                       joint_set ("SMPL-H" or "J19"), up_axis = "z", units = "m", builder   optional

The layout is recognised from each ``joints`` shape; a ``joint_set`` attribute, when present, must agree. The
reference's loader reads only the ``joints`` datasets, so it reads our SMPL-H files, and we read its published
file (no attributes: sequences without ``fps`` are used at their stored rate, as the reference does). Subsets
play the role of the reference's AMASS subsets in the ``train_split`` / ``test_split`` config lists.
"""
from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from rib.errors import RIBError
from rib.h5data import read_h5
from rib.joints import NUM_J19, NUM_SMPLH, smplh_to_j19

JOINTS_PER_FRAME = {"J19": NUM_J19, "SMPL-H": NUM_SMPLH}
"""Joints per frame of each joint set (the ``joint_set`` file attribute)."""
STORED_DTYPE = {"J19": np.float32, "SMPL-H": np.float64}
"""Dataset dtype written for each joint set (SMPL-H as the reference's file)."""
FILE_ATTRS = {"up_axis": "z", "units": "m"}


def open_for_writing(path: str | os.PathLike, builder: str, joint_set: str = "J19") -> h5py.File:
    """Create a new motion h5 of ``joint_set`` (write to a temporary name and rename it when done for atomicity)."""
    if joint_set not in JOINTS_PER_FRAME:
        raise ValueError(f"joint_set must be one of {', '.join(JOINTS_PER_FRAME)}, not {joint_set!r}")
    h5 = h5py.File(path, "w")
    h5.attrs.update({"joint_set": joint_set, **FILE_ATTRS, "builder": builder})
    return h5


def write_sequence(h5: h5py.File, subset: str, name: str, joints: np.ndarray, fps: float, source: str) -> None:
    """Add one (T, J, 3) sequence of 3D joints in the file's joint set."""
    joint_set = h5.attrs["joint_set"]
    joints = np.asarray(joints, dtype=STORED_DTYPE[joint_set])
    if joints.ndim != 3 or joints.shape[1:] != (JOINTS_PER_FRAME[joint_set], 3):
        raise ValueError(f"{subset}/{name}: {joint_set} joints must be (T, {JOINTS_PER_FRAME[joint_set]}, 3), "
                         f"got {joints.shape}")
    group = h5.require_group(subset).create_group(name)
    group.create_dataset("joints", data=joints, compression="gzip", compression_opts=4)
    group.attrs["fps"] = float(fps)
    group.attrs["source"] = source


def joint_set_of(path: Path, where: str, shape: tuple[int, ...], declared: str | None) -> str:
    """The joint set of a ``joints`` dataset of ``shape``; a shape of neither layout raises :class:`RIBError`."""
    found = [name for name, count in JOINTS_PER_FRAME.items() if len(shape) == 3 and shape[1:] == (count, 3)]
    if not found:
        raise RIBError(f"{path}: {where} is {shape}, not a motion h5 layout: (T, {NUM_SMPLH}, 3) SMPL-H joints "
                       f"(the reference's) or (T, {NUM_J19}, 3) J19 joints")
    if declared is not None and declared != found[0]:
        raise RIBError(f"{path}: {where} is {shape} ({found[0]}), but the file declares joint_set={declared!r}")
    return found[0]


def declared_joint_set(path: Path, h5: h5py.File) -> str | None:
    """The file's ``joint_set`` attribute (``None`` without one, e.g. the reference's file)."""
    declared = h5.attrs.get("joint_set")
    if declared is not None and declared not in JOINTS_PER_FRAME:
        raise RIBError(f"{path}: unknown joint_set {declared!r} (expected {' or '.join(JOINTS_PER_FRAME)})")
    return declared


def read_sequence(path: Path, key: str, group: h5py.Group, declared: str | None) -> tuple[np.ndarray, float | None]:
    """(T, 19, 3) J19 joints and fps (``None`` without an ``fps`` attribute) of one sequence group."""
    if not isinstance(group, h5py.Group) or not isinstance(group.get("joints"), h5py.Dataset):
        raise RIBError(f"{path}: {key} has no 'joints' dataset; a motion h5 holds /<subset>/<sequence>/joints")
    joint_set = joint_set_of(path, f"{key}/joints", group["joints"].shape, declared)
    joints = group["joints"][()]
    fps = group.attrs.get("fps")
    return (joints if joint_set == "J19" else smplh_to_j19(joints)), (None if fps is None else float(fps))


def read_sequences(path: str | os.PathLike, subsets: list[str]) -> dict[str, tuple[np.ndarray, float | None]]:
    """Load every sequence of the named subsets, of either layout, as ``{"subset/name": (J19 joints, fps)}``."""
    path = Path(path)
    if not path.is_file():
        raise RIBError(f"{path}: motion h5 not found")
    sequences = {}
    with read_h5(path) as h5:
        declared = declared_joint_set(path, h5)
        for subset in subsets:
            if not isinstance(h5.get(subset), h5py.Group):
                raise RIBError(f"{path}: no subset '{subset}' (has: {', '.join(sorted(h5))})")
            for name, group in h5[subset].items():
                sequences[f"{subset}/{name}"] = read_sequence(path, f"{subset}/{name}", group, declared)
    return sequences
