"""A slowly moving camera around the actor and the exact pixel projection of pybullet's renderer.

The world is DeepMimic's: y up, metres. A camera path orbits a target that follows the actor's smoothed root, pans
(its azimuth drifts at a constant rate) and zooms (its distance changes linearly over the clip), so the floor and
the backdrop move in every clip. Matrices are pybullet's own (``computeViewMatrix`` /
``computeProjectionMatrixFOV``, OpenGL conventions), and :func:`project` maps world points to pixels exactly as the
renderer rasterises them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pybullet
from scipy.ndimage import gaussian_filter1d

NEAR, FAR = 0.05, 200.0
"""Clipping planes (metres); the floor is 100 m in every direction."""
TARGET_SMOOTHING_S = 0.6
"""The camera target follows the root position smoothed by a Gaussian of this many seconds: a lagging follow."""
TARGET_HEIGHT = (0.3, 0.95)
"""The target's height is the smoothed root height clipped to this range (metres)."""


@dataclass
class CameraPath:
    """Parameters of one clip's camera (all angles in degrees, lengths in metres, rates per second)."""

    azimuth: float
    """Direction from the target to the camera at the first frame, about the vertical axis."""
    pan_rate: float
    elevation: float
    """Angle of the line of sight below the horizontal."""
    distance: float
    zoom: float
    """Relative change of the distance from the first to the last frame (-0.1: 10% closer at the end)."""
    fov: float
    """Vertical field of view."""
    backdrop_azimuth: float
    """Where the backdrop photo's centre lies (azimuth of the view direction)."""

    def to_dict(self) -> dict:
        return {key: round(float(value), 4) for key, value in asdict(self).items()}


def sample_path(rng: np.random.Generator) -> CameraPath:
    """A random camera path: anywhere around the actor, at about its height, 2.6-3.6 m away, slow pan and zoom."""
    return CameraPath(
        azimuth=rng.uniform(0.0, 360.0), pan_rate=rng.choice([-1.0, 1.0]) * rng.uniform(2.0, 8.0),
        elevation=rng.uniform(-1.0, 6.0), distance=rng.uniform(2.6, 3.6), zoom=rng.uniform(-0.15, 0.15),
        fov=rng.uniform(36.0, 44.0), backdrop_azimuth=rng.uniform(0.0, 360.0))


@dataclass
class CameraFrame:
    """One frame's camera: eye and target (world), pybullet's view and projection matrices (column-major lists)."""

    eye: np.ndarray
    target: np.ndarray
    view: tuple
    projection: tuple
    width: int
    height: int

    def matrix(self) -> np.ndarray:
        """The 4x4 world -> clip-space matrix P @ V (row-major)."""
        view = np.asarray(self.view, dtype=np.float64).reshape(4, 4).T
        projection = np.asarray(self.projection, dtype=np.float64).reshape(4, 4).T
        return projection @ view


def camera_frames(path: CameraPath, root: np.ndarray, fps: float, width: int, height: int) -> list[CameraFrame]:
    """The camera of every frame of a clip whose (T, 3) root trajectory is ``root`` (y up)."""
    count = len(root)
    smooth = gaussian_filter1d(root, TARGET_SMOOTHING_S * fps, axis=0, mode="nearest") if count > 1 else root
    seconds = np.arange(count) / fps
    progress = seconds / seconds[-1] if count > 1 else np.zeros(1)
    frames = []
    for t in range(count):
        target = np.array([smooth[t, 0], np.clip(smooth[t, 1], *TARGET_HEIGHT), smooth[t, 2]])
        azimuth = np.radians(path.azimuth + path.pan_rate * seconds[t])
        elevation = np.radians(path.elevation)
        distance = path.distance * (1.0 + path.zoom * progress[t])
        offset = distance * np.array([np.cos(elevation) * np.cos(azimuth), np.sin(elevation),
                                      np.cos(elevation) * np.sin(azimuth)])
        eye = target + offset
        frames.append(CameraFrame(
            eye=eye, target=target, width=width, height=height,
            view=pybullet.computeViewMatrix(eye.tolist(), target.tolist(), [0.0, 1.0, 0.0]),
            projection=pybullet.computeProjectionMatrixFOV(path.fov, width / height, NEAR, FAR)))
    return frames


def project(camera: CameraFrame, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (N, 2) of world points (N, 3) and whether each lies in front of the camera.

    Pixel coordinates follow OpenPose and OpenCV: integers are pixel centres, row 0 at the top. pybullet's tiny
    renderer puts ndc_x = -1 at column 0's centre and flips rows after rasterising, which gives
    x = (ndc_x + 1) / 2 * width and y = (1 - ndc_y) / 2 * height - 1 (checked against the centroids of rendered
    link masks in the tests).
    """
    points = np.asarray(points, dtype=np.float64)
    clip = np.concatenate([points, np.ones((len(points), 1))], axis=1) @ camera.matrix().T
    in_front = clip[:, 3] > NEAR
    ndc = clip[:, :2] / np.where(in_front, clip[:, 3], 1.0)[:, None]
    pixels = np.stack([(ndc[:, 0] + 1.0) / 2.0 * camera.width, (1.0 - ndc[:, 1]) / 2.0 * camera.height - 1.0], axis=1)
    return pixels, in_front


def frame_margin(camera: CameraFrame, points: np.ndarray) -> float:
    """Pixels from the image border to the nearest of the defined (finite) ``points`` (N, 3); -inf if one is
    behind the camera."""
    pixels, in_front = project(camera, points[np.isfinite(points).all(axis=1)])
    if not in_front.all():
        return -np.inf
    return float(min(pixels.min(), (camera.width - 1 - pixels[:, 0]).min(), (camera.height - 1 - pixels[:, 1]).min()))


def view_rays(camera: CameraFrame, step: int = 1) -> np.ndarray:
    """Unit world directions (H / step, W / step, 3) of rays through a grid of pixels, one per step x step block.

    Each ray passes through its block's centre, which is what ``cv2.resize`` assumes when the grid is enlarged.
    """
    centre = (step - 1) / 2
    xs = (np.arange(0, camera.width, step) + centre) / camera.width * 2.0 - 1.0
    ys = 1.0 - (np.arange(0, camera.height, step) + centre + 1.0) / camera.height * 2.0
    ndc_x, ndc_y = np.meshgrid(xs, ys)
    far = np.stack([ndc_x, ndc_y, np.ones_like(ndc_x), np.ones_like(ndc_x)], axis=-1) @ np.linalg.inv(
        camera.matrix()).T
    directions = far[..., :3] / far[..., 3:] - camera.eye
    return directions / np.linalg.norm(directions, axis=-1, keepdims=True)
