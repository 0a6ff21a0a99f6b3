"""The network's view of a window: person-relative, scale-free, standardised J19 coordinates.

Row :data:`ROOT` holds the root (MidHip, or the hip midpoint when MidHip is missing) relative to the window's
mean root; every other row holds a joint relative to its frame's root. Everything is divided by the window's
body scale (median torso length), so pixels of any frame size and projection units look alike.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rib.joints import NECK, ROOT

R_HIP, L_HIP = 9, 12
TORSO_PER_DIAGONAL = 0.3
"""Torso length as a fraction of the body's bounding-box diagonal, used when no torso is visible."""
MIN_SCALE = 1e-6


@dataclass
class Normaliser:
    """Pooled mean and standard deviation of each (row, coordinate) of the representation."""

    mean: np.ndarray
    std: np.ndarray

    def state(self) -> dict:
        """Tensors to store in a checkpoint."""
        return {"mean": torch.as_tensor(self.mean, dtype=torch.float64),
                "std": torch.as_tensor(self.std, dtype=torch.float64)}

    @classmethod
    def from_state(cls, state: dict) -> "Normaliser":
        return cls(mean=np.asarray(state["mean"], dtype=np.float64), std=np.asarray(state["std"], dtype=np.float64))

    def apply(self, coords: np.ndarray) -> np.ndarray:
        return (coords - self.mean) / self.std

    def invert(self, coords: np.ndarray) -> np.ndarray:
        return coords * self.std + self.mean


