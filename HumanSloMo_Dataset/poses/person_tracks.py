"""Keeping people from frame to frame: duplicate people (one person found from two windows) merged, and each
person given a stable track id by matching joint boxes with where each track is expected (its last box moved by
its last step), so two people crossing keep their ids."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from HumanSloMo_Dataset.poses.windows import joint_box
from rib.openpose import Person

DUPLICATE_DISTANCE = 0.15
"""Two people whose body joints seen in both lie this close (median, in body box heights) are one person."""
MIN_SHARED_JOINTS = 3
MATCH_DISTANCE = 0.6
"""A person continues a track if their box centre is within this many box heights of where the track is expected
(and the heights differ by less than :data:`MAX_HEIGHT_RATIO`)."""
MAX_HEIGHT_RATIO = 1.8
STEP_SMOOTHING = 0.5
"""A track's step is this much its previous step and the rest the last one (so one wrong match cannot fling it)."""
MAX_MISSED = 3
"""A track not seen in this many consecutive frames is ended (its id is never reused)."""


def body_box(person: Person) -> np.ndarray | None:
    """(x0, y0, x1, y1) of the person's visible body joints."""
    return joint_box(person.body)


def _area(box: np.ndarray) -> float:
    return float(max(box[2] - box[0], 1.0) * max(box[3] - box[1], 1.0))


def overlap(first: np.ndarray, second: np.ndarray) -> float:
    """Intersection of two boxes over the smaller one's area (0..1)."""
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    if width <= 0 or height <= 0:
        return 0.0
    return float(width * height / min(_area(first), _area(second)))


def _score(person: Person) -> float:
    return float(person.body[:, 2].sum())


def same_person(first: Person, second: Person) -> bool:
    """Whether two poses are one person: the joints both show lie within :data:`DUPLICATE_DISTANCE` of the taller
    body box (median), or, with fewer than :data:`MIN_SHARED_JOINTS` such joints, their boxes overlap by half."""
    shared = (first.body[:, 2] > 0) & (second.body[:, 2] > 0)
    boxes = body_box(first), body_box(second)
    if shared.sum() < MIN_SHARED_JOINTS:
        return overlap(*boxes) >= 0.5
    distance = np.median(np.linalg.norm(first.body[shared, :2] - second.body[shared, :2], axis=1))
    return bool(distance < DUPLICATE_DISTANCE * max(box[3] - box[1] for box in boxes))


def merge_duplicates(people: list[Person]) -> list[Person]:
    """People with a body box, one per person: of each group that :func:`same_person` joins, the one with the most
    body confidence."""
    kept: list[Person] = []
    for person in sorted(people, key=lambda p: -_score(p)):
        if body_box(person) is not None and not any(same_person(person, other) for other in kept):
            kept.append(person)
    return kept


@dataclass
class Track:
    """A person followed over frames: their last body box, the step it made, and frames since it was seen."""

    track_id: int
    box: np.ndarray
    step: np.ndarray = field(default_factory=lambda: np.zeros(4))
    missed: int = 0
    fresh: bool = True
    """No step measured yet."""

    def expected(self) -> np.ndarray:
        """Where the box should be now: moved by its last step for every frame since it was seen."""
        return self.box + self.step * (self.missed + 1)


def _cost(track: Track, box: np.ndarray) -> float:
    """Distance of box centres in the larger box height; infinite when the sizes are too different."""
    expected = track.expected()
    heights = np.array([expected[3] - expected[1], box[3] - box[1]]).clip(min=1.0)
    if heights.max() / heights.min() > MAX_HEIGHT_RATIO:
        return np.inf
    centre = (expected[:2] + expected[2:]) / 2 - (box[:2] + box[2:]) / 2
    return float(np.hypot(*centre) / heights.max())


class Tracker:
    """Gives each person a track id that stays theirs over the frames of a clip."""

    def __init__(self) -> None:
        self.tracks: list[Track] = []
        self._next_id = 0

    def reset(self) -> None:
        self.tracks, self._next_id = [], 0

    def update(self, people: list[Person]) -> list[Person]:
        """``people`` (each with a body box) with their track ids set; tracks not seen age and end."""
        boxes = [body_box(person) for person in people]
        pairs = sorted((_cost(track, box), t, p) for t, track in enumerate(self.tracks) for p, box in enumerate(boxes))
        track_of: dict[int, int] = {}
        used: set[int] = set()
        for cost, t, p in pairs:
            if cost <= MATCH_DISTANCE and t not in used and p not in track_of:
                track_of[p] = t
                used.add(t)
        result = []
        for p, (person, box) in enumerate(zip(people, boxes)):
            if p in track_of:
                track = self.tracks[track_of[p]]
                step = (box - track.box) / (track.missed + 1)
                track.step = step if track.fresh else STEP_SMOOTHING * track.step + (1 - STEP_SMOOTHING) * step
                track.fresh = False
                track.box, track.missed = box, 0
            else:
                track = Track(self._next_id, box)
                self._next_id += 1
                self.tracks.append(track)
                used.add(len(self.tracks) - 1)
            result.append(replace(person, track=track.track_id))
        for index, track in enumerate(self.tracks):
            if index not in used:
                track.missed += 1
        self.tracks = [track for track in self.tracks if track.missed < MAX_MISSED]
        return result
