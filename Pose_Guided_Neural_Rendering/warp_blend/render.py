"""Render one in-between frame with the warp-blend renderer, at the input resolution.

The network sees the person crop at its training size and predicts blend weights; they are upsampled to the crop's
native size, where both keyframes are warped to the target pose at full resolution (and, for a model with still
keyframes, cropped unmoved) and blended with the background.
Outside the crop, in frames without a person in all three poses, in frames whose target pose is implausible
(plausibility.py: an implausible limb's joints are dropped first) and in intervals whose keyframe poses do not explain
the keyframes (agreement.py), the output is the background, untouched. In the intervals drawn, the keyframes' joints
are first moved a little where each keyframe then warps onto the other better, and the target pose moves along
(pose_refinement.py). The weights fade to the background over the crop's border, so pasting leaves no seam.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from Pose_Guided_Neural_Rendering.clips import ClipPlan, read_background
from Pose_Guided_Neural_Rendering.warp_blend.agreement import error_ratio
from Pose_Guided_Neural_Rendering.warp_blend.config import KIND, BlendConfig, parse
from Pose_Guided_Neural_Rendering.warp_blend.data import candidates, inputs_to_tensors
from Pose_Guided_Neural_Rendering.warp_blend.model import (
    STILL_CANDIDATES, WarpBlender, build, features, person_alpha,
)
from Pose_Guided_Neural_Rendering.warp_blend.plausibility import renderable_poses, shows_person
from Pose_Guided_Neural_Rendering.warp_blend.pose_refinement import carry_shifts, refine_keyframe_poses
from Pose_Guided_Neural_Rendering.warp_blend.warping import Crop, TargetBones, person_crop, pose_warp
from rib.checkpoint import WEIGHTS_FILES, find_weights, load_checkpoint, load_state
from rib.errors import RIBError
from rib.person import BACKGROUND_ONLY

LOG = logging.getLogger("render.inference")
WEIGHTS = WEIGHTS_FILES[KIND]
"""The weights file (with its config) train.py writes into a warp-blend run folder."""
BORDER_FRACTION = 1 / 16
"""Width of the crop border over which the weights fade to the background."""


def load_blender(path: Path, device: torch.device) -> tuple[WarpBlender, BlendConfig]:
    """The model and config of a ``model.pt`` written by train.py (or a run/checkpoint folder holding one)."""
    path = find_weights(Path(path), (WEIGHTS,)) or Path(path) / WEIGHTS
    return blender_from_state(load_checkpoint(path, "cpu"), path, device)


def blender_from_state(state: dict, path: Path, device: torch.device) -> tuple[WarpBlender, BlendConfig]:
    """The model and config of a loaded ``model.pt`` (``path`` names it in errors)."""
    if state.get("kind") != KIND:
        raise RIBError(f"{path}: not a warp-blend renderer (kind {state.get('kind')!r})")
    config = parse(state["config"], str(path))
    model = build(config.to_dict())
    load_state(model, state["model"], path)
    return model.to(device).eval(), config


def border_taper(n: int) -> np.ndarray:
    """(n, n) weights: 0 at the crop's edge rising linearly to 1 at BORDER_FRACTION inside."""
    width = max(2.0, n * BORDER_FRACTION)
    ramp = np.clip((np.minimum(np.arange(n), np.arange(n)[::-1]) + 0.5) / width, 0, 1).astype(np.float32)
    return np.minimum(ramp[:, None], ramp[None, :])


def native_candidate(name: str, bones: TargetBones, poses: np.ndarray, previous: np.ndarray,
                     following: np.ndarray) -> np.ndarray:
    """Candidate ``name`` (not the background) on the native-resolution crop of ``bones``, float32 (n, n, 3)."""
    if name in STILL_CANDIDATES:
        return bones.crop.sample(previous if name == "still_previous" else following).astype(np.float32)
    source, pose = (previous, poses[0]) if name == "warp_previous" else (following, poses[1])
    return pose_warp(source, bones, pose).astype(np.float32)


