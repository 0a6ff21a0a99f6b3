"""Upsampling: baselines, sliding windows with cross-fade, any rate and length, metrics, evaluation protocol."""
from __future__ import annotations

import numpy as np
import pytest

from Human_Motion_Modelling.data.flips import undo_swaps
from Human_Motion_Modelling.evaluation import Protocol, table_csv
from Human_Motion_Modelling.metrics import MotionMetrics
from Human_Motion_Modelling.models.transformer import build
from Human_Motion_Modelling.upsample import (
    crossfade_weights, cubic_upsample, linear_upsample, model_upsample, plan_windows)


def _pixels(frames: int, seed: int = 0) -> np.ndarray:
    """A smooth pixel-space pose sequence on a 768x512 frame."""
    t = np.linspace(0, 2 * np.pi, frames)[:, None]
    rng = np.random.default_rng(seed)
    base = rng.uniform([300, 100], [460, 450], (19, 2))
    xy = base[None] + 30 * np.stack([np.sin(t + np.arange(19)), np.cos(2 * t + np.arange(19))], axis=-1)
    return np.concatenate([xy, np.full((frames, 19, 1), 0.9)], axis=-1)


def test_linear_and_cubic_baselines():
    line = np.zeros((4, 19, 3))
    line[..., 0] = np.arange(4)[:, None] * 3.0
    line[..., 2] = 1.0
    line[2, 5, 2] = 0.0  # a joint missing at one keyframe is interpolated across
    out = linear_upsample(line, 3)
    assert out.shape == (10, 19, 3)
    np.testing.assert_allclose(out[:, 5, 0], np.arange(10))
    np.testing.assert_allclose(out[::3, 0], line[:, 0])
    cubic = np.zeros((5, 19, 3))
    cubic[..., 0] = (np.arange(5) * 2.0)[:, None] ** 3
    cubic[..., 2] = 1.0
    np.testing.assert_allclose(cubic_upsample(cubic, 2)[:, 3, 0], np.arange(9.0) ** 3, atol=1e-6)


@pytest.mark.parametrize("count,rate", [(10, 8), (500, 2), (41, 3), (3, 200)])
def test_windows_cover_every_keyframe_with_overlap(count, rate):
    windows = plan_windows(count, rate)
    assert windows[0][0] == 0 and windows[-1][1] == count
    for (_, end), (start, _) in zip(windows, windows[1:]):
        assert start < end  # overlapping
    assert all((e - s - 1) * rate + 1 <= max(321, rate + 1) for s, e in windows)


@pytest.mark.parametrize("rate,frames", [(2, 500), (3, 40), (8, 40), (5, 7)])
def test_untrained_model_reproduces_linear_through_windows(tiny_config, tiny_normaliser, rate, frames):
    """A fresh model outputs the interpolation of its keyframes (after left/right swaps are undone: these random
    poses have no real left and right): the window, cross-fade and (de)normalisation chain must then give back
    linear interpolation exactly, in pixels, for any rate and length."""
    poses = _pixels(frames)
    out = model_upsample(build(tiny_config).eval(), tiny_normaliser, poses, rate, batch_size=3)
    assert out.shape == ((frames - 1) * rate + 1, 19, 3)
    np.testing.assert_allclose(out, linear_upsample(undo_swaps(poses, np.arange(frames) * rate), rate), atol=1e-3)


def test_untrained_model_fills_missing_joints_like_linear(tiny_config, tiny_normaliser):
    """Joints missing in some keyframes enter the model interpolated from the keyframes that see them, so a fresh
    model still gives linear interpolation (exactly so when the root itself moves linearly)."""
    poses = _pixels(30)
    poses[:, 8, :2] = np.linspace([300.0, 200.0], [420.0, 260.0], 30)
    poses[[3, 4, 9], 4, 2] = 0.0
    poses[[0, 1], 10, 2] = 0.0
    poses[12, [3, 6, 13], 2] = 0.0
    out, linear = model_upsample(build(tiny_config).eval(), tiny_normaliser, poses, 4), linear_upsample(poses, 4)
    seen = linear[..., 2] > 0  # outside a joint's first and last sighting it is missing (confidence 0) in both
    np.testing.assert_array_equal(out[..., 2], linear[..., 2])
    np.testing.assert_allclose(out[seen], linear[seen], atol=1e-3)


