"""Views and cameras: canonical body frame, random view rotation, perspective projection (reference 3.3 4-5)."""
from __future__ import annotations

import numpy as np

R_SHOULDER, L_SHOULDER, R_HIP, L_HIP = 2, 5, 9, 12
MIN_DEPTH_FRACTION = 0.1
COORD_LIMIT = 10.0


def canonical_basis(joints: np.ndarray) -> np.ndarray:
    """Rows (x, y, z) of the body frame of a (T, 19, 3) z-up clip: the person faces the camera, left at +x.

    The body's right direction is the mean over time of the shoulder and hip left-to-right vectors.
    """
    right = 0.5 * ((joints[:, R_SHOULDER] - joints[:, L_SHOULDER]) + (joints[:, R_HIP] - joints[:, L_HIP]))
    right = right.mean(axis=0)
    up = np.array([0.0, 0.0, 1.0])
    y = np.cross(right, up)
    norm = np.linalg.norm(y)
    y = y / norm if norm > 1e-8 else np.array([0.0, 1.0, 0.0])
    return np.stack([np.cross(y, up), y, up])


def view_rotation(angles: np.ndarray) -> np.ndarray:
    """Rotation for view angles (elevation, unused, azimuth) in radians: azimuth about z, then tilt about x."""
    elevation, _, azimuth = angles
    ce, se, ca, sa = np.cos(elevation), np.sin(elevation), np.cos(azimuth), np.sin(azimuth)
    tilt = np.array([[1.0, 0.0, 0.0], [0.0, ce, -se], [0.0, se, ce]])
    turn = np.array([[ca, -sa, 0.0], [sa, ca, 0.0], [0.0, 0.0, 1.0]])
    return tilt @ turn


def sample_view(rng: np.random.Generator, rotation_axes) -> np.ndarray:
    """Random view angles U(-a, a) * pi per axis (the reference's ``rotation_axes`` times pi)."""
    axes = np.asarray(rotation_axes, dtype=np.float64)
    return rng.uniform(-1.0, 1.0, 3) * axes * np.pi


def to_camera(joints: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Centre a (T, J, 3) clip on its mean pelvis and rotate it into the camera frame of view ``angles``."""
    centred = joints - joints[:, 8].mean(axis=0)
    rotation = view_rotation(angles) @ canonical_basis(joints)
    return centred @ rotation.T


def project(points: np.ndarray, focal: float, depth: float) -> np.ndarray:
    """Perspective projection of camera-frame points (..., 3), camera looking along +y, image v pointing down."""
    distance = np.maximum(points[..., 1] + depth, MIN_DEPTH_FRACTION * depth)
    uv = np.stack([points[..., 0], -points[..., 2]], axis=-1) * (focal / distance)[..., None]
    return np.clip(uv, -COORD_LIMIT, COORD_LIMIT)
