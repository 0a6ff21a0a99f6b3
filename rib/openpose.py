"""OpenPose JSON: the one reader and the one writer of per-frame keypoint files (BODY_25 + hands)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from rib.atomic import write_text
from rib.errors import RIBError
from rib.names import KEYPOINTS_SUFFIX
from rib.textio import read_text

NUM_BODY = 25
NUM_HAND = 21
BODY25_NAMES = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist", "MidHip", "RHip", "RKnee",
    "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe",
    "RSmallToe", "RHeel",
)


UNTRACKED = -1
"""``person_id`` of a person no tracker has followed (what OpenPose itself writes)."""


def _zeros(n: int) -> np.ndarray:
    return np.zeros((n, 3), dtype=np.float64)


@dataclass
class Person:
    """One person's keypoints as (x, y, confidence) rows in pixels; confidence 0 marks a missing point."""

    body: np.ndarray = field(default_factory=lambda: _zeros(NUM_BODY))
    left_hand: np.ndarray = field(default_factory=lambda: _zeros(NUM_HAND))
    right_hand: np.ndarray = field(default_factory=lambda: _zeros(NUM_HAND))
    track: int = UNTRACKED
    """The person's track id (OpenPose's ``person_id``): the same id is the same person in every frame of a clip;
    :data:`UNTRACKED` (-1) when nobody linked the frames."""


def keypoint_filename(index: int) -> str:
    """The reference's per-frame output name, e.g. ``000012_keypoints.json``."""
    return f"{index:06d}{KEYPOINTS_SUFFIX}"


def _points(path: Path, person: dict, keys: Sequence[str], count: int) -> np.ndarray:
    values = next((person[k] for k in keys if k in person), None)
    if values is None or len(values) == 0:
        return _zeros(count)
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise RIBError(f"{path}: '{keys[0]}' holds non-numeric values") from None
    if array.ndim != 1 or array.size != 3 * count:
        raise RIBError(f"{path}: '{keys[0]}' has {array.size} numbers, expected {3 * count} ({count} x, y, c)")
    array = array.reshape(count, 3)
    if not np.all(np.isfinite(array)):
        raise RIBError(f"{path}: '{keys[0]}' holds NaN or infinite values")
    return array


def _track_id(path: Path, value: object) -> int:
    """OpenPose writes ``person_id`` as ``[-1]``; a bare integer is accepted too."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int) or value < UNTRACKED:
        raise RIBError(f"{path}: 'person_id' must be a track number >= 0 or -1, got {value!r}")
    return value


def parse_people(data: object, path: str | os.PathLike = "<json>") -> list[Person]:
    """Turn a decoded OpenPose JSON object into people; accepts ``pose_keypoints`` and ``pose_keypoints_2d``."""
    path = Path(path)
    if not isinstance(data, dict) or not isinstance(data.get("people", None), list):
        raise RIBError(f"{path}: not an OpenPose keypoint file (no 'people' list)")
    people = []
    for person in data["people"]:
        if not isinstance(person, dict):
            raise RIBError(f"{path}: an entry of 'people' is not an object")
        people.append(Person(
            body=_points(path, person, ("pose_keypoints_2d", "pose_keypoints"), NUM_BODY),
            left_hand=_points(path, person, ("hand_left_keypoints_2d", "hand_left_keypoints"), NUM_HAND),
            right_hand=_points(path, person, ("hand_right_keypoints_2d", "hand_right_keypoints"), NUM_HAND),
            track=_track_id(path, person.get("person_id", UNTRACKED)),
        ))
    return people


def read_json(path: str | os.PathLike) -> object:
    """Decode a JSON file; a missing, unreadable, non-UTF-8 or invalid file raises :class:`RIBError` naming it."""
    path = Path(path)
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise RIBError(f"{path}: invalid JSON ({error.msg} at line {error.lineno})") from None


def read_people(path: str | os.PathLike) -> list[Person]:
    """Read every person of one OpenPose JSON file; raises :class:`RIBError` naming the file if it is bad."""
    return parse_people(read_json(path), path)


def people_to_json(people: Sequence[Person]) -> dict:
    """The OpenPose 1.3 JSON object for ``people`` (face and 3D lists empty, ``person_id`` the track)."""

    def flat(points: np.ndarray) -> list[float]:
        return [round(float(v), 4) for v in np.asarray(points, dtype=np.float64).reshape(-1)]

    return {"version": 1.3, "people": [{
        "person_id": [int(p.track)],
        "pose_keypoints_2d": flat(p.body),
        "face_keypoints_2d": [],
        "hand_left_keypoints_2d": flat(p.left_hand),
        "hand_right_keypoints_2d": flat(p.right_hand),
        "pose_keypoints_3d": [],
        "face_keypoints_3d": [],
        "hand_left_keypoints_3d": [],
        "hand_right_keypoints_3d": [],
    } for p in people]}


def write_people(path: str | os.PathLike, people: Sequence[Person]) -> None:
    """Write ``people`` as one OpenPose JSON file, atomically."""
    write_text(path, json.dumps(people_to_json(people)))
