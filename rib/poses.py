"""Pose folders <-> J19 sequences, using the one person-selection rule."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from rib.atomic import prepare_output_dir
from rib.frames import list_poses
from rib.joints import NUM_J19, j19_to_person, person_to_j19
from rib.openpose import keypoint_filename, read_people, write_people
from rib.person import select_person


def read_pose_files(files: Sequence[str | os.PathLike]) -> np.ndarray:
    """Read OpenPose files into a (T, 19, 3) J19 sequence, tracking one person.

    A frame with no qualifying person is all zeros (every joint missing); nothing is invented for it.
    """
    poses = np.zeros((len(files), NUM_J19, 3))
    previous = None
    for t, path in enumerate(files):
        person = select_person(read_people(path), previous)
        if person is not None:
            poses[t] = person_to_j19(person)
            previous = person
    return poses


def read_pose_folder(folder: str | os.PathLike) -> np.ndarray:
    """Read a folder of per-frame OpenPose files into a (T, 19, 3) J19 sequence."""
    return read_pose_files(list_poses(folder))


def write_pose_folder(folder: str | os.PathLike, poses: np.ndarray, overwrite: bool = False) -> list[Path]:
    """Write a (T, 19, 3) sequence as ``%06d_keypoints.json`` files; refuses to replace files unless ``overwrite``."""
    folder = prepare_output_dir(folder, overwrite, pattern="*_keypoints.json")
    paths = []
    for t, pose in enumerate(poses):
        path = folder / keypoint_filename(t)
        people = [j19_to_person(pose)] if (pose[:, 2] > 0).any() else []
        write_people(path, people)
        paths.append(path)
    return paths
