"""Several people in one clip: who is rendered (``--people``), in which order (back to front, per input interval),
and the layered rendering that draws each person over the frame with the people behind already drawn."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

import numpy as np
from tqdm import tqdm

from rib.frames import read_image, write_image
from rib.joints import NUM_J19
from rib.openpose import UNTRACKED
from rib.person import has_person

PEOPLE_CHOICES = ("all", "main")
"""``--people``: every tracked person, or the clip's main person alone."""
FEET = (11, 14, 15, 16)
"""J19 RAnkle, LAnkle, LBigToe, RBigToe: the lower a person's feet in the image, the nearer the camera."""


def choose_tracks(tracks: dict[int, np.ndarray], people: str, num_frames: int) -> dict[int, np.ndarray]:
    """The tracks to upsample and render, main first: all, or the main one (``people``); a clip where nobody was
    found keeps one all-zero track (:data:`~rib.openpose.UNTRACKED`), so every stage still runs as for one person."""
    if not tracks:
        return {UNTRACKED: np.zeros((num_frames, NUM_J19, 3))}
    return dict(list(tracks.items())[:1]) if people == "main" else dict(tracks)


def depth(pose: np.ndarray) -> tuple[float, float]:
    """How near the camera a (19, 3) pose is: the image height of its lowest foot (of its lowest joint when no
    foot is seen), then its size (bbox diagonal) to break ties; larger is nearer."""
    seen = pose[:, 2] > 0
    if not seen.any():
        return -np.inf, 0.0
    feet = [joint for joint in FEET if seen[joint]]
    lowest = float(pose[feet or np.flatnonzero(seen), 1].max())
    xy = pose[seen, :2]
    return lowest, float(np.hypot(*(xy.max(axis=0) - xy.min(axis=0))))


def back_to_front(inputs: np.ndarray, drawn: np.ndarray, rate: int) -> list[list[int]]:
    """For every input interval, the people (indices into the (P, N, 19, 3) ``inputs``) drawn in it, farthest first
    (:func:`depth` averaged over the interval's two input frames)."""
    order = []
    for interval in range(inputs.shape[1] - 1):
        frames = slice(interval * rate + 1, (interval + 1) * rate)
        present = [person for person in range(len(inputs)) if drawn[person, frames].any()]
        order.append(sorted(present, key=lambda person: tuple(np.mean(
            [depth(inputs[person, interval]), depth(inputs[person, interval + 1])], axis=0))))
    return order


def intervals_showing(tracks: Sequence[np.ndarray]) -> frozenset[int]:
    """The input intervals (by first input frame) where any of ``tracks`` ((N, 19, 3) input poses each) shows a
    person in either input frame."""
    shown: set[int] = set()
    for poses in tracks:
        seen = [has_person(pose) for pose in poses]
        shown |= {k for k in range(len(seen) - 1) if seen[k] or seen[k + 1]}
    return frozenset(shown)


def render_layers(renderer, plans: Sequence, drawn: np.ndarray, order: list[list[int]], out_dir: Path,
                  batch_size: int, shared: frozenset[int] = frozenset()) -> list[Path]:
    """Render every person over the frames, back to front: layer ``k`` draws, in every interval, the ``k``-th
    farthest person (``order``) over the frame the layers before made (the background interpolation at first).

    ``plans[p]`` is person ``p``'s ``ClipPlan`` (its poses; keyframes, backgrounds and names shared); ``renderer``
    a ``ClipRenderer``. Only frames where the person is ``drawn`` are written. Intervals with several people, or
    the ``shared`` ones (people tracked but not rendered are in a keyframe: :func:`intervals_showing`), are marked
    ``crowded`` in the plans.
    Returns the written frames.
    """
    keyframes = [read_image(path) for path in plans[0].keyframes]
    current = list(plans[0].backgrounds)
    written: set[int] = set()
    layers = max((len(people) for people in order), default=0)
    crowded = frozenset(k for k, people in enumerate(order) if len(people) > 1) | shared
    with tqdm(total=int(drawn.sum()), desc="rendering", unit="frame") as bar:
        for layer in range(layers):
            layered = [dataclasses.replace(plan, backgrounds=list(current), crowded=crowded) for plan in plans]
            for person, plan in enumerate(layered):
                starts = [k for k, people in enumerate(order) if len(people) > layer and people[layer] == person]
                for first in range(0, len(starts), batch_size):
                    for index, frame in renderer.segments(plan, starts[first:first + batch_size], keyframes):
                        if drawn[person, index]:
                            current[index] = out_dir / plan.outputs[index]
                            write_image(current[index], frame)
                            written.add(index)
                            bar.update()
    return [out_dir / plans[0].outputs[index] for index in sorted(written)]
