"""Pose label maps and person masks drawn from J19 joints (reference section 4.2), fast and size-aware.

A label is 22 channels: the skeleton image (3 colour channels in [-1, 1], limbs of :data:`rib.joints.LIMBS` in
:data:`rib.joints.LIMB_COLOURS`, overlapping limbs averaged) followed by one Gaussian heatmap per J19 joint (in
[0, 1], peak 1). Everything is drawn with OpenCV primitives and local windows, never with a full-image filter per
joint. Sizes are the reference's at a 320-pixel-high frame: heatmaps and skeleton scale with the image height, the
person masks with the person's torso length.
"""
from __future__ import annotations

import math

import cv2
import numpy as np
import torch

from rib.joints import LIMB_COLOURS, LIMBS, NUM_J19

LABEL_CHANNELS = 3 + NUM_J19
SKELETON_CHANNELS = slice(0, 3)
HEATMAP_CHANNELS = slice(3, LABEL_CHANNELS)
NOSE_CHANNEL = 3
LEFT_HAND_CHANNEL = 3 + 17
RIGHT_HAND_CHANNEL = 3 + 18

REFERENCE_HEIGHT = 320
"""Frame height (pixels) at which the reference's sizes below hold."""
CONF_THRESHOLD = 0.001
"""A joint is drawn only above this confidence (the reference's skeleton and foot thresholds)."""
GAUSS_SIGMA = 5.0
"""Heatmap sigma at the reference height; training draws it per joint from {sigma - 1, sigma}."""
DROP_PROB = 0.02
"""Training-time probability of dropping a joint's heatmap and, independently, a limb of the skeleton."""
BLUR_RATE = 0.06
"""Probability that a limb joins the part mask of the background-blur augmentation."""

SKELETON_THICKNESS = 8
"""Skeleton limb width (the reference stamps an 8x8 brush along the limb)."""
SKELETON_END_RADIUS = 8
"""Radius of the discs at both ends of a skeleton limb."""

REFERENCE_TORSO = 80.0
"""Neck-to-mid-hip length (pixels) of a typical subject at the reference height; masks scale relative to it."""
MASK_JOINT_RADIUS = 15
MASK_NOSE_RADIUS = 30
MASK_LIMB_THICKNESS = 30
MASK_TORSO_THICKNESS = 40
TORSO_LINES = ((1, 8), (2, 9), (5, 12))
MASK_LINES = tuple((a, b, MASK_TORSO_THICKNESS if (a, b) in TORSO_LINES else MASK_LIMB_THICKNESS)
                   for a, b in LIMBS) + ((2, 9, MASK_TORSO_THICKNESS), (5, 12, MASK_TORSO_THICKNESS))
"""Lines of the person mask: every skeleton limb plus the two torso sides, with their reference thickness."""

_SHIFT = 4
"""Fractional bits of the fixed-point coordinates given to OpenCV (sub-pixel drawing)."""
_ONE = 1 << _SHIFT


def image_scale(height: int) -> float:
    """Size factor of a frame ``height`` pixels high relative to the reference height."""
    return height / REFERENCE_HEIGHT


def drawable(joints: np.ndarray, height: int, width: int) -> np.ndarray:
    """Joints that are confident and inside the image (the reference's validity rule for labels)."""
    x, y, conf = np.asarray(joints, dtype=np.float64).T
    finite = np.isfinite(x) & np.isfinite(y)
    return finite & (conf > CONF_THRESHOLD) & (x >= 0) & (x < width) & (y >= 0) & (y < height)


def person_scale(joints: np.ndarray, height: int) -> float:
    """Size factor of the person from their torso length; the image factor when no torso joint pair is seen."""
    joints = np.asarray(joints, dtype=np.float64)
    seen = (joints[:, 2] > CONF_THRESHOLD) & np.isfinite(joints[:, :2]).all(axis=1)
    lengths = [np.hypot(*(joints[a, :2] - joints[b, :2])) for a, b in TORSO_LINES if seen[a] and seen[b]]
    fallback = image_scale(height)
    if not lengths:
        return fallback
    return float(np.clip(max(lengths) / REFERENCE_TORSO, 0.3 * fallback, 3.0 * fallback))


def _fixed(point: np.ndarray) -> tuple[int, int]:
    return int(round(point[0] * _ONE)), int(round(point[1] * _ONE))


