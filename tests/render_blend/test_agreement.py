"""Issue 18: an interval whose keyframe poses do not explain its keyframes (a swapped or shifted detection) is drawn
as the background, and correct poses pass (warp_blend/agreement.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from Pose_Guided_Neural_Rendering.clips import ClipPlan
from Pose_Guided_Neural_Rendering.warp_blend import render
from Pose_Guided_Neural_Rendering.warp_blend.agreement import MAX_ERROR_RATIO, error_ratio
from Pose_Guided_Neural_Rendering.warp_blend.config import parse
from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer, WarpBlendSegments
from Pose_Guided_Neural_Rendering.warp_blend.warping import torso_length
from rib.errors import RIBError
from rib.frames import list_frames, read_image, write_image
from rib.joints import FLIP_PAIRS
from rib.paths import EXAMPLE_DIR
from rib.poses import read_pose_folder
from tests.render_blend.test_warping import _renderer

CLIP = "spinkick_00_v0"


@pytest.fixture(scope="module")
def example() -> tuple[list[np.ndarray], np.ndarray]:
    """The example clip's 60-fps frames and exact poses."""
    return [read_image(path) for path in list_frames(EXAMPLE_DIR / "gt" / CLIP)], read_pose_folder(
        EXAMPLE_DIR / "poses" / CLIP)


def _swapped(pose: np.ndarray) -> np.ndarray:
    """Left and right exchanged, as a detector does on a body seen from the side."""
    swapped = pose.copy()
    for left, right in FLIP_PAIRS:
        swapped[[left, right]] = pose[[right, left]]
    return swapped


def _shifted(pose: np.ndarray) -> np.ndarray:
    """Half a torso length to the right."""
    shifted = pose.copy()
    shifted[:, 0] += 0.5 * torso_length(pose)
    return shifted


@pytest.mark.parametrize("rate", [4, 8])
def test_exact_poses_of_a_spin_kick_pass_every_interval(example, rate):
    frames, poses = example
    ratios = [error_ratio(frames[k], frames[k + rate], poses[k], poses[k + rate])
              for k in range(0, len(poses) - rate, rate)]
    assert max(ratios) <= MAX_ERROR_RATIO, ratios


@pytest.mark.parametrize("spoil", [_swapped, _shifted], ids=["left-right swapped", "shifted half a torso"])
def test_a_spoiled_keyframe_pose_gives_the_background_byte_for_byte(example, spoil):
    frames, poses = example
    triple = np.stack([poses[0], spoil(poses[4]), poses[2]])
    background = (0.5 * frames[0] + 0.5 * frames[4]).astype(np.uint8)
    renderer = _renderer(0.0)
    frame, alpha = renderer.frame(frames[0], frames[4], background, triple, 0.5)
    assert np.array_equal(frame, background) and not alpha.any()
    drawn, alpha = renderer.frame(frames[0], frames[4], background, poses[[0, 4, 2]], 0.5)
    assert alpha.max() > 0.3 and not np.array_equal(drawn, background), "the exact poses are drawn"


def _render_two_intervals(frames: list[np.ndarray], poses: np.ndarray, folder: Path) -> list[int]:
    """Render the in-betweens of the example's first two x4 intervals with ``poses`` (its first 9) over one
    background; the indices rendered."""
    background = folder / "background.png"
    write_image(background, frames[2])
    keyframes = [folder / f"input{i:05d}.png" for i in range(3)]
    plan = ClipPlan(CLIP, keyframes, poses[:9], 4, [background] * 9, [f"frame{i:05d}.png" for i in range(9)])
    segments = WarpBlendSegments(_renderer(0.0)).segments(plan, [0, 1], [frames[0], frames[4], frames[8]])
    return [index for index, _ in segments]


def test_the_check_runs_once_per_interval(example, monkeypatch, tmp_path):
    frames, poses = example
    calls = []

    def counted(*args):
        calls.append(1)
        return error_ratio(*args)

    monkeypatch.setattr(render, "error_ratio", counted)
    assert _render_two_intervals(frames, poses, tmp_path) == [1, 2, 3, 5, 6, 7] and len(calls) == 2


def test_a_spoiled_interval_is_named_in_the_log(example, tmp_path, caplog):
    frames, poses = example
    poses = poses[:9].copy()
    poses[4] = _shifted(poses[4])
    with caplog.at_level("INFO", logger="render.inference"):
        _render_two_intervals(frames, poses, tmp_path)
    said = [record.getMessage() for record in caplog.records if "not drawn" in record.getMessage()]
    assert len(said) == 2, said
    assert "input frames input00000.png and input00001.png" in said[0], said
    assert "input frames input00001.png and input00002.png" in said[1], said


def test_the_limit_is_the_one_calibrated_for_the_weights(example):
    """``model.max_error_ratio`` in a checkpoint's config sets its check: an interval that passes the default limit
    is left to the background by weights calibrated to a lower one."""
    frames, poses = example
    triple = poses[[0, 4, 2]]
    ratio = error_ratio(frames[0], frames[4], *triple[:2])
    assert ratio < MAX_ERROR_RATIO
    background = (0.5 * frames[0] + 0.5 * frames[4]).astype(np.uint8)
    default = _renderer(0.0)
    strict = BlendRenderer(default.model, parse({"model": {"widths": [8, 16], "crop_size": 32,
                                                           "max_error_ratio": ratio * 0.9}}), torch.device("cpu"))
    assert default.max_error_ratio == MAX_ERROR_RATIO
    assert default.frame(frames[0], frames[4], background, triple, 0.5)[1].max() > 0.3
    frame, alpha = strict.frame(frames[0], frames[4], background, triple, 0.5)
    assert np.array_equal(frame, background) and not alpha.any()


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_that_is_not_positive_is_a_config_error(limit):
    with pytest.raises(RIBError, match="model.max_error_ratio"):
        parse({"model": {"max_error_ratio": limit}})
