"""The one person-selection rule used by every stage (keep the same person across frames), and the one warning every
stage gives for a clip where few frames show a person."""
from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from rib.openpose import Person

MIN_CONFIDENCE = 0.1
"""A BODY_25 joint counts as detected above this confidence."""
MIN_JOINTS = 4
"""A person needs at least this many detected joints among BODY_25 0-14 to be considered."""
MAX_TRACK_JUMP = 1.0
"""Tracking gives up (falls back to the largest person) past this jump, in units of the previous bbox diagonal."""


def _core(person: Person) -> tuple[np.ndarray, np.ndarray]:
    points = person.body[:15]
    return points[:, :2], points[:, 2] > MIN_CONFIDENCE


def bbox_area(person: Person) -> float:
    """Area of the bounding box of the detected core joints (0 if fewer than two)."""
    xy, valid = _core(person)
    if valid.sum() < 2:
        return 0.0
    size = xy[valid].max(axis=0) - xy[valid].min(axis=0)
    return float(size[0] * size[1])


def has_person(pose: np.ndarray) -> bool:
    """Whether a (19, 3) J19 pose shows a person: at least :data:`MIN_JOINTS` joints with positive confidence.

    The one rule for "this frame has a person": the renderer draws a person only then, and the pipeline counts it.
    """
    return int((pose[:, 2] > 0).sum()) >= MIN_JOINTS


def qualifies(person: Person) -> bool:
    """Whether ``person`` has enough detected core joints to be a candidate."""
    return int(_core(person)[1].sum()) >= MIN_JOINTS


def track_distance(person: Person, previous: Person) -> float:
    """Median distance of the core joints both detected (one outlier joint does not break a track), in units of
    ``previous``'s bbox diagonal (inf if none)."""
    xy, valid = _core(person)
    prev_xy, prev_valid = _core(previous)
    both = valid & prev_valid
    if not both.any():
        return np.inf
    extent = prev_xy[prev_valid].max(axis=0) - prev_xy[prev_valid].min(axis=0)
    diagonal = max(float(np.hypot(*extent)), 1.0)
    return float(np.median(np.linalg.norm(xy[both] - prev_xy[both], axis=1)) / diagonal)


def select_person(people: Sequence[Person], previous: Person | None = None) -> Person | None:
    """Pick the subject of a frame: the candidate nearest ``previous`` when tracking, else the largest one.

    Candidates have at least :data:`MIN_JOINTS` core joints above :data:`MIN_CONFIDENCE`. Returns ``None`` if no
    person qualifies.
    """
    candidates = [p for p in people if qualifies(p)]
    if not candidates:
        return None
    if previous is not None:
        distances = [track_distance(p, previous) for p in candidates]
        best = int(np.argmin(distances))
        if distances[best] <= MAX_TRACK_JUMP:
            return candidates[best]
    return max(candidates, key=bbox_area)


BACKGROUND_ONLY = "frames without a person are rendered as the untouched background interpolation"
"""What the warp-blend renderer (and so ``rib interpolate``) makes of a frame whose pose shows no person."""


def few_people_warning(seen: int, total: int, if_none: str, if_few: str) -> str | None:
    """The warning for a clip whose poses show a person in ``seen`` of ``total`` frames, fewer than half; ``None`` when
    at least half do. ``if_none`` / ``if_few`` say what the stage makes of that (no person at all / a few)."""
    if seen == 0:
        return f"no person detected in any frame; {if_none}; check the pose step's output"
    if 2 * seen < total:
        return f"a person was detected in only {seen} of {total} frames; {if_few}; check the pose step's output"
    return None


def warn_if_few_people(log: logging.Logger, clip: object, seen: Sequence[bool], if_none: str, if_few: str) -> None:
    """Log :func:`few_people_warning` once for ``clip`` (a name or folder), if it applies; ``seen[i]`` says whether
    frame ``i`` shows a person."""
    message = few_people_warning(int(sum(seen)), len(seen), if_none, if_few)
    if message is not None:
        log.warning("%s: %s", clip, message)