def estimate_root(poses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Root position (..., 2) and availability (...) of (..., 19, 3) poses: MidHip, else the mean of both hips."""
    vis = poses[..., 2] > 0
    hips = vis[..., R_HIP] & vis[..., L_HIP]
    mid_hips = 0.5 * (poses[..., R_HIP, :2] + poses[..., L_HIP, :2])
    root = np.where(vis[..., ROOT, None], poses[..., ROOT, :2], mid_hips)
    return root, vis[..., ROOT] | hips


def body_frame(keyframes: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Centre (mean root) and scale (median torso length) of (K, 19, 3) keyframes; ``None`` if no root is seen."""
    root, valid = estimate_root(keyframes)
    if not valid.any():
        return None
    centre = root[valid].mean(axis=0)
    torso_seen = valid & (keyframes[:, NECK, 2] > 0)
    if torso_seen.any():
        scale = float(np.median(np.linalg.norm(keyframes[torso_seen, NECK, :2] - root[torso_seen], axis=-1)))
    else:
        vis = keyframes[..., 2:3] > 0
        low = np.where(vis, keyframes[..., :2], np.inf).min(axis=1)
        high = np.where(vis, keyframes[..., :2], -np.inf).max(axis=1)
        diagonal = np.linalg.norm(high - low, axis=-1)
        scale = float(np.median(diagonal[valid])) * TORSO_PER_DIAGONAL
    return centre, max(scale, MIN_SCALE)


def localise(poses: np.ndarray, centre: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(..., 19, 3) poses -> (..., 19, 2) root-relative scaled coordinates and (..., 19) visibility."""
    root, root_valid = estimate_root(poses)
    coords = (poses[..., :2] - root[..., None, :]) / scale
    coords[..., ROOT, :] = (root - centre) / scale
    vis = (poses[..., 2] > 0) & root_valid[..., None]
    vis[..., ROOT] = root_valid
    return coords, vis


def globalise(coords: np.ndarray, centre: np.ndarray, scale: float) -> np.ndarray:
    """Inverse of :func:`localise`: (..., 19, 2) representation -> absolute (..., 19, 2) coordinates."""
    root = coords[..., ROOT, :] * scale + centre
    xy = coords * scale + root[..., None, :]
    xy[..., ROOT, :] = root
    return xy


def interpolation_plan(times: np.ndarray, valid: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """For each frame 0..length-1, the two available keyframe slots around it and the weight of the second.

    Frames before the first (after the last) available keyframe hold it. Needs at least one available keyframe.
    """
    slots = np.flatnonzero(valid)
    slot_times = times[slots].astype(np.float64)
    frames = np.arange(length, dtype=np.float64)
    before = np.clip(np.searchsorted(slot_times, frames, side="right") - 1, 0, len(slots) - 1)
    after = np.clip(before + 1, 0, len(slots) - 1)
    span = slot_times[after] - slot_times[before]
    weight = np.where(span > 0, (frames - slot_times[before]) / np.where(span > 0, span, 1.0), 0.0)
    index = np.stack([slots[before], slots[after]], axis=-1)
    return index, np.clip(weight, 0.0, 1.0)


@dataclass
class Window:
    """Model inputs of one window (numpy), plus how to map outputs back to absolute coordinates."""

    kf_coords: np.ndarray      # (K, 19, 2) standardised; missing joints interpolated from the keyframes seeing them
    kf_vis: np.ndarray         # (K, 19) bool
    kf_valid: np.ndarray       # (K,) bool: the keyframe has a root
    kf_time: np.ndarray        # (K,) frame index of each keyframe inside the window
    frame_valid: np.ndarray    # (L,) bool: frame belongs to the window (not padding)
    interp_index: np.ndarray   # (L, 2) keyframe slots to interpolate between
    interp_weight: np.ndarray  # (L,) weight of the second slot
    centre: np.ndarray
    scale: float

    def arrays(self) -> dict[str, np.ndarray]:
        """The model-input arrays by name (what a batch holds)."""
        return {name: getattr(self, name) for name in MODEL_INPUTS}


MODEL_INPUTS = ("kf_coords", "kf_vis", "kf_valid", "kf_time", "frame_valid", "interp_index", "interp_weight")


def fill_missing(coords: np.ndarray, vis: np.ndarray, times: np.ndarray) -> np.ndarray:
    """(K, 19, 2) coordinates with each missing joint linearly interpolated in time between the keyframes that
    see it (held at the ends; 0 for a joint seen in no keyframe), so that leaving them is linear interpolation."""
    out = np.zeros_like(coords)
    times = np.asarray(times, dtype=np.float64)
    for joint in range(coords.shape[1]):
        seen = vis[:, joint]
        if seen.any():
            for axis in range(coords.shape[2]):
                out[:, joint, axis] = np.interp(times, times[seen], coords[seen, joint, axis])
    return out


def make_window(keyframes: np.ndarray, times: np.ndarray, num_frames: int, length: int,
                normaliser: Normaliser | None) -> Window | None:
    """Prepare (K, 19, 3) keyframes at frame ``times`` of a ``num_frames`` window padded to ``length``.

    Missing joints get :func:`fill_missing`'s values (flagged by ``kf_vis``). Returns ``None`` when no keyframe
    has a root (nothing to anchor the person). Without a normaliser the coordinates stay unstandardised (used to
    compute the statistics).
    """
    frame = body_frame(keyframes)
    if frame is None:
        return None
    centre, scale = frame
    coords, vis = localise(keyframes, centre, scale)
    if normaliser is not None:
        coords = normaliser.apply(coords)
    valid = vis[:, ROOT]
    index, weight = interpolation_plan(times, valid, length)
    return Window(
        kf_coords=fill_missing(coords, vis, times).astype(np.float32), kf_vis=vis, kf_valid=valid,
        kf_time=times.astype(np.float32), frame_valid=np.arange(length) < num_frames, interp_index=index,
        interp_weight=weight.astype(np.float32), centre=centre, scale=scale)


FRAME_ARRAYS = ("frame_valid", "interp_index", "interp_weight", "target")
"""Arrays with one row per frame; a batch keeps only as many frames as its longest window."""


def collate_windows(items: list[dict[str, np.ndarray]]) -> dict[str, torch.Tensor]:
    """Stack window dicts into a batch: keyframe axes are padded (padded slots are invalid), frame axes are cut
    to the longest window of the batch (padding is masked, so this only saves time)."""
    k_max = max(len(item["kf_valid"]) for item in items)
    length = max(int(item["frame_valid"].sum()) for item in items)
    batch = {}
    for name in items[0]:
        arrays = [item[name] for item in items]
        if name.startswith("kf_"):
            arrays = [np.pad(a, [(0, k_max - len(a))] + [(0, 0)] * (a.ndim - 1)) for a in arrays]
        elif name in FRAME_ARRAYS:
            arrays = [a[:length] for a in arrays]
        batch[name] = torch.from_numpy(np.stack(arrays))
    return batch
