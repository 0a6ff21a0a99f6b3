"""Upsample a J19 pose sequence by any integer rate: the model over sliding windows, and baselines.

Poses are (N, 19, 3) arrays of (x, y, confidence) in any units (pixels of any frame size, projection units):
the model sees them relative to the person's root and body scale, so the units do not matter. The output has
(N - 1) * rate + 1 frames; output frame ``k * rate`` is input frame ``k``.
"""
from __future__ import annotations

import logging

import numpy as np
import torch
from scipy.interpolate import CubicSpline

from Human_Motion_Modelling.config import WINDOW_FRAMES
from Human_Motion_Modelling.data.flips import undo_swaps
from Human_Motion_Modelling.data.representation import (
    MODEL_INPUTS, Normaliser, Window, collate_windows, globalise, interpolation_plan, make_window)
from Human_Motion_Modelling.models.transformer import MotionTransformer
from rib.joints import NUM_J19

log = logging.getLogger("motion.upsample")


def output_length(num_inputs: int, rate: int) -> int:
    """Frames produced from ``num_inputs`` keyframes at ``rate``."""
    return (num_inputs - 1) * rate + 1


def _per_joint(poses: np.ndarray, rate: int, fill) -> np.ndarray:
    """Apply ``fill(times, values, valid, length) -> (length, 3)`` to every joint of (N, 19, 3) keyframes.

    A joint is only filled between its first and last sighting (confidence 0 outside: nothing is extrapolated).
    """
    length = output_length(len(poses), rate)
    times = np.arange(len(poses)) * rate
    frames = np.arange(length)
    out = np.zeros((length, NUM_J19, 3))
    for joint in range(NUM_J19):
        valid = poses[:, joint, 2] > 0
        if valid.any():
            out[:, joint] = fill(times, poses[:, joint], valid, length)
            seen = times[valid]
            out[(frames < seen[0]) | (frames > seen[-1]), joint, 2] = 0.0
    return out


def _linear(times: np.ndarray, values: np.ndarray, valid: np.ndarray, length: int) -> np.ndarray:
    index, weight = interpolation_plan(times, valid, length)
    first, second = values[index[:, 0]], values[index[:, 1]]
    return first + (second - first) * weight[:, None]


def _cubic(times: np.ndarray, values: np.ndarray, valid: np.ndarray, length: int) -> np.ndarray:
    out = _linear(times, values, valid, length)
    if valid.sum() >= 3:
        known = times[valid]
        frames = np.clip(np.arange(length), known[0], known[-1])
        out[:, :2] = CubicSpline(known, values[valid, :2], axis=0)(frames)
    return out


def linear_upsample(poses: np.ndarray, rate: int) -> np.ndarray:
    """Per-joint linear interpolation over the keyframes where each joint is visible (ends are held)."""
    return _per_joint(poses, rate, _linear)


def cubic_upsample(poses: np.ndarray, rate: int) -> np.ndarray:
    """Per-joint cubic-spline interpolation (linear for joints seen fewer than 3 times); confidence as linear."""
    return _per_joint(poses, rate, _cubic)


