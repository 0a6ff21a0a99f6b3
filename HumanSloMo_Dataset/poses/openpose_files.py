"""Match OpenPose's per-frame ``*_keypoints.json`` outputs of one clip to the clip's frames.

OpenPose names its files ``<image stem>_keypoints.json`` when run on an image folder and
``<video name>_<12-digit frame number>_keypoints.json`` when run on a video; the first are matched by name, the
second by order (one file per frame). Files that match some frames by name but not all are an error: matching
those by order would give frames the poses of others.
"""
from __future__ import annotations

from pathlib import Path

from rib.errors import RIBError
from rib.frames import list_poses
from rib.names import KEYPOINTS_SUFFIX


def keypoint_files(folder: Path) -> list[Path]:
    """OpenPose keypoint files of ``folder`` in frame order."""
    files = [path for path in list_poses(folder, allow_empty=True) if path.name.endswith(KEYPOINTS_SUFFIX)]
    if not files:
        raise RIBError(f"{folder}: no OpenPose *{KEYPOINTS_SUFFIX} files found")
    return files


def _some(names: list[str], shown: int = 3) -> str:
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")


def match_frames(folder: Path, frames: list[Path]) -> list[Path]:
    """The keypoint file of each frame: ``<frame stem>_keypoints.json`` if every frame has one, by order if no
    frame has one (OpenPose run on a video) and the counts agree; a partial match raises :class:`RIBError`."""
    files = keypoint_files(folder)
    by_name = {path.name: path for path in files}
    named = [by_name.get(frame.stem + KEYPOINTS_SUFFIX) for frame in frames]
    if all(path is not None for path in named):
        return named
    if any(path is not None for path in named):
        unmatched_frames = [frame.name for frame, path in zip(frames, named) if path is None]
        unmatched_files = sorted(set(by_name) - {frame.stem + KEYPOINTS_SUFFIX for frame in frames})
        raise RIBError(f"{folder}: only {len(frames) - len(unmatched_frames)} of {len(frames)} frames have a "
                       f"<frame name>{KEYPOINTS_SUFFIX} file; no file for {_some(unmatched_frames)}"
                       + (f"; files of no frame: {_some(unmatched_files)}" if unmatched_files else ""))
    if len(files) == len(frames):
        return files
    raise RIBError(f"{folder}: {len(files)} keypoint files for {len(frames)} frames, and their names are not "
                   f"<frame name>{KEYPOINTS_SUFFIX}: cannot tell which file belongs to which frame")