@pytest.mark.parametrize("rate,frames", [(3, 40), (8, 40)])
def test_denoised_spline_of_an_untrained_model_is_the_cubic_spline(tiny_config, tiny_normaliser, rate, frames):
    """A fresh model's stage 1 returns its keyframes, so the diagnostic spline through them is the cubic baseline."""
    poses = _pixels(frames)
    out = model_upsample(build(tiny_config).eval(), tiny_normaliser, poses, rate, denoised_spline=True)
    np.testing.assert_allclose(out, cubic_upsample(poses, rate), atol=1e-3)


def test_empty_frames_and_rate_one(tiny_config, tiny_normaliser):
    poses = _pixels(30)
    poses[10:14] = 0.0  # no person detected
    poses[20:, 3, 2] = 0.0  # a joint lost for good
    model = build(tiny_config).eval()
    out = model_upsample(model, tiny_normaliser, poses, 4)
    assert np.isfinite(out).all() and out.shape == (117, 19, 3)
    assert (out[40:56, :, 2] > 0).all()  # empty frames are filled in
    assert (out[80:, 3, 2] == 0).all()
    same = model_upsample(model, tiny_normaliser, poses, 1)
    seen = poses[..., 2] > 0
    np.testing.assert_array_equal(same[seen], poses[seen])  # rate 1 keeps every detection
    assert (same[10:14, :, 2] > 0).all()  # and fills the gaps
    nobody = model_upsample(model, tiny_normaliser, np.zeros((5, 19, 3)), 3)
    assert nobody.shape == (13, 19, 3) and not nobody.any()


def test_metrics_ignore_keyframes_and_measure_motion():
    gt = np.zeros((9, 19, 2))
    pred = gt.copy()
    pred[0] += 100.0  # keyframe error: not an in-between error
    pred[1:4] += 3.0
    metrics = MotionMetrics(pck_px=(2.0, 5.0))
    metrics.update(pred, gt, rate=4)
    result = metrics.result()
    assert result["joint_error_px"] == pytest.approx(np.hypot(3, 3) * 3 / 6)  # 6 in-between frames
    assert result["pck@5px"] == 1.0 and result["pck@2px"] == pytest.approx(0.5)
    steady = MotionMetrics()
    steady.update(gt + 7.0, gt, rate=4)
    assert steady.result()["velocity_error_px"] == 0 and steady.result()["acceleration_error_px"] == 0


def test_protocol_is_fixed_and_reports_three_methods(tiny_config, tiny_normaliser):
    protocol = Protocol.from_config(tiny_config)
    first, _ = protocol.cases()
    second, _ = Protocol.from_config(tiny_config).cases()
    np.testing.assert_array_equal(first[0].keyframes, second[0].keyframes)
    table = protocol.run(build(tiny_config), tiny_normaliser)
    assert set(table) == {"model", "linear", "cubic"}
    assert table["linear"]["sequences"] == 2 and table["linear"]["joint_error_px"] > 0
    assert table_csv(table).startswith("method,joint_error_px")
    short = Protocol.from_config(tiny_config, rate=400)
    assert short.cases() == ([], sorted(short.sequences))


def test_cross_fade_weights_sum_to_one_over_the_overlap():
    first, second = crossfade_weights(10, 0, 4), crossfade_weights(10, 4, 0)
    np.testing.assert_allclose(first[-4:] + second[:4], 1.0)
    assert first[0] == 1.0 and second[-1] == 1.0 and (np.diff(second[:4]) > 0).all()
