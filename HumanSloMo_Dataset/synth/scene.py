"""The pybullet scene: the textured humanoid on a textured floor, rendered with the CPU renderer over a photo.

pybullet runs headless (``p.DIRECT``) and renders with ``ER_TINY_RENDERER``. The DeepMimic world is y up, so the
floor (``plane_implicit.urdf``) is turned -90 degrees about x. The humanoid is loaded with
``globalScaling = rib.deepmimic.SCALE`` and ``URDF_MAINTAIN_LINK_ORDER``; joints are found by name. Pixels where
nothing was drawn (the sky above the horizon) show a backdrop photo placed at infinity (see :class:`Backdrop`),
so it moves with the camera's pan and zoom but not with its translation, like distant scenery.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
import pybullet

from HumanSloMo_Dataset.synth import appearance
from HumanSloMo_Dataset.synth.camera import CameraFrame, view_rays
from rib import deepmimic
from rib.errors import RIBError

LIGHT_DIRECTION = (0.4, 1.0, 0.6)
"""Direction towards the light (y up): high and to one side."""
BACKDROP_SPAN = 80.0
"""Degrees of azimuth covered by one copy of the backdrop photo (copies repeat, mirrored, around the horizon)."""
RAY_STEP = 8
"""The backdrop's ray directions are computed every this many pixels and interpolated in between."""
HORIZON_ROW = 0.97
"""Fraction of the photo's height that sits at the horizon (the photo's bottom edge is just below it)."""


