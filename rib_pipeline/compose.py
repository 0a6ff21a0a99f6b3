"""Which upsampled frames are rendered (and which people in each), and the final frame sequence: keyframes,
rendered frames, untouched backgrounds where no person was found, and the nearer input frame across scene cuts."""
from __future__ import annotations

from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from rib.atomic import write_bytes
from rib.frames import read_image
from rib.person import has_person
from rib_pipeline.layout import WorkLayout


class Kind(str, Enum):
    """How an upsampled frame is made."""

    KEYFRAME = "keyframe"
    RENDERED = "rendered"
    BACKGROUND = "background only (no person)"
    SELF_CHECKED = "background (the renderer failed the self-check)"
    REPEATED = "repeated across a scene cut"


def _with_people_axis(poses: np.ndarray) -> np.ndarray:
    """(T, 19, 3) poses of one person as (1, T, 19, 3); (P, T, 19, 3) as they are."""
    poses = np.asarray(poses)
    return poses[None] if poses.ndim == 3 else poses


def drawn_people(input_poses: np.ndarray, predicted: np.ndarray, rate: int, cuts: Sequence[int]) -> np.ndarray:
    """Boolean (P, (N-1)R+1): where each person is drawn, from the (P, N, 19, 3) input and (P, (N-1)R+1, 19, 3)
    predicted poses of P people (one person's (N, 19, 3) / ((N-1)R+1, 19, 3) poses are accepted too).

    A person is drawn in an in-between frame only when both of its input frames show that person and its predicted
    pose does; never in keyframes nor across a scene cut.
    """
    inputs, predicted = _with_people_axis(input_poses), _with_people_axis(predicted)
    found = np.array([[has_person(pose) for pose in person] for person in inputs], dtype=bool).reshape(len(inputs), -1)
    drawn = np.zeros(predicted.shape[:2], dtype=bool)
    for index in range(predicted.shape[1]):
        interval, step = divmod(index, rate)
        if step == 0 or interval in cuts:
            continue
        for person in range(len(predicted)):
            drawn[person, index] = (found[person, interval] and found[person, interval + 1]
                                    and has_person(predicted[person, index]))
    return drawn


def frame_kinds(input_poses: np.ndarray, predicted: np.ndarray, rate: int, cuts: Sequence[int]) -> list[Kind]:
    """The :class:`Kind` of each of the (N-1)R+1 upsampled frames, for one person's poses or P people's (as
    :func:`drawn_people` takes them).

    An in-between frame is rendered when at least one person is drawn there (:func:`drawn_people`); otherwise it is
    the background interpolation, untouched. Across a cut it is the nearer input frame.
    """
    return kinds_of_drawn(drawn_people(input_poses, predicted, rate, cuts), rate, cuts)


def kinds_of_drawn(drawn: np.ndarray, rate: int, cuts: Sequence[int]) -> list[Kind]:
    """:func:`frame_kinds` from :func:`drawn_people`'s (P, (N-1)R+1) answer."""
    kinds = []
    for index, any_drawn in enumerate(drawn.any(axis=0)):
        interval, step = divmod(index, rate)
        if step == 0:
            kinds.append(Kind.KEYFRAME)
        elif interval in cuts:
            kinds.append(Kind.REPEATED)
        else:
            kinds.append(Kind.RENDERED if any_drawn else Kind.BACKGROUND)
    return kinds


def self_check_failed(kinds: Sequence[Kind]) -> list[Kind]:
    """The kinds once the renderer failed its self-check: the frames it would render are their backgrounds."""
    return [Kind.SELF_CHECKED if kind is Kind.RENDERED else kind for kind in kinds]


def count_kinds(kinds: Sequence[Kind]) -> dict[str, int]:
    """How many frames of each kind (in :class:`Kind`'s order, kinds that occur only)."""
    counts = Counter(kinds)
    return {kind.value: counts[kind] for kind in Kind if counts[kind]}


def finish_generated(layout: WorkLayout, names: Sequence[str], kinds: Sequence[Kind]) -> list[Path]:
    """Make ``Generated_frames/<clip>`` the final sequence: every frame that is not rendered is its background
    file, byte for byte (keyframes and cut repeats are input frames there already). Returns the files in order."""
    layout.generated.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, kind in zip(names, kinds):
        target = layout.generated / name
        if kind is not Kind.RENDERED:
            write_bytes(target, (layout.backgrounds / name).read_bytes())
        paths.append(target)
    return paths


def output_frames(paths: Sequence[Path], indices: Sequence[int]) -> Iterator[np.ndarray]:
    """The frames of ``paths`` at ``indices`` (each file read once per run of equal indices)."""
    last_index, frame = None, None
    for index in indices:
        if index != last_index:
            frame, last_index = read_image(paths[index]), index
        yield frame
