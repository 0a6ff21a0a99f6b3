"""Keeping each tracked person's legs on their sides from one frame to the next.

Seen from the side, a pose detector sometimes calls the right leg left in one frame and right in the next. The two
keyframes of an interval then disagree, the motion model moves each leg across to the other, and the renderer's warps
draw four legs. Going along a track, each frame's legs are compared with those of the last frame that has legs: when
they lie much nearer the other way round (:data:`SWAP_RATIO`), the frame's labels count as flipped against the last
frame's. The labelling most of the track's frames already have is kept, and the frames against it get their legs
swapped back.

The ratio was chosen on MediaPipe's poses of the human actor's training split (15 clips, inputs every 4th and every
8th frame: 535 intervals, 17 of them with keyframes that clearly disagree on the legs against the exact poses).
Disagreeing intervals left at ratios 1.0: 4; 0.9: 3; 0.8: 2; 0.75: 1 (17 mended, 1 spoiled); 0.7 to 0.6: 2; 0.5: 5;
0.4: 7. The labels become consistent, not always right: where a flip is missed, the stretch after it keeps the other
labelling (29 of the 584 frames end the wrong way round at 0.75, against 16 as detected). Arms are left alone: on the
same split the rule mended as many arm intervals as it spoiled.

Its known fault: legs that really cross between two far-apart frames look like a flip. On the exact poses of the 8
held-out motions (12 views each) it swaps legs in 3 of 96 views with inputs every 4th frame of 60 fps, 8 of 96 every
8th and 18 of 96 every 16th (a kick or a dance step), where each such view gets one or two intervals wrong.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

from rib.openpose import UNTRACKED, Person

RIGHT_LEG = (9, 10, 11, 22, 23, 24)
"""BODY_25 right hip, knee, ankle, big toe, small toe and heel."""
LEFT_LEG = (12, 13, 14, 19, 20, 21)
"""BODY_25 left hip, knee, ankle, big toe, small toe and heel."""
LEGS = list(RIGHT_LEG + LEFT_LEG)
SWAP_RATIO = 0.75
"""A frame's legs count as flipped against the last frame's when, paired the other way round, their joints lie
less than this fraction of the distance they lie paired as labelled."""
MIN_SHARED_JOINTS = 2
"""Fewer leg joints seen in both frames decide nothing (the labels are taken as they are)."""


def swap_legs(body: np.ndarray) -> np.ndarray:
    """A (25, 3) BODY_25 body with its right and left leg joints exchanged."""
    swapped = body.copy()
    swapped[LEGS] = body[list(LEFT_LEG + RIGHT_LEG)]
    return swapped


def _has_legs(body: np.ndarray) -> bool:
    """Whether the body shows at least MIN_SHARED_JOINTS leg joints (so a comparison can decide)."""
    return int((body[LEGS, 2] > 0).sum()) >= MIN_SHARED_JOINTS


def _mean_distance(first: np.ndarray, second: np.ndarray) -> float | None:
    """Mean distance of the leg joints seen in both bodies, None when fewer than MIN_SHARED_JOINTS are."""
    seen = (first[LEGS, 2] > 0) & (second[LEGS, 2] > 0)
    if seen.sum() < MIN_SHARED_JOINTS:
        return None
    return float(np.linalg.norm(first[LEGS, :2][seen] - second[LEGS, :2][seen], axis=1).mean())


def legs_flipped(previous: np.ndarray, current: np.ndarray) -> bool:
    """Whether ``current``'s legs lie much nearer ``previous``'s the other way round (both (25, 3) bodies)."""
    kept = _mean_distance(previous, current)
    crossed = _mean_distance(previous, swap_legs(current))
    return kept is not None and crossed is not None and crossed < SWAP_RATIO * kept


def frames_to_swap(bodies: Sequence[np.ndarray | None]) -> list[int]:
    """Indices of the frames of one track (its (25, 3) bodies, None where it is absent) whose legs disagree with
    the labelling most of its frames have."""
    flipped: dict[int, bool] = {}
    last = None
    for index, body in enumerate(bodies):
        if body is None or not _has_legs(body):
            continue
        flipped[index] = last is not None and flipped[last] != legs_flipped(bodies[last], body)
        last = index
    against_most = 2 * sum(flipped.values()) > len(flipped)
    return [index for index, flip in flipped.items() if flip != against_most]


def keep_leg_sides(frames: list[list[Person]]) -> tuple[list[list[Person]], int]:
    """Tracked people of a clip's frames with each track's legs kept on one labelling (:func:`frames_to_swap`);
    also returns how many people had their legs swapped back."""
    tracks = {person.track for people in frames for person in people} - {UNTRACKED}
    fixed = [list(people) for people in frames]
    swapped = 0
    for track in tracks:
        places = [next((i for i, person in enumerate(people) if person.track == track), None) for people in frames]
        bodies = [None if place is None else people[place].body for people, place in zip(frames, places)]
        for index in frames_to_swap(bodies):
            person = fixed[index][places[index]]
            fixed[index][places[index]] = replace(person, body=swap_legs(person.body))
            swapped += 1
    return fixed, swapped
