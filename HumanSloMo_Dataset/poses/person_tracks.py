"""Keeping people from frame to frame: duplicate people (one person found from two windows) merged, and each
person given a stable track id by matching joint boxes with where each track is expected (its last box moved by
its last step) and, given the frame, their clothes' colours with the track's, nearest first, so that two people
crossing or walking side by side keep their ids."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from HumanSloMo_Dataset.poses.windows import joint_box
from rib.openpose import Person

DUPLICATE_DISTANCE = 0.15
"""Two people whose body joints seen in both lie this close (median, in body box heights) are one person."""
MIN_SHARED_JOINTS = 3
FACE = [0, 15, 16, 17, 18]
"""BODY_25 nose, eyes and ears."""
MATCH_DISTANCE = 0.6
"""A person continues a track if their box centre is within this many box heights of where the track is expected
(and the heights differ by less than :data:`MAX_HEIGHT_RATIO`)."""
MAX_HEIGHT_RATIO = 1.8
LOOK_WEIGHT = 2.0
"""Weight of the colour distance (0..1) against the box distance (in box heights) when matching."""
LOOK_MEMORY = 0.7
"""A track's look is this much its past look and the rest the last frame's."""
COLOUR_BINS = 8
STEP_SMOOTHING = 0.5
"""A track's step is this much its previous step and the rest the last one (so one wrong match cannot fling it)."""
MAX_MISSED = 3
"""A track not seen in this many consecutive frames is ended (its id is never reused)."""


def body_box(person: Person) -> np.ndarray | None:
    """(x0, y0, x1, y1) of the person's visible body joints."""
    return joint_box(person.body)


def _area(box: np.ndarray) -> float:
    return float(max(box[2] - box[0], 1.0) * max(box[3] - box[1], 1.0))


def _intersection(first: np.ndarray, second: np.ndarray) -> float:
    """Area two boxes share (0 when they do not meet)."""
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    return float(width * height) if width > 0 and height > 0 else 0.0


def overlap(first: np.ndarray, second: np.ndarray) -> float:
    """Intersection of two boxes over the smaller one's area (0..1)."""
    return _intersection(first, second) / min(_area(first), _area(second))


def intersection_over_union(first: np.ndarray, second: np.ndarray) -> float:
    """Intersection of two boxes over their union (0..1)."""
    shared = _intersection(first, second)
    return shared / (_area(first) + _area(second) - shared)


def _score(person: Person) -> float:
    return float(person.body[:, 2].sum())


def _shown_by_both(first: Person, second: Person, joints: np.ndarray) -> np.ndarray:
    """Those of the body ``joints`` (indices) that both poses show."""
    return joints[(first.body[joints, 2] > 0) & (second.body[joints, 2] > 0)]


def _lie_close(first: Person, second: Person, joints: np.ndarray) -> bool:
    """Whether the two poses' ``joints`` lie within :data:`DUPLICATE_DISTANCE` of the taller body box (median)."""
    distance = np.median(np.linalg.norm(first.body[joints, :2] - second.body[joints, :2], axis=1))
    return bool(distance < DUPLICATE_DISTANCE * max(box[3] - box[1] for box in (body_box(first), body_box(second))))


def same_person(first: Person, second: Person) -> bool:
    """Whether two poses are one person: the joints both show lie within :data:`DUPLICATE_DISTANCE` of the taller
    body box (median), or, with fewer than :data:`MIN_SHARED_JOINTS` such joints, their boxes overlap by half."""
    shared = _shown_by_both(first, second, np.arange(len(first.body)))
    if len(shared) < MIN_SHARED_JOINTS:
        return overlap(body_box(first), body_box(second)) >= 0.5
    return _lie_close(first, second, shared)


