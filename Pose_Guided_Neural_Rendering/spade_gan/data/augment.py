"""Geometry and blur of the reference's training augmentation (section 4.3).

One 2x3 affine matrix maps a source frame to the model canvas: the resize to model size composed with a random
shift-scale-rotate shared by every frame, background, mask and keypoint of a training window. Images go through
``cv2.warpAffine`` (black borders) and points through the same matrix, so labels stay on the body.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from Pose_Guided_Neural_Rendering.spade_gan.data.labels import image_scale

SHIFT_LIMIT = 0.0625
"""Largest shift, as a fraction of the canvas width (x) and height (y)."""
SCALE_LIMIT = 0.1
"""Largest relative zoom in or out."""
ROTATE_LIMIT = 10.0
"""Largest rotation in degrees."""
BLUR_SIGMA = 10.0
"""Sigma of the background blur at the reference height (the reference's PIL GaussianBlur radius 10)."""


def resize_matrix(src_hw: tuple[int, int], dst_hw: tuple[int, int]) -> np.ndarray:
    """Affine matrix of a plain resize, with pixel centres at integer coordinates (as ``cv2.resize``)."""
    sy, sx = dst_hw[0] / src_hw[0], dst_hw[1] / src_hw[1]
    return np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5]])


def random_affine(rng: np.random.Generator, height: int, width: int, shift: float = SHIFT_LIMIT,
                  scale: float = SCALE_LIMIT, rotate: float = ROTATE_LIMIT) -> np.ndarray:
    """A random shift-scale-rotate of an H x W canvas about its centre (albumentations' ShiftScaleRotate)."""
    angle = rng.uniform(-rotate, rotate)
    zoom = 1.0 + rng.uniform(-scale, scale)
    dx, dy = rng.uniform(-shift, shift, size=2)
    matrix = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), angle, zoom)
    matrix[:, 2] += (dx * width, dy * height)
    return matrix


def compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """The 2x3 matrix applying ``inner`` first, then ``outer``."""
    return outer @ np.vstack([inner, (0.0, 0.0, 1.0)])


def warp_image(image: np.ndarray, matrix: np.ndarray, size_hw: tuple[int, int],
               interpolation: int = cv2.INTER_CUBIC) -> np.ndarray:
    """Warp an image onto an ``size_hw`` canvas with black borders."""
    return cv2.warpAffine(image, matrix, (size_hw[1], size_hw[0]), flags=interpolation,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def warp_mask(mask: np.ndarray, matrix: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """Warp a {0, 1} mask with nearest-neighbour sampling (it stays binary)."""
    return warp_image(mask, matrix, size_hw, cv2.INTER_NEAREST)


def warp_joints(joints: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply the matrix to (..., 19, 3) joints; confidences are kept, missing joints stay all zero."""
    joints = np.asarray(joints, dtype=np.float64)
    moved = joints.copy()
    moved[..., :2] = joints[..., :2] @ matrix[:, :2].T + matrix[:, 2]
    moved[joints[..., 2] <= 0] = 0.0
    return moved


def blur_under(image: np.ndarray, mask: np.ndarray, sigma: float | None = None) -> np.ndarray:
    """Replace the pixels of ``image`` under ``mask`` by a Gaussian-blurred copy (simulates ghosting of limbs).

    ``sigma`` defaults to :data:`BLUR_SIGMA` scaled with the image height.
    """
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return image
    sigma = BLUR_SIGMA * image_scale(image.shape[0]) if sigma is None else sigma
    # Blur only the mask's box grown past the kernel radius (OpenCV: 3 sigma for uint8): same result, less work.
    margin = int(math.ceil(4 * sigma)) + 1
    top, left = max(rows.min() - margin, 0), max(cols.min() - margin, 0)
    bottom, right = min(rows.max() + margin + 1, image.shape[0]), min(cols.max() + margin + 1, image.shape[1])
    box = (slice(top, bottom), slice(left, right))
    blurred = cv2.GaussianBlur(image[box], (0, 0), sigma)
    out = image.copy()
    out[box] = np.where(mask[box][..., None].astype(bool), blurred, image[box])
    return out