def _heatmaps(out: np.ndarray, joints: np.ndarray, draw: np.ndarray, sigmas: np.ndarray) -> None:
    """Write a peak-1 Gaussian for each drawn joint into ``out`` (J, H, W), only inside its 4-sigma window.

    As the reference, the centre is the joint's pixel (floor of x, y) and the support is truncated at
    ``int(4 sigma + 0.5)`` pixels, which equals a normalised ``scipy.ndimage.gaussian_filter`` of a delta.
    """
    height, width = out.shape[1:]
    for j in np.flatnonzero(draw):
        sigma = float(sigmas[j])
        radius = int(4.0 * sigma + 0.5)
        cx, cy = int(joints[j, 0]), int(joints[j, 1])
        xs = np.arange(max(cx - radius, 0), min(cx + radius + 1, width))
        ys = np.arange(max(cy - radius, 0), min(cy + radius + 1, height))
        gx = np.exp(-0.5 * ((xs - cx) / sigma) ** 2, dtype=np.float32)
        gy = np.exp(-0.5 * ((ys - cy) / sigma) ** 2, dtype=np.float32)
        out[j, ys[0]:ys[-1] + 1, xs[0]:xs[-1] + 1] = np.outer(gy, gx)


def _skeleton(out: np.ndarray, joints: np.ndarray, draw_limb: np.ndarray, scale: float) -> None:
    """Write skeleton colours into ``out`` (3, H, W), which holds -1 (black): each limb a thick line with discs
    at both ends; where limbs overlap their colours are averaged. Only the skeleton's bounding box is touched."""
    if not draw_limb.any():
        return
    height, width = out.shape[1:]
    thickness = max(1, int(round(SKELETON_THICKNESS * scale)))
    radius = SKELETON_END_RADIUS * scale
    pad = int(math.ceil(max(radius, thickness / 2))) + 1
    limbs = np.asarray(LIMBS)[draw_limb]
    used = joints[np.unique(limbs), :2]
    left, top = np.maximum(np.floor(used.min(axis=0)).astype(int) - pad, 0)
    right, bottom = np.minimum(np.ceil(used.max(axis=0)).astype(int) + pad + 1, (width, height))
    total = np.zeros((bottom - top, right - left, 3), np.float32)
    count = np.zeros((bottom - top, right - left), np.float32)
    for (a, b), colour in zip(limbs, np.asarray(LIMB_COLOURS, np.float32)[draw_limb]):
        ends = joints[[a, b], :2] - (left, top)
        x0, y0 = np.maximum(np.floor(ends.min(axis=0)).astype(int) - pad, 0)
        x1, y1 = np.minimum(np.ceil(ends.max(axis=0)).astype(int) + pad + 1, (right - left, bottom - top))
        stamp = np.zeros((y1 - y0, x1 - x0), np.uint8)
        p, q = _fixed(ends[0] - (x0, y0)), _fixed(ends[1] - (x0, y0))
        cv2.line(stamp, p, q, 1, thickness, cv2.LINE_8, _SHIFT)
        for centre in (p, q):
            cv2.circle(stamp, centre, int(round(radius * _ONE)), 1, -1, cv2.LINE_8, _SHIFT)
        total[y0:y1, x0:x1] += stamp[..., None] * colour
        count[y0:y1, x0:x1] += stamp
    colours = total / np.maximum(count, 1.0)[..., None]
    out[:, top:bottom, left:right] = colours.transpose(2, 0, 1) / np.float32(127.5) - np.float32(1.0)


