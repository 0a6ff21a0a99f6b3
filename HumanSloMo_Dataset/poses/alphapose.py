"""Read AlphaPose outputs of one clip, in any of the formats AlphaPose writes, as BODY_25 + hands people per frame.

Formats, detected automatically:

- the default ``alphapose-results.json``: a COCO-style list for the whole folder, one entry per detected person,
  ``{"image_id": "<frame file name>", "keypoints": [x, y, score] * K, "score": ..., "idx": ...}`` with K = 17
  (COCO), 26 (Halpe), 68 (Halpe without face), 133 (COCO-WholeBody) or 136 (Halpe full body, with hands);
- ``--format open``: ``alphapose-results.json`` is a dict ``{image_id: {"people": [{"pose_keypoints_2d": ...}]}}``
  with OpenPose's 18-point COCO layout, and ``sep-json/<frame stem>.json`` holds the same per frame;
- per-frame OpenPose-like files (``<frame stem>.json``) with 18 points or full BODY_25 + hands (the reference's
  modified AlphaPose).

Frames that AlphaPose saw no one in have no entry: they get no people.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import numpy as np

from HumanSloMo_Dataset.poses.layouts import ALPHAPOSE_LAYOUTS, OPENPOSE_COCO_18, to_person
from rib.errors import RIBError
from rib.frames import list_poses
from rib.openpose import Person, parse_people, read_json

RESULTS_NAME = "alphapose-results.json"
SEPARATE_DIR = "sep-json"

PeopleByFrame = dict[str, list[Person]]
"""People per frame, keyed by the frame's file stem (``frame00012``)."""


def _image_key(image_id: object, path: Path) -> str:
    if isinstance(image_id, bool) or not isinstance(image_id, (str, int)):
        raise RIBError(f"{path}: 'image_id' must be a file name or a number, got {image_id!r}")
    return Path(image_id).stem if isinstance(image_id, str) else str(image_id)


def _keypoints(values: object, path: Path, where: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise RIBError(f"{path}: {where}: keypoints are not numbers") from None
    if array.ndim != 1 or array.size % 3 or not np.all(np.isfinite(array)):
        raise RIBError(f"{path}: {where}: keypoints must be a flat list of finite (x, y, score) triples")
    return array.reshape(-1, 3)


def parse_results_list(entries: list, path: Path) -> PeopleByFrame:
    """People per frame of AlphaPose's default COCO-style results (one entry per detected person)."""
    people: PeopleByFrame = {}
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict) or "image_id" not in entry or "keypoints" not in entry:
            raise RIBError(f"{path}: entry {number} is not an AlphaPose result (needs 'image_id' and 'keypoints')")
        points = _keypoints(entry["keypoints"], path, f"entry {number}")
        layout = ALPHAPOSE_LAYOUTS.get(len(points))
        if layout is None:
            known = ", ".join(str(count) for count in sorted(ALPHAPOSE_LAYOUTS))
            raise RIBError(f"{path}: entry {number} has {len(points)} keypoints; known layouts have {known}")
        people.setdefault(_image_key(entry["image_id"], path), []).append(to_person(points, layout))
    return people


def parse_frame(data: object, path: Path) -> list[Person]:
    """People of one OpenPose-like frame object: AlphaPose's 18-point ``--format open`` or full BODY_25 + hands."""
    people = data.get("people") if isinstance(data, dict) else None
    if isinstance(people, list) and people and all(
            isinstance(person, dict) and len(person.get("pose_keypoints_2d", ())) == 3 * OPENPOSE_COCO_18.num_points
            for person in people):
        return [to_person(_keypoints(person["pose_keypoints_2d"], path, "pose_keypoints_2d"), OPENPOSE_COCO_18)
                for person in people]
    return parse_people(data, path)


def parse_results_file(path: Path) -> PeopleByFrame:
    """People per frame of a whole-folder ``alphapose-results.json`` (default or ``--format open``)."""
    data = read_json(path)
    if isinstance(data, list):
        return parse_results_list(data, path)
    if isinstance(data, dict) and all(isinstance(value, dict) for value in data.values()):
        return {_image_key(image_id, path): parse_frame(frame, path) for image_id, frame in data.items()}
    raise RIBError(f"{path}: not an AlphaPose results file (expected a list of detections or a dict of frames)")


def parse_frame_files(files: Iterable[Path]) -> PeopleByFrame:
    """People per frame of per-frame files named after the frames (``sep-json/<frame stem>.json``)."""
    return {path.stem: parse_frame(read_json(path), path) for path in files}


def load_alphapose(source: Path) -> PeopleByFrame:
    """People per frame of one clip's AlphaPose output: a results file, or a folder holding one of the formats."""
    source = Path(source)
    if source.is_file():
        return parse_results_file(source)
    if (source / RESULTS_NAME).is_file():
        return parse_results_file(source / RESULTS_NAME)
    if (source / SEPARATE_DIR).is_dir():
        return parse_frame_files(list_poses(source / SEPARATE_DIR))
    if source.is_dir():
        return parse_frame_files(list_poses(source))
    raise RIBError(f"{source}: AlphaPose output not found (expected {RESULTS_NAME}, {SEPARATE_DIR}/ or per-frame "
                   "JSON files)")


def _trailing_number(stem: str) -> str | None:
    match = re.search(r"(\d+)$", stem)
    return str(int(match.group(1))) if match else None


def people_for_frames(people: PeopleByFrame, frames: list[Path], source: Path) -> list[list[Person]]:
    """Match AlphaPose's entries to ``frames`` by file name (or by frame number for numeric image ids)."""
    def lookup(frame: Path) -> list[Person] | None:
        if frame.stem in people:
            return people[frame.stem]
        number = _trailing_number(frame.stem)
        return people.get(number) if number is not None else None

    matched = [lookup(frame) for frame in frames]
    if people and all(entry is None for entry in matched):
        example = next(iter(people))
        raise RIBError(f"{source}: no entry matches the frame names (AlphaPose has '{example}', the frames are "
                       f"'{frames[0].stem}' ...): is this the output of this clip?")
    return [entry or [] for entry in matched]