def same_face(first: Person, second: Person) -> bool:
    """Whether two poses put the face in one place (two people cannot): the face points both show lie within
    :data:`DUPLICATE_DISTANCE` of the taller body box (median), whatever their bodies say."""
    shared = _shown_by_both(first, second, np.array(FACE))
    return len(shared) > 0 and _lie_close(first, second, shared)


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
    look: np.ndarray | None = None
    """The person's colours (:func:`colours`), averaged over the frames seen; None without images."""

    def expected(self) -> np.ndarray:
        """Where the box should be now: moved by its last step for every frame since it was seen."""
        return self.box + self.step * (self.missed + 1)


def colours(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    """A person's look: the normalised :data:`COLOUR_BINS`-per-channel RGB histogram of the middle of their joint
    box (its central half across, where the clothes are rather than the background)."""
    x0, y0, x1, y1 = box
    quarter = (x1 - x0) / 4
    rows = slice(int(max(y0, 0)), int(max(y1, y0 + 1)))
    cols = slice(int(max(x0 + quarter, 0)), int(max(x1 - quarter, x0 + quarter + 1)))
    pixels = image[rows, cols, :3].reshape(-1, 3).astype(np.int64) * COLOUR_BINS // 256
    if len(pixels) == 0:
        return np.full(COLOUR_BINS ** 3, COLOUR_BINS ** -3.0)
    index = (pixels[:, 0] * COLOUR_BINS + pixels[:, 1]) * COLOUR_BINS + pixels[:, 2]
    return np.bincount(index, minlength=COLOUR_BINS ** 3) / len(pixels)


def look_distance(first: np.ndarray | None, second: np.ndarray | None) -> float:
    """1 - histogram intersection of two looks (0: same colours, 1: none shared); 0 when either is unknown."""
    if first is None or second is None:
        return 0.0
    return float(1.0 - np.minimum(first, second).sum())


def _cost(track: Track, box: np.ndarray, look: np.ndarray | None) -> float:
    """Distance of box centres in the larger box height plus :data:`LOOK_WEIGHT` times the look distance;
    infinite when the sizes are too different or the box is too far."""
    expected = track.expected()
    heights = np.array([expected[3] - expected[1], box[3] - box[1]]).clip(min=1.0)
    if heights.max() / heights.min() > MAX_HEIGHT_RATIO:
        return np.inf
    centre = (expected[:2] + expected[2:]) / 2 - (box[:2] + box[2:]) / 2
    distance = float(np.hypot(*centre) / heights.max())
    return distance + LOOK_WEIGHT * look_distance(track.look, look) if distance <= MATCH_DISTANCE else np.inf


def _mix(average: np.ndarray | None, look: np.ndarray | None) -> np.ndarray | None:
    if average is None or look is None:
        return look
    return LOOK_MEMORY * average + (1 - LOOK_MEMORY) * look


class Tracker:
    """Gives each person a track id that stays theirs over the frames of a clip."""

    def __init__(self) -> None:
        self.tracks: list[Track] = []
        self._next_id = 0

    def reset(self) -> None:
        self.tracks, self._next_id = [], 0

    def update(self, people: list[Person], image: np.ndarray | None = None) -> list[Person]:
        """``people`` (each with a body box) with their track ids set; tracks not seen age and end. With the frame
        (``image``), people are also matched by their colours."""
        boxes = [body_box(person) for person in people]
        looks = [None if image is None else colours(image, box) for box in boxes]
        pairs = sorted((_cost(track, box, look), t, p) for t, track in enumerate(self.tracks)
                       for p, (box, look) in enumerate(zip(boxes, looks)))
        track_of: dict[int, int] = {}
        used: set[int] = set()
        for cost, t, p in pairs:
            if cost < np.inf and t not in used and p not in track_of:
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
                track.look = _mix(track.look, looks[p])
            else:
                track = Track(self._next_id, box, look=looks[p])
                self._next_id += 1
                self.tracks.append(track)
                used.add(len(self.tracks) - 1)
            result.append(replace(person, track=track.track_id))
        for index, track in enumerate(self.tracks):
            if index not in used:
                track.missed += 1
        self.tracks = [track for track in self.tracks if track.missed < MAX_MISSED]
        return result
