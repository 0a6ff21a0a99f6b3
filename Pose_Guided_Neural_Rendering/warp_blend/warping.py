"""Pose-guided warping: move a keyframe's person to a new pose, limb by limb, at any output resolution.

Every limb of :data:`rib.joints.LIMBS` whose two joints are known in both poses gets an affine map from the target
pose to the source pose: the bone's direction and length follow the source (length ratio clipped), the width across
the bone is kept. A target pixel takes the maps of all limbs, weighted by a Gaussian of its distance to each target
bone, so the warp is smooth at the joints. The result is a backward warp: for every output pixel, where to read the
source keyframe. Everything works on a :class:`Crop` (a square of the frame sampled on an ``n x n`` grid), so the
same code gives training crops at network size and native-resolution crops at inference.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from rib.joints import LIMBS, NECK, ROOT

LENGTH_RATIO_RANGE = (0.5, 2.0)
"""Bone foreshortening beyond this is treated as a pose error, not as a real change of length."""
SIGMA_OF_TORSO = 0.12
"""Width of the Gaussian that assigns pixels to limbs, as a fraction of the torso length."""
MARGIN_OF_TORSO = 0.6
"""Crop margin around the joints (head, hands, feet and clothing reach past them), as a fraction of the torso."""
MIN_TORSO = 8.0
"""Torso length (pixels) used when the pose has no neck or mid-hip."""


@dataclass(frozen=True)
class Crop:
    """A square window of a frame: top-left corner ``(x0, y0)``, side ``side`` in frame pixels, sampled ``n x n``."""

    x0: float
    y0: float
    side: float
    n: int

    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Frame coordinates (x, y) of the centres of the n x n output pixels, as float32 (n, n) arrays."""
        step = self.side / self.n
        coords = (np.arange(self.n, dtype=np.float32) + 0.5) * step - 0.5
        return np.meshgrid(self.x0 + coords, self.y0 + coords)

    def sample(self, image: np.ndarray, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
        """The crop of ``image`` resampled to n x n (edge pixels repeated outside the frame)."""
        xs, ys = self.grid()
        return remap(image, xs, ys, self.side / self.n, interpolation)

    def at_most(self, max_n: int) -> "Crop":
        """The same window sampled at most ``max_n`` pixels a side (a comparison made cheap on a large person)."""
        return replace(self, n=min(self.n, max_n))

    def paste_box(self) -> tuple[int, int, int, int]:
        """Integer (x0, y0, x1, y1) of the crop in the frame (only meaningful when side == n)."""
        x0, y0 = int(round(self.x0)), int(round(self.y0))
        return x0, y0, x0 + self.n, y0 + self.n


def remap(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, shrink: float = 1.0,
          interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """``image`` sampled at (map_x, map_y); low-pass filtered first where the grid is coarser than the pixels.

    Only the region the maps reach is filtered and read, so a small crop of a large frame stays cheap.
    """
    height, width = image.shape[:2]
    pad = int(np.ceil(1.5 * shrink)) + 2
    x0 = int(np.clip(np.floor(map_x.min()) - pad, 0, width - 1))
    y0 = int(np.clip(np.floor(map_y.min()) - pad, 0, height - 1))
    x1 = int(np.clip(np.ceil(map_x.max()) + pad + 1, x0 + 1, width))
    y1 = int(np.clip(np.ceil(map_y.max()) + pad + 1, y0 + 1, height))
    region = image[y0:y1, x0:x1]
    if shrink > 1.5 and interpolation != cv2.INTER_NEAREST:  # pre-filter before sub-sampling, as a resize would
        region = cv2.GaussianBlur(region, (0, 0), 0.5 * shrink, borderType=cv2.BORDER_REPLICATE)
    return cv2.remap(region, map_x - x0, map_y - y0, interpolation, borderMode=cv2.BORDER_REPLICATE)


def known(pose: np.ndarray) -> np.ndarray:
    """Boolean (19,) of the joints with positive confidence."""
    return pose[:, 2] > 0


def torso_length(pose: np.ndarray) -> float:
    """Neck-to-mid-hip length in pixels (or a spread-based guess when either is missing)."""
    ok = known(pose)
    if ok[NECK] and ok[ROOT]:
        return max(float(np.linalg.norm(pose[NECK, :2] - pose[ROOT, :2])), MIN_TORSO)
    if ok.sum() >= 2:
        spread = pose[ok, :2].max(0) - pose[ok, :2].min(0)
        return max(float(spread.max()) / 3.0, MIN_TORSO)
    return MIN_TORSO


def person_crop(poses: list[np.ndarray], n: int | None = None, frame_hw: tuple[int, int] | None = None) -> Crop:
    """A square crop around the known joints of all ``poses`` with a torso-scaled margin.

    ``n`` defaults to the side in pixels (native resolution). With ``frame_hw`` the crop is shifted (not shrunk) to
    stay inside the frame where it fits, and it is never larger than the frame: joints spread wider than the frame
    (a wrong joint far outside) are cropped to the part inside it, so the cost is bounded by the frame size.
    """
    points = np.concatenate([pose[known(pose), :2] for pose in poses])
    margin = MARGIN_OF_TORSO * max(torso_length(pose) for pose in poses)
    low, high = points.min(0) - margin, points.max(0) + margin
    side = float(np.ceil((high - low).max()))
    if frame_hw is not None and side > max(frame_hw):
        low, high = np.maximum(low, 0.0), np.minimum(high, np.array(frame_hw[::-1], dtype=float))
        side = float(np.clip(np.ceil((high - low).max()), 1.0, max(frame_hw)))
    x0, y0 = (low + high) / 2 - side / 2
    if frame_hw is not None:
        height, width = frame_hw
        x0 = min(max(x0, 0.0), max(width - side, 0.0)) if side <= width else x0
        y0 = min(max(y0, 0.0), max(height - side, 0.0)) if side <= height else y0
    x0, y0 = float(np.floor(x0)), float(np.floor(y0))
    return Crop(x0, y0, side, int(side) if n is None else n)


def limb_affines(target: np.ndarray, source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Affine maps (L, 2, 3) from target to source coordinates for the usable limbs, and their indices in LIMBS.

    Each limb's map stretches along the target bone by the length ratio (clipped to LENGTH_RATIO_RANGE), keeps the
    width, then rotates onto the source bone and moves its centre onto the source bone's centre; a bone shorter than
    1e-3 pixels in either pose is only moved. All limbs at once, in float64 (the pose refinement asks for thousands
    of maps).
    """
    ends = np.asarray(LIMBS)
    ok_t, ok_s = known(target), known(source)
    used = np.flatnonzero(ok_t[ends[:, 0]] & ok_t[ends[:, 1]] & ok_s[ends[:, 0]] & ok_s[ends[:, 1]])
    if not len(used):
        return np.zeros((0, 2, 3), np.float32), used
    p = target[ends[used], :2].astype(np.float64)  # (L, 2 ends, xy)
    q = source[ends[used], :2].astype(np.float64)
    dp, dq = p[:, 1] - p[:, 0], q[:, 1] - q[:, 0]
    len_p, len_q = np.sqrt((dp * dp).sum(1)), np.sqrt((dq * dq).sum(1))
    moved_only = (len_p < 1e-3) | (len_q < 1e-3)
    len_p, len_q = np.where(moved_only, 1.0, len_p), np.where(moved_only, 1.0, len_q)
    u_p, u_q = dp / len_p[:, None], dq / len_q[:, None]
    ratio = np.clip(len_q / len_p, *LENGTH_RATIO_RANGE)
    cos = u_q[:, 0] * u_p[:, 0] + u_q[:, 1] * u_p[:, 1]  # rotation taking u_p onto u_q
    sin = u_q[:, 1] * u_p[:, 0] - u_q[:, 0] * u_p[:, 1]
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    # stretch along the target bone by the length ratio, keep the width, then rotate onto the source bone
    stretch = np.eye(2) + (ratio - 1.0)[:, None, None] * (u_p[:, :, None] * u_p[:, None, :])
    linear = np.where(moved_only[:, None, None], np.eye(2), rotation @ stretch)
    centre_p, centre_q = p.mean(1), q.mean(1)
    shift = centre_q - (linear @ centre_p[:, :, None])[:, :, 0]
    return np.concatenate([linear, shift[:, :, None]], axis=2).astype(np.float32), used


def segment_distances(xs: np.ndarray, ys: np.ndarray, pose: np.ndarray, limbs: np.ndarray) -> np.ndarray:
    """Distance (L, H, W) of every grid point to each target bone in ``limbs`` (indices into LIMBS); float32."""
    pairs = np.asarray([LIMBS[i] for i in limbs], dtype=int).reshape(-1, 2)
    start = pose[pairs[:, 0], :2].astype(np.float32)[:, :, None, None]
    delta = pose[pairs[:, 1], :2].astype(np.float32)[:, :, None, None] - start
    dx, dy = xs[None] - start[:, 0], ys[None] - start[:, 1]
    length2 = np.maximum(delta[:, 0] ** 2 + delta[:, 1] ** 2, 1e-6)
    along = np.clip((dx * delta[:, 0] + dy * delta[:, 1]) / length2, 0.0, 1.0)
    dx -= along * delta[:, 0]
    dy -= along * delta[:, 1]
    return np.sqrt(dx * dx + dy * dy)


@dataclass(frozen=True)
class TargetBones:
    """A target pose on a crop grid, with every bone's distance computed once (shared by both warps and the
    proximity map)."""

    crop: Crop
    pose: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    distances: np.ndarray
    """(len(LIMBS), n, n) distance of each grid point to each bone; inf for a bone with an unknown joint."""
    _limb_weights: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    """:meth:`limb_weights` already worked out, by the limbs they were asked for."""

    @classmethod
    def on(cls, crop: Crop, pose: np.ndarray) -> "TargetBones":
        xs, ys = crop.grid()
        ok = known(pose)
        usable = np.flatnonzero([ok[a] and ok[b] for a, b in LIMBS])
        distances = np.full((len(LIMBS), crop.n, crop.n), np.inf, np.float32)
        if len(usable):
            distances[usable] = segment_distances(xs, ys, pose, usable)
        return cls(crop, pose, xs, ys, distances)

    def moved(self, joint: int, xy: np.ndarray) -> "TargetBones":
        """The same bones with ``joint`` (a known one) at ``xy``: only the bones that meet it are measured again."""
        pose = self.pose.copy()
        pose[joint, :2] = xy
        ok = known(pose)
        touched = np.flatnonzero([joint in limb and ok[limb[0]] and ok[limb[1]] for limb in LIMBS])
        distances = self.distances.copy()
        if len(touched):
            distances[touched] = segment_distances(self.xs, self.ys, pose, touched)
        return TargetBones(self.crop, pose, self.xs, self.ys, distances)

    def limb_weights(self, limbs: np.ndarray) -> np.ndarray:
        """(len(limbs), n, n) share of each of ``limbs`` (indices into LIMBS) in every pixel's warp: a softmax of a
        Gaussian of the distance to each bone. Worked out once per set of limbs: the pose refinement warps onto the
        same target bones many times with only the source pose moving."""
        key = tuple(limbs)
        if key not in self._limb_weights:
            sigma = SIGMA_OF_TORSO * torso_length(self.pose)
            logits = -0.5 * (self.distances[limbs] / sigma) ** 2
            logits -= logits.max(0, keepdims=True)
            weights = np.exp(logits)
            weights /= weights.sum(0, keepdims=True)
            self._limb_weights[key] = weights
        return self._limb_weights[key]


def body_proximity(bones: TargetBones) -> np.ndarray:
    """exp(-d^2 / 2 s^2) of the distance d to the nearest target bone on the crop grid (s = torso/4); (n, n)."""
    scale = 0.25 * torso_length(bones.pose)
    return np.exp(-0.5 * (bones.distances.min(0) / scale) ** 2).astype(np.float32)


def warp_coordinates(bones: TargetBones, source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each crop pixel (posed as ``bones.pose``) reads the frame posed as ``source``: float32 (n, n) x and y
    maps.

    Pixels near no usable limb keep their own position (identity).
    """
    xs, ys = bones.xs, bones.ys
    maps, limbs = limb_affines(bones.pose, source)
    if len(limbs) == 0:
        return xs, ys
    affine = np.einsum("lhw,lij->ijhw", bones.limb_weights(limbs), maps)  # per-pixel blend of the limb maps
    map_x = affine[0, 0] * xs + affine[0, 1] * ys + affine[0, 2]
    map_y = affine[1, 0] * xs + affine[1, 1] * ys + affine[1, 2]
    return map_x.astype(np.float32), map_y.astype(np.float32)


def pose_warp(image: np.ndarray, bones: TargetBones, source: np.ndarray) -> np.ndarray:
    """The person of ``image`` (posed as ``source``) moved to the target pose of ``bones``; (n, n, C)."""
    map_x, map_y = warp_coordinates(bones, source)
    return remap(image, map_x, map_y, bones.crop.side / bones.crop.n)
