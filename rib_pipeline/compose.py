"""Which upsampled frames are rendered, and the final frame sequence: keyframes, rendered frames, untouched
backgrounds where no person was found, and the nearer input frame across scene cuts."""
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
    REPEATED = "repeated across a scene cut"


def frame_kinds(input_poses: np.ndarray, predicted: np.ndarray, rate: int, cuts: Sequence[int]) -> list[Kind]:
    """The :class:`Kind` of each of the (N-1)R+1 upsampled frames.

    An in-between frame is rendered only when both of its input frames show a person and its predicted pose does;
    otherwise it is the background interpolation, untouched. Across a cut it is the nearer input frame.
    """
    found = [has_person(pose) for pose in input_poses]
    kinds = []
    for index, pose in enumerate(predicted):
        interval, step = divmod(index, rate)
        if step == 0:
            kinds.append(Kind.KEYFRAME)
        elif interval in cuts:
            kinds.append(Kind.REPEATED)
        elif found[interval] and found[interval + 1] and has_person(pose):
            kinds.append(Kind.RENDERED)
        else:
            kinds.append(Kind.BACKGROUND)
    return kinds


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
