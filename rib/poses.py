"""Pose folders <-> J19 sequences, using the one person-selection rule."""
from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from rib.atomic import prepare_output_dir, write_text
from rib.errors import RIBError
from rib.frames import list_poses
from rib.joints import NUM_J19, j19_to_person, person_to_j19
from rib.names import KEYPOINTS_PATTERN
from rib.openpose import keypoint_filename, read_people, write_people
from rib.person import select_person
from rib.tracks import is_tracked, link_clip, read_tracks, track_sequences


LOG = logging.getLogger(__name__)
FAR_OUTSIDE = 1.0
"""A joint more than this many frame widths (heights) left or right of (above or below) the frame is a detector
outlier: it is dropped (all zeros, confidence 0) before anything is sized by it."""
OTHER_SIZE_SHARE = 0.25
"""Above this share of visible joints outside the frame, the poses were probably made for another frame size."""
INCOMPLETE_MARKER = ".incomplete"
"""A file in a pose folder that is being written, or whose writer was stopped or skipped frames."""


def mark_incomplete(folder: str | os.PathLike, writer: str) -> None:
    """Mark ``folder`` as not (yet) a complete clip; :func:`read_pose_folder` refuses it until the mark goes."""
    write_text(Path(folder) / INCOMPLETE_MARKER,
               f"{writer} has not finished this folder (stopped, still running or frames failed); "
               "rerun it with --overwrite\n")


def mark_complete(folder: str | os.PathLike) -> None:
    """Remove the mark of :func:`mark_incomplete`."""
    (Path(folder) / INCOMPLETE_MARKER).unlink(missing_ok=True)


@contextlib.contextmanager
def writing_folder(folder: str | os.PathLike, writer: str) -> Iterator[None]:
    """Mark ``folder`` incomplete while the block writes it; the mark stays if the block fails or is interrupted."""
    mark_incomplete(folder, writer)
    yield
    mark_complete(folder)


def refuse_incomplete(folder: str | os.PathLike) -> None:
    """Raise a RIBError when ``folder`` is marked incomplete (a pose step was stopped part-way, e.g. by Ctrl-C)."""
    marker = Path(folder) / INCOMPLETE_MARKER
    if marker.exists():
        raise RIBError(f"{folder}: incomplete pose folder (the step writing it was stopped or skipped frames, "
                       f"see {marker.name}); rerun that step with --overwrite")


def read_pose_files(files: Sequence[str | os.PathLike]) -> np.ndarray:
    """Read OpenPose files into a (T, 19, 3) J19 sequence of one person.

    Files whose people carry track ids give the clip's main track (:func:`rib.tracks.main_track`); files without
    ids track one person with :func:`rib.person.select_person`. A frame with no qualifying person is all zeros
    (every joint missing); nothing is invented for it.
    """
    frames = [read_people(path) for path in files]
    poses = np.zeros((len(files), NUM_J19, 3))
    if is_tracked(frames):
        return next(iter(track_sequences(link_clip(frames, main_only=True)).values()), poses)
    previous = None
    for t, people in enumerate(frames):
        person = select_person(people, previous)
        if person is not None:
            poses[t] = person_to_j19(person)
            previous = person
    return poses


def read_pose_folder(folder: str | os.PathLike, frame_hw: tuple[int, int] | None = None) -> np.ndarray:
    """Read a folder of per-frame OpenPose files into a (T, 19, 3) J19 sequence (the main track when the files
    carry track ids, see :func:`read_pose_files`); refuses an incomplete folder.

    With the frames' ``frame_hw``, implausible joints are dropped and poses that do not fit the frame are warned
    about (see :func:`fit_to_frame`).
    """
    refuse_incomplete(folder)
    poses = read_pose_files(list_poses(folder))
    return poses if frame_hw is None else fit_to_frame(poses, frame_hw, str(folder))


def read_track_folder(folder: str | os.PathLike, frame_hw: tuple[int, int] | None = None) -> dict[int, np.ndarray]:
    """Every track's (T, 19, 3) J19 sequence of a pose folder, main first (:func:`rib.tracks.read_tracks`: people
    without ids are linked); empty when nobody is found. Refuses an incomplete folder; ``frame_hw`` as
    :func:`read_pose_folder`."""
    refuse_incomplete(folder)
    tracks = read_tracks(list_poses(folder))
    if frame_hw is None:
        return tracks
    return {track: fit_to_frame(poses, frame_hw, f"{folder} (track {track})") for track, poses in tracks.items()}


def outside(poses: np.ndarray, frame_hw: tuple[int, int], margin: float = 0.0) -> np.ndarray:
    """Boolean (..., 19) of the visible joints more than ``margin`` frame sizes outside a (height, width) frame."""
    height, width = frame_hw
    x, y = poses[..., 0], poses[..., 1]
    far = ((x < -margin * width) | (x > (1 + margin) * width) | (y < -margin * height)
           | (y > (1 + margin) * height))
    return far & (poses[..., 2] > 0)


def fit_to_frame(poses: np.ndarray, frame_hw: tuple[int, int], where: str) -> np.ndarray:
    """``poses`` with the joints :data:`FAR_OUTSIDE` the frame dropped (logged), and a warning when many visible
    joints lie outside the frame (poses made for frames of another size); ``where`` names the poses."""
    far = outside(poses, frame_hw, FAR_OUTSIDE)
    visible = int((poses[..., 2] > 0).sum())
    off_frame = int(outside(poses, frame_hw).sum())
    height, width = frame_hw
    if visible and off_frame > OTHER_SIZE_SHARE * visible:
        LOG.warning("%s: %d of %d joints lie outside the %dx%d frames; were these poses made for frames of another "
                    "size?", where, off_frame, visible, width, height)
    if far.any():
        LOG.warning("%s: %d joint(s) lie more than a frame size outside the %dx%d frames; dropped as detector "
                    "outliers", where, int(far.sum()), width, height)
        poses = poses.copy()
        poses[far] = 0.0
    return poses


def write_pose_folder(folder: str | os.PathLike, poses: np.ndarray, overwrite: bool = False) -> list[Path]:
    """Write a (T, 19, 3) sequence as ``%06d_keypoints.json`` files; refuses to replace files unless ``overwrite``."""
    folder = prepare_output_dir(folder, overwrite, pattern=KEYPOINTS_PATTERN)
    paths = [folder / keypoint_filename(t) for t in range(len(poses))]
    with writing_folder(folder, "the command writing these poses"):
        for path, pose in zip(paths, poses):
            write_people(path, [j19_to_person(pose)] if (pose[:, 2] > 0).any() else [])
    return paths
