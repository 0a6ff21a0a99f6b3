"""Issue 18: a keyframe joint a detector put a few pixels off is moved back where each keyframe warps onto the
other better, within bounds, and the renderer draws from the refined poses (warp_blend/pose_refinement.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from Pose_Guided_Neural_Rendering.api import DEFAULT_CHECKPOINT
from Pose_Guided_Neural_Rendering.warp_blend.pose_refinement import (
    STEP, MutualWarpError, carry_shifts, refine_keyframe_poses)
from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer, load_blender
from Pose_Guided_Neural_Rendering.warp_blend.warping import TargetBones
from rib.frames import list_frames, read_image
from rib.paths import EXAMPLE_DIR
from rib.poses import read_pose_folder

CLIP = "spinkick_00_v0"
RATE = 4
ELBOW = 3
"""J19 right elbow."""


@pytest.fixture(scope="module")
def interval() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The example's first x4 interval: both keyframes and the exact poses of frames 0, 4 and 2."""
    frames = list_frames(EXAMPLE_DIR / "gt" / CLIP)
    poses = read_pose_folder(EXAMPLE_DIR / "poses" / CLIP)
    return read_image(frames[0]), read_image(frames[RATE]), poses[[0, RATE, RATE // 2]]


def _error(previous: np.ndarray, following: np.ndarray, poses: np.ndarray, measured: np.ndarray) -> float:
    """The mutual warp error of keyframe poses ``measured``, over the pixels fixed by ``poses``."""
    error = MutualWarpError(previous, following, poses)
    return error([TargetBones.on(error.crop, pose) for pose in measured[:2]])


def test_a_displaced_elbow_moves_back_and_no_joint_moves_past_the_limit(interval):
    previous, following, exact = interval
    pixel = MutualWarpError(previous, following, exact).pixel
    detected = exact.copy()
    detected[1, ELBOW, 0] += pixel
    refined = refine_keyframe_poses(previous, following, detected)
    before = np.linalg.norm(detected[1, ELBOW, :2] - exact[1, ELBOW, :2])
    after = np.linalg.norm(refined[1, ELBOW, :2] - exact[1, ELBOW, :2])
    assert after < 0.5 * before, (before, after)
    assert np.abs(refined[:, :, :2] - detected[:2, :, :2]).max() <= STEP * pixel + 1e-6
    assert np.array_equal(refined[:, :, 2], detected[:2, :, 2])
    assert _error(previous, following, detected, refined) < _error(previous, following, detected, detected)


def test_shifts_are_carried_to_the_in_between_by_its_time():
    detected = np.zeros((2, 19, 3))
    detected[:, :, 2] = 1.0
    refined = detected.copy()
    refined[0, :, 0] += 4.0
    refined[1, :, 1] -= 8.0
    target = np.full((19, 3), 10.0)
    target[5] = 0.0  # a missing joint
    moved = carry_shifts(target, detected, refined, 0.25)
    assert np.allclose(moved[np.arange(19) != 5, :2], [10.0 + 3.0, 10.0 - 2.0])
    assert np.array_equal(moved[5], np.zeros(3))


def test_the_renderer_draws_from_the_refined_poses(interval):
    previous, following, exact = interval
    detected = exact.copy()
    detected[0, ELBOW, 1] -= 6.0
    model, config = load_blender(DEFAULT_CHECKPOINT, torch.device("cpu"))
    refining = BlendRenderer(model, config, torch.device("cpu"), refine_poses=True)
    as_given = BlendRenderer(model, config, torch.device("cpu"), refine_poses=False)
    background = ((previous.astype(np.float32) + following) / 2).astype(np.uint8)
    refined = refine_keyframe_poses(previous, following, detected)
    poses = np.concatenate([refined, carry_shifts(detected[2], detected[:2], refined, 0.5)[None]])
    drawn, _ = refining.frame(previous, following, background, detected, 0.5)
    expected, _ = as_given.frame(previous, following, background, poses, 0.5)
    assert not np.array_equal(refined, detected[:2])
    assert np.array_equal(drawn, expected)