class BlendRenderer:
    """Renders in-between frames for given poses; ``frame`` returns the frame and its alpha (person weight).

    ``max_error_ratio`` is the keyframe check's limit (agreement.py), by default the one calibrated for the weights
    (``model.max_error_ratio``); ``math.inf`` draws every interval (for the check's calibration). ``refine_poses``
    moves the keyframes' joints before drawing (pose_refinement.py); off, the poses are drawn as given (exact ones).
    """

    def __init__(self, model: WarpBlender, config: BlendConfig, device: torch.device,
                 max_error_ratio: float | None = None, refine_poses: bool = True):
        self.model, self.config, self.device = model, config, device
        self.max_error_ratio = config.model.max_error_ratio if max_error_ratio is None else max_error_ratio
        self.refine_poses = refine_poses
        self._last_interval: tuple[np.ndarray, np.ndarray, bytes, dict] | None = None

    def _interval(self, previous: np.ndarray, following: np.ndarray, poses: np.ndarray) -> dict:
        """What was worked out for the interval of ``poses[:2]``, remembered for the last interval (its frames are
        rendered one after another)."""
        key = poses[:2].tobytes()
        last = self._last_interval
        if last is None or last[0] is not previous or last[1] is not following or last[2] != key:
            last = self._last_interval = (previous, following, key, {})
        return last[3]

    def keyframe_error_ratio(self, previous: np.ndarray, following: np.ndarray, poses: np.ndarray) -> float:
        """How much worse the keyframe poses ``poses[:2]`` warp each keyframe onto the other than leaving it still
        (agreement.py)."""
        known = self._interval(previous, following, poses)
        if "ratio" not in known:
            known["ratio"] = error_ratio(previous, following, *poses[:2])
        return known["ratio"]

    def refined_poses(self, previous: np.ndarray, following: np.ndarray, poses: np.ndarray, t: float) -> np.ndarray:
        """``poses`` (previous, next, target) with the keyframes' joints refined and the target moved along
        (pose_refinement.py); as given when ``refine_poses`` is off."""
        if not self.refine_poses:
            return poses
        known = self._interval(previous, following, poses)
        if "refined" not in known:
            known["refined"] = refine_keyframe_poses(previous, following, poses)
        refined = known["refined"]
        return np.concatenate([refined, carry_shifts(poses[2], poses[:2], refined, t)[None]])

    @torch.no_grad()
    def weights(self, crop: Crop, poses: np.ndarray, previous: np.ndarray, following: np.ndarray,
                background: np.ndarray, t: float, still_keyframes: bool = True) -> np.ndarray:
        """Blend weights (C, n, n) over the model's candidates on the network-size ``crop``; the still keyframes'
        are 0 unless ``still_keyframes``."""
        stills = [i for i, name in enumerate(self.model.candidates) if name in STILL_CANDIDATES]
        inputs = candidates(crop, poses, previous, following, background, bool(stills))
        batch = {k: v[None].to(self.device) for k, v in inputs_to_tensors(inputs, t).items()}
        logits = self.model(features(batch, self.model.candidates))
        if not still_keyframes:
            logits[:, stills] = -torch.inf
        return logits.softmax(1)[0].float().cpu().numpy()

    def frame(self, previous: np.ndarray, following: np.ndarray, background: np.ndarray, poses: np.ndarray,
              t: float, still_keyframes: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """The in-between frame (uint8, input size) and its alpha (float32: the warps' weight, the person) for poses
        (previous, next, target); ``still_keyframes=False`` keeps a model with still keyframes from using them
        (other people are in the keyframes).

        The background itself (alpha 0) when a pose shows no person, the target is implausible or the keyframe poses
        do not explain the keyframes.
        """
        height, width = background.shape[:2]
        alpha = np.zeros((height, width), np.float32)
        poses = renderable_poses(poses, t)
        if poses is None or self.keyframe_error_ratio(previous, following, poses) > self.max_error_ratio:
            return background, alpha
        poses = self.refined_poses(previous, following, poses, t)
        native = person_crop(list(poses), frame_hw=(height, width))
        small = Crop(native.x0, native.y0, native.side, self.config.model.crop_size)
        weights = torch.from_numpy(self.weights(small, poses, previous, following, background, t, still_keyframes))
        weights = F.interpolate(weights[None], size=(native.n, native.n), mode="bilinear", align_corners=False)[0]
        weights = weights.numpy() * border_taper(native.n)  # every candidate but the background fades out at the border
        x0, y0, x1, y1 = native.paste_box()
        fx0, fy0, fx1, fy1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        if fx1 <= fx0 or fy1 <= fy0:
            return background, alpha
        inner = (slice(fy0 - y0, fy1 - y0), slice(fx0 - x0, fx1 - x0))
        out = background.astype(np.float32)
        region = out[fy0:fy1, fx0:fx1].copy()
        bones = TargetBones.on(native, poses[2])
        for index, name in enumerate(self.model.candidates[1:], start=1):
            if not weights[index].any():
                continue
            image = native_candidate(name, bones, poses, previous, following)[inner]
            out[fy0:fy1, fx0:fx1] += weights[index][inner][..., None] * (image - region)
        alpha[fy0:fy1, fx0:fx1] = person_alpha(weights[None], self.model.candidates)[0][inner]
        return np.clip(np.rint(out), 0, 255).astype(np.uint8), alpha


class WarpBlendSegments:
    """Adapts :class:`BlendRenderer` to :func:`render_clip` (frames rendered one by one, from both keyframes)."""

    NO_PERSON = BACKGROUND_ONLY

    def __init__(self, renderer: BlendRenderer):
        self.renderer = renderer

    def segments(self, plan: ClipPlan, starts: list[int],
                 keyframes: list[np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
        shape = keyframes[0].shape[:2]
        for k in starts:
            self._log_disagreement(plan, k, keyframes)
            for step in range(1, plan.rate):
                index = k * plan.rate + step
                background = read_background(plan.backgrounds[index], shape)
                poses = plan.poses[[k * plan.rate, (k + 1) * plan.rate, index]]
                frame, _ = self.renderer.frame(keyframes[k], keyframes[k + 1], background, poses, step / plan.rate,
                                               still_keyframes=k not in plan.crowded)
                yield index, frame

    def _log_disagreement(self, plan: ClipPlan, k: int, keyframes: list[np.ndarray]) -> None:
        """Say so, naming both keyframes' files, when the poses of keyframes k and k + 1 do not explain them (the
        in-betweens stay the background)."""
        poses = plan.poses[[k * plan.rate, (k + 1) * plan.rate]]
        if not all(shows_person(pose) for pose in poses):
            return
        ratio = self.renderer.keyframe_error_ratio(keyframes[k], keyframes[k + 1], poses)
        if ratio > self.renderer.max_error_ratio:
            LOG.info("%s: input frames %s and %s: their poses warp each onto the other %.2f times worse than leaving "
                     "it still (limit %.2f), so the person is not drawn between them", plan.name,
                     plan.keyframes[k].name, plan.keyframes[k + 1].name, ratio, self.renderer.max_error_ratio)


def clip_renderer(state: dict, path: Path, device: torch.device) -> WarpBlendSegments:
    """The clip renderer of a loaded warp-blend ``model.pt`` (``path`` names it in errors and the log)."""
    model, config = blender_from_state(state, path, device)
    LOG.info("warp-blend renderer (%d px crops) on %s", config.model.crop_size, device)
    return WarpBlendSegments(BlendRenderer(model, config, device))
