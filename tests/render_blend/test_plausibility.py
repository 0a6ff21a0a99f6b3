"""Issue 18: a target pose that is off or implausible never makes the warp-blend frame worse than its background,
and a correct pose renders exactly as it did before the checks (warp_blend/plausibility.py)."""
from __future__ import annotations

import time
import tracemalloc

import cv2
import numpy as np
import pytest
import torch

from Pose_Guided_Neural_Rendering.api import DEFAULT_CHECKPOINT
from Pose_Guided_Neural_Rendering.warp_blend import render
from Pose_Guided_Neural_Rendering.warp_blend.plausibility import renderable_poses
from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer, load_blender
from Pose_Guided_Neural_Rendering.warp_blend.warping import torso_length
from rib.frames import list_frames, read_image
from rib.paths import EXAMPLE_DIR
from rib.person import has_person
from rib.poses import read_pose_folder
from tests.render_blend.test_warping import _renderer

CLIP = "spinkick_00_v0"
WRIST, ELBOW, HAND = 4, 3, 18


def unchecked(poses: np.ndarray, t: float) -> np.ndarray | None:
    """The renderer's rule before the checks: only a pose without a person gives the background."""
    return poses if all(has_person(pose) for pose in poses) else None


def test_a_correct_pose_renders_exactly_as_before_on_an_example_frame(monkeypatch):
    """Every exact pose of the example passes untouched (rates 4 and 8), and one frame is the same bytes with the
    shipped renderer as without the checks."""
    poses = read_pose_folder(EXAMPLE_DIR / "poses" / CLIP)
    triples = [(poses[[k, k + rate, k + step]], step / rate, f"x{rate} frame {k + step}") for rate in (4, 8)
               for k in range(0, len(poses) - rate, rate) for step in range(1, rate)]
    changed = [name for triple, t, name in triples if renderable_poses(triple, t) is not triple]
    assert not changed, f"correct poses judged implausible: {changed}"
    gt = list_frames(EXAMPLE_DIR / "gt" / CLIP)
    first, last = read_image(gt[0]), read_image(gt[8])
    background = cv2.addWeighted(first, 0.5, last, 0.5, 0)
    torch.set_num_threads(1)
    renderer = BlendRenderer(*load_blender(DEFAULT_CHECKPOINT, torch.device("cpu")), torch.device("cpu"))
    checked = renderer.frame(first, last, background, poses[[0, 8, 4]], 0.5)
    monkeypatch.setattr(render, "renderable_poses", unchecked)
    before = renderer.frame(first, last, background, poses[[0, 8, 4]], 0.5)
    assert checked[1].max() > 0.3, "the person is drawn"
    assert np.array_equal(checked[0], before[0]) and np.array_equal(checked[1], before[1])


def test_a_wrist_thrown_3_torso_lengths_away_is_drawn_from_the_background(person):
    poses = np.stack([person.pose(0), person.pose(4), person.pose(2)])
    torso = torso_length(poses[2])
    poses[2, WRIST, 0] += 3 * torso
    background = (0.5 * person.frame(0) + 0.5 * person.frame(4)).astype(np.uint8)
    kept = renderable_poses(poses, 0.5)
    assert not kept[2, WRIST, 2] and not kept[2, HAND, 2], "the thrown wrist (and the hand hanging on it) dropped"
    assert np.array_equal(kept[2, ELBOW], poses[2, ELBOW]), "the elbow is not blamed"
    frame, alpha = _renderer(0.0).frame(person.frame(0), person.frame(4), background, poses, 0.5)
    ys, xs = np.mgrid[:frame.shape[0], :frame.shape[1]]
    around = np.hypot(xs - poses[2, WRIST, 0], ys - poses[2, WRIST, 1]) < 0.3 * torso
    assert around.sum() > 100 and (alpha[around] == 0).all() and np.array_equal(frame[around], background[around])
    assert alpha.max() > 0.05, "the rest of the person is still drawn"


def _scaled(pose: np.ndarray) -> np.ndarray:
    centre = pose[:, :2].mean(0)
    pose[:, :2] = (pose[:, :2] - centre) * 3 + centre
    return pose


def _shifted(pose: np.ndarray) -> np.ndarray:
    pose[:, 0] += 4 * torso_length(pose)
    return pose


def _nan(pose: np.ndarray) -> np.ndarray:
    pose[ELBOW, 1] = np.nan
    return pose


def _inf(pose: np.ndarray) -> np.ndarray:
    pose[WRIST, 0] = np.inf
    return pose


@pytest.mark.parametrize("spoil", [_scaled, _shifted, _nan, _inf], ids=["scaled 3x", "shifted", "NaN", "inf"])
def test_an_implausible_target_gives_the_background_byte_for_byte(person, spoil):
    poses = np.stack([person.pose(0), person.pose(4), spoil(person.pose(2))])
    background = (0.5 * person.frame(0) + 0.5 * person.frame(4)).astype(np.uint8)
    frame, alpha = _renderer(0.0).frame(person.frame(0), person.frame(4), background, poses, 0.5)
    assert np.array_equal(frame, background) and frame.dtype == np.uint8 and not alpha.any()


@pytest.mark.parametrize("which", [0, 2], ids=["keyframe", "target"])
def test_a_joint_at_1e9_costs_no_more_than_the_frame(person, which):
    """A joint at 1e9 costs a crop no larger than the frame, and the frame is the background: a target joint there is
    implausible, and a keyframe joint there warps that keyframe worse than leaving it still (agreement.py)."""
    poses = np.stack([person.pose(0), person.pose(4), person.pose(2)])
    poses[which, WRIST, :2] = 1e9
    background = (0.5 * person.frame(0) + 0.5 * person.frame(4)).astype(np.uint8)
    renderer = _renderer(0.0)
    tracemalloc.start()
    start = time.perf_counter()
    frame, alpha = renderer.frame(person.frame(0), person.frame(4), background, poses, 0.5)
    seconds, (_, peak) = time.perf_counter() - start, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 32 * 2**20 and seconds < 2, (peak, seconds)
    assert np.array_equal(frame, background) and not alpha.any()