def render_label(joints: np.ndarray, height: int, width: int, sigma: float | None = None,
                 rng: np.random.Generator | None = None, drop_prob: float = DROP_PROB,
                 out: np.ndarray | None = None) -> np.ndarray:
    """The 22-channel label (float32, (22, H, W)) of a (19, 3) pose given in pixels of an H x W frame.

    ``sigma`` is the heatmap sigma at the reference height (default :data:`GAUSS_SIGMA`); it scales with
    ``height``. With ``rng`` (training), sigma is drawn per joint from {sigma - 1, sigma}, and joints (heatmaps) and
    limbs (skeleton) are each dropped with probability ``drop_prob``. Joints with confidence <= 0.001 or outside
    the image are not drawn, nor are their limbs. ``out``, a float32 (22, H, W) array, is filled and returned
    instead of a new array (e.g. a slice of a preallocated batch).
    """
    joints = np.asarray(joints, dtype=np.float64)
    if joints.shape != (NUM_J19, 3):
        raise ValueError(f"joints must have shape ({NUM_J19}, 3), not {joints.shape}")
    scale = image_scale(height)
    base = GAUSS_SIGMA if sigma is None else float(sigma)
    valid = drawable(joints, height, width)
    limbs = np.asarray(LIMBS)
    draw_limb = valid[limbs[:, 0]] & valid[limbs[:, 1]]
    draw_joint = valid
    sigmas = np.full(NUM_J19, base * scale)
    if rng is not None:
        draw_joint = valid & (rng.random(NUM_J19) >= drop_prob)
        draw_limb = draw_limb & (rng.random(len(LIMBS)) >= drop_prob)
        sigmas = (base - rng.integers(0, 2, NUM_J19)) * scale
    if out is None:
        out = np.zeros((LABEL_CHANNELS, height, width), np.float32)
    elif out.shape != (LABEL_CHANNELS, height, width) or out.dtype != np.float32:
        raise ValueError(f"out must be float32 of shape ({LABEL_CHANNELS}, {height}, {width})")
    else:
        out[HEATMAP_CHANNELS] = 0.0
    out[SKELETON_CHANNELS] = -1.0
    _skeleton(out[SKELETON_CHANNELS], joints, draw_limb, scale)
    _heatmaps(out[HEATMAP_CHANNELS], joints, draw_joint, sigmas)
    return out


def _mask_canvas(joints: np.ndarray, height: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Blank mask, fixed-point joint positions, joints to draw and the person's size factor."""
    joints = np.asarray(joints, dtype=np.float64)
    seen = (joints[:, 2] > CONF_THRESHOLD) & np.isfinite(joints[:, :2]).all(axis=1)
    limit = 4.0 * max(height, width)
    points = np.round(np.clip(np.nan_to_num(joints[:, :2]), -limit, limit) * _ONE).astype(int)
    return np.zeros((height, width), np.uint8), points, seen, person_scale(joints, height)


def _point(fixed: np.ndarray) -> tuple[int, int]:
    return int(fixed[0]), int(fixed[1])


def _mask_line(mask: np.ndarray, points: np.ndarray, a: int, b: int, thickness: float) -> None:
    cv2.line(mask, _point(points[a]), _point(points[b]), 1, max(1, int(round(thickness))), cv2.LINE_8, _SHIFT)


def human_mask(joints: np.ndarray, height: int, width: int) -> np.ndarray:
    """Heuristic person mask (uint8 {0, 1}, (H, W)): discs at joints and thick limb and torso lines.

    Sizes are the reference's (radius 15, 30 at the nose; lines 30, torso 40) for a subject of typical size at
    320 pixels, scaled with the torso length. Joints outside the image still shape the lines that reach inside.
    """
    mask, points, seen, scale = _mask_canvas(joints, height, width)
    for j in np.flatnonzero(seen):
        radius = (MASK_NOSE_RADIUS if j == 0 else MASK_JOINT_RADIUS) * scale
        cv2.circle(mask, _point(points[j]), max(1, int(round(radius * _ONE))), 1, -1, cv2.LINE_8, _SHIFT)
    for a, b, thickness in MASK_LINES:
        if seen[a] and seen[b]:
            _mask_line(mask, points, a, b, thickness * scale)
    return mask


def part_mask(joints: np.ndarray, height: int, width: int, rng: np.random.Generator,
              rate: float = BLUR_RATE) -> np.ndarray:
    """Random limb mask (uint8 {0, 1}, (H, W)): each person-mask line is included with probability ``rate``."""
    mask, points, seen, scale = _mask_canvas(joints, height, width)
    chosen = rng.random(len(MASK_LINES)) < rate
    for (a, b, thickness), keep in zip(MASK_LINES, chosen):
        if keep and seen[a] and seen[b]:
            _mask_line(mask, points, a, b, thickness * scale)
    return mask


def labels_to_tensor(labels: np.ndarray) -> torch.Tensor:
    """A label (22, H, W) or a stack of labels as a float32 tensor sharing memory when possible."""
    return torch.from_numpy(np.ascontiguousarray(labels, dtype=np.float32))