def plan_windows(num_inputs: int, rate: int, window_frames: int = WINDOW_FRAMES) -> list[tuple[int, int]]:
    """Keyframe ranges [start, end) of overlapping windows of at most ``window_frames`` output frames."""
    per_window = max(2, (window_frames - 1) // rate + 1)
    if num_inputs <= per_window:
        return [(0, num_inputs)]
    stride = max(1, per_window - max(1, per_window // 4))
    starts = list(range(0, num_inputs - per_window, stride)) + [num_inputs - per_window]
    return [(start, start + per_window) for start in starts]


def crossfade_weights(length: int, overlap_before: int, overlap_after: int) -> np.ndarray:
    """Cross-fade weights of a window: linear ramps over the frames it shares with its neighbours (0: none)."""
    frames = np.arange(length, dtype=np.float64)
    weight = np.ones(length)
    if overlap_before:
        weight = np.minimum(weight, (frames + 1) / (overlap_before + 1))
    if overlap_after:
        weight = np.minimum(weight, (length - frames) / (overlap_after + 1))
    return weight


def spline_through_keyframes(keyframes: np.ndarray, window: Window, length: int) -> np.ndarray:
    """(length, 19, 2) cubic spline through a window's valid (K, 19, 2) keyframe coordinates (held at the ends)."""
    valid = np.asarray(window.kf_valid, bool)
    times = np.asarray(window.kf_time, float)[valid]
    if len(times) < 2:
        return np.repeat(keyframes[valid][:1], length, axis=0)
    frames = np.clip(np.arange(length, dtype=float), times[0], times[-1])
    if len(times) == 2:
        weight = (frames - times[0]) / (times[1] - times[0])
        return keyframes[valid][0] + (keyframes[valid][1] - keyframes[valid][0]) * weight[:, None, None]
    return CubicSpline(times, keyframes[valid], axis=0)(frames)


@torch.no_grad()
def run_windows(model: MotionTransformer, windows: list[Window], batch_size: int, device: torch.device,
                denoised_spline: bool = False) -> list[np.ndarray]:
    """Standardised (L, 19, 2) predictions of every window, ``batch_size`` windows per forward pass.

    With ``denoised_spline`` each window is instead a cubic spline through the model's stage-1 denoised keyframes
    (stage 2 unused): a diagnostic row of bench/motion_quality.py.
    """
    outputs = []
    for first in range(0, len(windows), batch_size):
        chunk = windows[first:first + batch_size]
        batch = collate_windows([w.arrays() for w in chunk])
        out = model(**{k: batch[k].to(device) for k in MODEL_INPUTS})
        if not denoised_spline:
            outputs.extend(out["pred"].double().cpu().numpy())
            continue
        reco, length = out["reco"].double().cpu().numpy(), out["pred"].shape[1]
        outputs.extend(spline_through_keyframes(keys, window, length) for keys, window in zip(reco, chunk))
    return outputs


def model_upsample(model: MotionTransformer, normaliser: Normaliser, poses: np.ndarray, rate: int,
                   batch_size: int = 64, window_frames: int = WINDOW_FRAMES, denoised_spline: bool = False
                   ) -> np.ndarray:
    """The model's (L, 19, 3) upsampling of (N, 19, 3) keyframes; confidence as :func:`linear_upsample`.

    Left/right swaps of the keyframes are undone first (:func:`~Human_Motion_Modelling.data.flips.undo_swaps`).
    Windows without any usable keyframe (no person) keep the linear interpolation of those keyframes. ``denoised_spline``: see
    :func:`run_windows`.
    """
    if rate < 1:
        raise ValueError(f"upsample rate must be >= 1, got {rate}")
    keyframes = undo_swaps(poses, np.arange(len(poses)) * rate)  # once for the clip, so overlapping windows agree
    linear = linear_upsample(keyframes, rate)
    if rate == 1 or len(poses) < 2:
        return linear
    device = next(model.parameters()).device
    ranges = plan_windows(len(poses), rate, window_frames)
    prepared = []
    for index, (start, end) in enumerate(ranges):
        frames = output_length(end - start, rate)
        window = make_window(keyframes[start:end], np.arange(end - start) * rate, frames, frames, normaliser)
        if window is not None:
            shared_before = ranges[index - 1][1] - start if index > 0 else 0  # keyframes
            shared_after = end - ranges[index + 1][0] if index + 1 < len(ranges) else 0
            prepared.append((start, window, crossfade_weights(frames, max(0, output_length(shared_before, rate)),
                                                           max(0, output_length(shared_after, rate)))))
    if not prepared:
        return linear
    predictions = run_windows(model, [window for _, window, _ in prepared], batch_size, device, denoised_spline)
    total = np.zeros((len(linear), NUM_J19, 2))
    weights = np.zeros(len(linear))
    for (start, window, weight), pred in zip(prepared, predictions):
        xy = globalise(normaliser.invert(pred), window.centre, window.scale)
        frames = slice(start * rate, start * rate + len(xy))
        total[frames] += xy * weight[:, None, None]
        weights[frames] += weight
    covered = weights > 0
    out = linear.copy()
    out[covered, :, :2] = total[covered] / weights[covered, None, None]
    return out
