"""The human actor of one clip: a drawn identity, its body driven by the clip's motion, and its exact keypoints.

A clip may hold several actors (:func:`scene_of`, :func:`poses_of` render them together in one scene).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from HumanSloMo_Dataset.synth.body import BodyPool, PosableBody
from HumanSloMo_Dataset.synth.human_scene import HumanScene
from HumanSloMo_Dataset.synth.identity import Identity, paint_atlas, sample_identity
from HumanSloMo_Dataset.synth.retarget import retarget
from rib import deepmimic


@dataclass(frozen=True)
class HumanActor:
    """A person (identity and body) in the selected frames of a DeepMimic motion."""

    identity: Identity
    body: PosableBody
    rotations: np.ndarray
    """(T, B, 3, 3) world rotation of every bone, one row per selected frame."""
    roots: np.ndarray
    """(T, 3) root bone head positions."""
    body_points: np.ndarray
    """(T, 25, 3) OpenPose BODY_25 points (y up, metres)."""
    hand_points: np.ndarray
    """(T, 2, 21, 3) left and right OpenPose hand points."""

    @classmethod
    def draw(cls, rng: np.random.Generator, pool: BodyPool, split: str, clip: deepmimic.MotionClip,
             frames: list[int]) -> "HumanActor":
        """A random identity of ``split`` posed in ``frames`` of ``clip``."""
        identity = sample_identity(rng, pool, split)
        body = pool.bodies[identity.body]
        rotations, roots = retarget(body, clip, frames)
        points = [body.keypoints(*body.pose(rotation, root)) for rotation, root in zip(rotations, roots)]
        return cls(identity=identity, body=body, rotations=rotations, roots=roots,
                   body_points=np.stack([body_points for body_points, _ in points]),
                   hand_points=np.stack([hand_points for _, hand_points in points]))

    @property
    def height(self) -> float:
        """Standing height in metres (rest pose, soles to crown)."""
        return float(np.ptp(self.body.rest_vertices[:, 1]))

    def moved(self, offset: np.ndarray) -> "HumanActor":
        """The same actor and motion, every frame shifted by ``offset`` (3,) metres."""
        offset = np.asarray(offset, dtype=np.float64)
        return replace(self, roots=self.roots + offset, body_points=self.body_points + offset,
                       hand_points=self.hand_points + offset)

    def scene(self, floor: str) -> HumanScene:
        """A renderer for this actor on ``floor``."""
        return scene_of([self], floor)

    def poses(self) -> list[list[tuple[np.ndarray, np.ndarray]]]:
        """[(rotations, root)] of every selected frame, for :meth:`HumanScene.render`."""
        return poses_of([self])


def scene_of(actors: Sequence[HumanActor], floor: str) -> HumanScene:
    """One renderer for all ``actors`` on ``floor`` (they hide each other where they overlap)."""
    return HumanScene(floor, [actor.body for actor in actors],
                      [paint_atlas(actor.body, actor.identity) for actor in actors])


def poses_of(actors: Sequence[HumanActor]) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Every frame's (rotations, root) of each actor, for :meth:`HumanScene.render` (the actors share frames)."""
    return [[(actor.rotations[t], actor.roots[t]) for actor in actors] for t in range(len(actors[0].roots))]