class Backdrop:
    """A photo wrapped around the horizon at infinity: azimuth and elevation of a view ray pick its pixel."""

    def __init__(self, photo: np.ndarray, centre_azimuth: float):
        self.photo = photo
        self.centre = np.radians(centre_azimuth)
        self.pixels_per_radian = photo.shape[1] / np.radians(BACKDROP_SPAN)

    def render(self, camera: CameraFrame) -> np.ndarray:
        """The backdrop as seen by ``camera`` (H, W, 3).

        Ray angles vary smoothly over the image, so they are computed on a grid 8 times coarser and resized.
        """
        rays = view_rays(camera, step=RAY_STEP)
        view_azimuth = np.arctan2(*(camera.target - camera.eye)[[2, 0]])
        # azimuth relative to the view direction first: continuous over the frame, so it can be resized
        azimuth = np.angle(np.exp(1j * (np.arctan2(rays[..., 2], rays[..., 0]) - view_azimuth)))
        azimuth = azimuth + np.angle(np.exp(1j * (view_azimuth - self.centre)))
        elevation = np.arcsin(np.clip(rays[..., 1], -1.0, 1.0))
        size = (camera.width, camera.height)
        azimuth = cv2.resize(azimuth.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
        elevation = cv2.resize(elevation.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
        width, height = self.photo.shape[1], self.photo.shape[0]
        u = (azimuth * self.pixels_per_radian + width / 2) % (2 * width)
        u = np.where(u >= width, 2 * width - 1 - u, u)  # mirrored copies join without seams
        v = HORIZON_ROW * height - elevation * self.pixels_per_radian
        return cv2.remap(self.photo, u.astype(np.float32), v.astype(np.float32), cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REFLECT)


@contextlib.contextmanager
def _c_stdout_silenced() -> Iterator[None]:
    """Hide what C code prints on the process's stdout (pybullet warns once per URDF joint without an axis)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class World:
    """A headless pybullet world holding the textured floor; actors are added to it. Use as a context manager."""

    def __init__(self, floor: str):
        self.client = pybullet.connect(pybullet.DIRECT)
        self._textures = tempfile.TemporaryDirectory(prefix="rib-synth-")
        try:
            rotation = pybullet.getQuaternionFromEuler([-np.pi / 2, 0.0, 0.0])
            self.floor = self.call(pybullet.loadURDF, str(deepmimic.data_dir() / "plane_implicit.urdf"),
                                   [0.0, 0.0, 0.0], rotation)
            self.call(pybullet.changeVisualShape, self.floor, -1, rgbaColor=[1, 1, 1, 1],
                      textureUniqueId=self.texture("floor", appearance.floor_texture(floor)))
        except Exception:
            self.close()
            raise

    def call(self, function, *args, **kwargs):
        """Call a pybullet function on this world's client."""
        return function(*args, physicsClientId=self.client, **kwargs)

    def texture(self, name: str, image: np.ndarray) -> int:
        """Load an RGB uint8 image as a texture; returns its pybullet id."""
        path = Path(self._textures.name) / f"{name}.png"
        cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        texture = self.call(pybullet.loadTexture, str(path))
        if texture < 0:
            raise RIBError(f"{path}: pybullet cannot load texture")
        return texture

    def snapshot(self, camera: CameraFrame) -> tuple[np.ndarray, np.ndarray]:
        """RGB uint8 (H, W, 3) and the segmentation buffer (H, W: body id, -1 where nothing was drawn)."""
        _, _, rgba, _, segmentation = self.call(
            pybullet.getCameraImage, camera.width, camera.height, camera.view, camera.projection,
            renderer=pybullet.ER_TINY_RENDERER, lightDirection=list(LIGHT_DIRECTION), shadow=0,
            lightAmbientCoeff=0.45, lightDiffuseCoeff=0.6, lightSpecularCoeff=0.05)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(camera.height, camera.width, 4)[..., :3]
        return rgb, np.asarray(segmentation).reshape(camera.height, camera.width)

    def close(self) -> None:
        if self.client is not None and self.client >= 0:
            pybullet.disconnect(physicsClientId=self.client)
        self.client = None
        self._textures.cleanup()

    def __enter__(self) -> "World":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def over_backdrop(rgb: np.ndarray, segmentation: np.ndarray, camera: CameraFrame, backdrop: Backdrop
                  ) -> np.ndarray:
    """The rendered frame with the backdrop photo wherever nothing was drawn (the sky)."""
    sky = segmentation < 0
    return np.ascontiguousarray(np.where(sky[..., None], backdrop.render(camera), rgb))


class Scene(World):
    """The floor and the capsule mannequin (pybullet's DeepMimic humanoid in :data:`appearance.ACTOR`'s clothes)."""

    def __init__(self, floor: str):
        super().__init__(floor)
        try:
            self._build_actor()
        except Exception:
            self.close()
            raise

    def _build_actor(self) -> None:
        with _c_stdout_silenced():
            self.actor = self.call(pybullet.loadURDF, str(deepmimic.urdf_path()), globalScaling=deepmimic.SCALE,
                                   flags=pybullet.URDF_MAINTAIN_LINK_ORDER)
        self.joints, links = {}, {}
        for index in range(self.call(pybullet.getNumJoints, self.actor)):
            info = self.call(pybullet.getJointInfo, self.actor, index)
            self.joints[info[1].decode()] = index
            links[info[12].decode()] = index
        for link, make in appearance.ACTOR.items():
            if link not in links:
                raise RIBError(f"{deepmimic.urdf_path()}: humanoid has no link '{link}'")
            self.call(pybullet.changeVisualShape, self.actor, links[link], rgbaColor=[1, 1, 1, 1],
                      textureUniqueId=self.texture(link, make()))

    def set_pose(self, clip: deepmimic.MotionClip, t: int) -> None:
        """Put the actor in frame ``t`` of ``clip``."""
        self.call(pybullet.resetBasePositionAndOrientation, self.actor, clip.root_position[t].tolist(),
                  clip.root_rotation[t].tolist())
        for name, index in self.joints.items():
            if name in clip.rotations:
                self.call(pybullet.resetJointStateMultiDof, self.actor, index,
                          targetValue=clip.rotations[name][t].tolist())
            elif name in clip.angles:
                self.call(pybullet.resetJointStateMultiDof, self.actor, index,
                          targetValue=[float(clip.angles[name][t])])

    def render(self, camera: CameraFrame, backdrop: Backdrop) -> tuple[np.ndarray, np.ndarray]:
        """RGB uint8 (H, W, 3) frame and boolean person mask (H, W) seen by ``camera``."""
        rgb, segmentation = self.snapshot(camera)
        return over_backdrop(rgb, segmentation, camera, backdrop), segmentation == self.actor

