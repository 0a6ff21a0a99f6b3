"""Several people in one clip, and the far camera: who joins the first actor, where they stand, how the camera sees
them all.

Each extra person is another identity of the clip's split (a body no other person of the clip has) doing another
DeepMimic motion of the same split from a random start (the first actor's motion when no other is long enough).
For every camera path tried, the extra people are put beside and behind (or a little in front of) the first one as
seen from that camera, so their paths cross in the image now and then; the camera follows the group's centre. A
path is taken when every joint of every person stays ``margin`` pixels inside the frame and, with a height range
(the far camera), every person's apparent standing height stays in it in every frame. People are then numbered by
their apparent size (track 0 = the largest on average), which is the order the clip's files list them in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from HumanSloMo_Dataset.synth.actor import HumanActor
from HumanSloMo_Dataset.synth.body import BodyPool
from HumanSloMo_Dataset.synth.camera import CameraFrame, CameraPath, camera_frames, frame_margin, sample_path
from rib import deepmimic

CAMERAS = ("near", "far")
"""``near``: people 1/6 to 2/3 of the frame height (today's clips); ``far``: every person 1/8 to 1/5 of it."""
FAR_PERSON_HEIGHT = (1 / 8, 1 / 5)
"""Apparent standing height of every person of a far-camera clip, as a fraction of the frame height."""
NEAR_GROUP_HEIGHT = (1 / 6, 2 / 5)
"""The first person's height fraction with the near camera and several people (room for the others)."""
DEPTH_SPREAD = (-0.1, 0.3)
"""An extra person stands this far behind the first one (negative: in front), times the camera distance."""
SIDE_SPREAD = (0.05, 0.3)
"""... and this far to the left or right of it, times the camera distance."""
GROUP_CAMERA_TRIES = 80
MAX_PEOPLE = 3


@dataclass(frozen=True)
class Staging:
    """The people of a clip in track order and the camera that films them."""

    actors: list[HumanActor]
    path: CameraPath
    cameras: list[CameraFrame]
    heights: np.ndarray
    """(people, frames) apparent standing height of each person as a fraction of the frame height."""
    order: list[int]
    """Which of the actors given to :func:`stage` (the first, then the others) each track is."""


Motions = Callable[[str], deepmimic.MotionClip]
"""A DeepMimic motion by name, at the ground-truth rate."""


def partner_motion(rng: np.random.Generator, motion: str, frames: list[int], motions: Motions
                   ) -> tuple[str, list[int]]:
    """Another motion of ``motion``'s split long enough for ``frames`` and the frames of it to use (a random start);
    ``motion`` itself and ``frames`` when no other is long enough."""
    span = frames[-1] - frames[0] + 1
    split = deepmimic.split_of(motion)
    others = [name for name in deepmimic.clip_paths() if name != motion and deepmimic.split_of(name) == split]
    for name in (others[i] for i in rng.permutation(len(others))):
        length = len(motions(name))
        if length >= span:
            start = int(rng.integers(0, length - span + 1))
            return name, [start + frame - frames[0] for frame in frames]
    return motion, list(frames)


def draw_partners(rng: np.random.Generator, pool: BodyPool, split: str, first: HumanActor, motion: str,
                  frames: list[int], people: int, motions: Motions) -> list[tuple[HumanActor, str, list[int]]]:
    """``people - 1`` extra actors (unplaced), each with its motion's name and frames; bodies all differ."""
    bodies, partners = {first.identity.body}, []
    for _ in range(people - 1):
        name, own_frames = partner_motion(rng, motion, frames, motions)
        for _ in range(20):  # another body of the split (the test split has a dozen)
            actor = HumanActor.draw(rng, pool, split, motions(name), own_frames)
            if actor.identity.body not in bodies:
                break
        bodies.add(actor.identity.body)
        partners.append((actor, name, own_frames))
    return partners


def place(rng: np.random.Generator, first: HumanActor, others: list[HumanActor], path: CameraPath
          ) -> list[HumanActor]:
    """``others`` moved to start beside and behind ``first`` as seen from ``path``'s first view."""
    azimuth = np.radians(path.azimuth)
    towards_camera = np.array([np.cos(azimuth), 0.0, np.sin(azimuth)])
    side = np.array([-np.sin(azimuth), 0.0, np.cos(azimuth)])
    placed = []
    for actor in others:
        depth = rng.uniform(*DEPTH_SPREAD) * path.distance
        across = rng.choice([-1.0, 1.0]) * rng.uniform(*SIDE_SPREAD) * path.distance
        start = first.roots[0] - depth * towards_camera + across * side
        offset = start - actor.roots[0]
        offset[1] = 0.0  # feet stay on the floor
        placed.append(actor.moved(offset))
    return placed


def apparent_heights(actors: list[HumanActor], cameras: list[CameraFrame]) -> np.ndarray:
    """(people, frames) standing height of each actor at its root's depth, as a fraction of the frame height."""
    heights = np.empty((len(actors), len(cameras)))
    for t, camera in enumerate(cameras):
        forward = camera.target - camera.eye
        forward /= np.linalg.norm(forward)
        focal = camera.projection[5] / 2.0  # 1 / (2 tan(fov / 2)): frame heights per metre at 1 m
        for k, actor in enumerate(actors):
            depth = float((actor.roots[t] - camera.eye) @ forward)
            heights[k, t] = actor.height * focal / depth if depth > 0 else np.inf
    return heights


def stage(rng: np.random.Generator, first: HumanActor, others: list[HumanActor], fps: float, width: int,
          height: int, margin: float, camera: str) -> tuple[Staging, bool]:
    """Place ``others`` around ``first`` and choose the camera (see the module docstring); also whether every rule
    was met (else the best try is returned)."""
    height_range = FAR_PERSON_HEIGHT if camera == "far" else None
    first_range = FAR_PERSON_HEIGHT if camera == "far" else NEAR_GROUP_HEIGHT
    best, best_score = None, None
    for _ in range(GROUP_CAMERA_TRIES):
        path = sample_path(rng)
        fraction = rng.uniform(*first_range)
        path.distance = first.height / (fraction * 2.0 * np.tan(np.radians(path.fov) / 2.0))
        actors = [first, *place(rng, first, others, path)]
        centre = np.mean([actor.roots for actor in actors], axis=0)
        cameras = camera_frames(path, centre, fps, width, height)
        points = np.concatenate([actor.body_points for actor in actors], axis=1)
        inside = min(frame_margin(view, frame_points) for view, frame_points in zip(cameras, points))
        heights = apparent_heights(actors, cameras)
        in_range = 0.0 if height_range is None else float(np.minimum(
            heights - height_range[0], height_range[1] - heights).min())
        score = (min(inside - margin, 0.0) + min(in_range * height, 0.0), inside)  # pixels short of the rules
        if best_score is None or score > best_score:
            best, best_score = Staging(actors, path, cameras, heights, list(range(len(actors)))), score
        if score[0] >= 0.0:
            break
    order = [int(k) for k in np.argsort(-best.heights.mean(axis=1), kind="stable")]
    ordered = Staging([best.actors[k] for k in order], best.path, best.cameras, best.heights[order], order)
    return ordered, best_score[0] >= 0.0
