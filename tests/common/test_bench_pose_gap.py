"""bench/pose_gap.py: keyframe pose errors split into the part both keyframes share and the part that differs, the
in-betweens' residual, and the report's summary."""
from __future__ import annotations

import numpy as np

from tests.bench_scripts import load_bench_script

pose_gap = load_bench_script("pose_gap")


def _poses(frames: int) -> np.ndarray:
    poses = np.zeros((frames, 19, 3))
    poses[:, :, 2] = 1.0
    return poses


def test_a_shared_offset_and_an_opposite_one_are_told_apart():
    exact = _poses(2)
    run = exact.copy()
    run[:, 0, 0] += 3.0  # joint 0: both keyframes 3 px right
    run[0, 1, 1] += 2.0  # joint 1: one keyframe 2 px down, the other 2 px up
    run[1, 1, 1] -= 2.0
    run[0, 2, 2] = 0.0  # joint 2 missing in one keyframe: left out
    shared, differing = pose_gap.split_keyframe_errors(run, exact)
    assert len(shared) == len(differing) == 18
    assert np.allclose(shared[:2], [3.0, 0.0]) and np.allclose(differing[:2], [0.0, 2.0])


def test_an_in_between_that_follows_its_keyframes_errors_has_no_residual():
    exact = _poses(3)
    run = exact.copy()
    run[0, :, 0] += 4.0
    run[1, :, 0] += 8.0
    run[2, :, 0] += 5.0  # at t = 1/4 the keyframe errors interpolate to 5
    assert np.allclose(pose_gap.in_between_residual(run, exact, 0.25), 0.0)
    run[2, 3, 1] += 1.5
    assert np.isclose(pose_gap.in_between_residual(run, exact, 0.25)[3], 1.5)


def test_summary_weighs_every_in_between_frame_alike():
    errors = {"shared": [1.0], "differing": [0.5], "residual": [0.25]}
    clips = {"a": {"gains": {"drawn, run's poses": 3.0, "drawn, exact poses": 6.0, "left to DIS, run's poses": -1.0,
                             "left to DIS, exact poses": 2.0},
                   "frames": {"drawn": 3, "left to DIS": 1}, "errors": errors},
             "b": {"gains": {group: 0.0 for group in pose_gap.GROUPS}, "frames": {"drawn": 0, "left to DIS": 4},
                   "errors": errors}}
    total = pose_gap.summary(clips)
    assert total["drawn where the run drew"] == 3.0 / 8
    assert total["all drawn, run's poses"] == 2.0 / 8 and total["all drawn, exact poses"] == 8.0 / 8
    assert total["group means"]["left to DIS, run's poses"] == -1.0 / 5
    report = {"command": "python bench/pose_gap.py", "machine": "m", "run": "r", "renderer": "w", "seconds": 60.0,
              "rates": {"4": {"clips": {name: {k: v for k, v in clip.items() if k != "errors"} | {
                  "intervals": {"drawn": 1, "left to DIS": 0}} for name, clip in clips.items()}, "summary": total}}}
    text = pose_gap.render_markdown(report)
    assert "drawn where the run drew, from its poses: **+0.375**" in text
    assert "| b | 1 | 0 | - | - | +0.00 | +0.00 |" in text
