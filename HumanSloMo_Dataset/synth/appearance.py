"""What the scene looks like: the actor's clothes (one fixed look for every clip) and the scenery photographs.

The actor wears a striped shirt (chest and upper arms), blue denim trousers (pelvis, thighs, shins), red shoes,
skin-coloured forearms, hands and head, and dark hair on the back half of the head, so front and back differ. The
textures are made procedurally and never change, so every clip shows the same person.

Scenery comes from scikit-image's bundled photographs (no download): the backdrop is a photo of a real place
(a launch site, a garage), the floor a real ground texture (gravel, grass, brick) tinted to a plausible colour.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from rib.errors import RIBError

BACKDROPS = ("rocket.jpg", "motorcycle_left.png")
"""scikit-image photographs used as the distant scenery (no people in them) behind the capsule actor."""
HUMAN_BACKDROPS = BACKDROPS + ("motorcycle_right.png", "hubble_deep_field.jpg")
"""...and behind the human actor: the garage from the other side and a night sky as well."""
FLOORS = {"gravel.png": (1.0, 0.92, 0.8), "grass.png": (0.55, 0.8, 0.35), "brick.png": (0.9, 0.55, 0.45)}
"""Ground textures and the RGB tint that turns the grey texture into a coloured one."""

FLOOR_TEXTURE_SIZE = 256
"""Texels per floor texture tile (one tile covers 2 m x 2 m of pybullet's plane)."""
SKIN = (224, 172, 140)
HAIR = (60, 38, 24)
SHOES = (150, 30, 30)
TEXTURE_SIZE = 64


def skimage_data(name: str) -> Path:
    """Path of one of scikit-image's bundled data images."""
    import skimage

    path = Path(skimage.__file__).parent / "data" / name
    if not path.is_file():
        raise RIBError(f"{path}: scikit-image data image missing (reinstall scikit-image)")
    return path


def read_photo(name: str) -> np.ndarray:
    """A bundled scikit-image photo as RGB uint8."""
    image = cv2.imread(str(skimage_data(name)), cv2.IMREAD_COLOR)
    if image is None:
        raise RIBError(f"{skimage_data(name)}: cannot read image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def floor_texture(name: str) -> np.ndarray:
    """A tinted RGB ground texture, shrunk to :data:`FLOOR_TEXTURE_SIZE` (area-averaged).

    The tiny renderer samples textures without mipmaps, so a finer texture aliases into flicker on the distant
    floor as the camera moves; the smaller texture halves that flicker at the cost of some sharpness up close.
    """
    grey = read_photo(name).mean(axis=2, keepdims=True)
    tinted = np.clip(grey * np.asarray(FLOORS[name]), 0, 255).astype(np.uint8)
    return cv2.resize(tinted, (FLOOR_TEXTURE_SIZE, FLOOR_TEXTURE_SIZE), interpolation=cv2.INTER_AREA)


def _plain(colour: tuple[int, int, int]) -> np.ndarray:
    return np.broadcast_to(np.asarray(colour, np.uint8), (TEXTURE_SIZE, TEXTURE_SIZE, 3)).copy()


def shirt() -> np.ndarray:
    """Navy and white horizontal stripes with a thin red pinstripe."""
    texture = _plain((30, 45, 110))
    rows = np.arange(TEXTURE_SIZE) % 16
    texture[rows < 6] = (235, 235, 225)
    texture[rows == 10] = (190, 40, 40)
    return texture


def denim() -> np.ndarray:
    """Blue denim: a fixed diagonal twill pattern with fixed fine noise."""
    y, x = np.mgrid[:TEXTURE_SIZE, :TEXTURE_SIZE]
    twill = ((x + y) % 4 < 2).astype(np.float64)
    noise = np.random.default_rng(7).uniform(-1.0, 1.0, (TEXTURE_SIZE, TEXTURE_SIZE))
    shade = 0.8 + 0.12 * twill + 0.08 * noise
    return np.clip(shade[..., None] * np.array([60.0, 90.0, 150.0]), 0, 255).astype(np.uint8)


def head() -> np.ndarray:
    """Skin with hair over half of the texture's u range (the back of the head) and over the top rows."""
    texture = _plain(SKIN)
    texture[:, TEXTURE_SIZE // 2:] = HAIR
    texture[: TEXTURE_SIZE // 5] = HAIR
    return texture


ACTOR = {
    "root": denim, "chest": shirt, "neck": head,
    "right_shoulder": shirt, "left_shoulder": shirt,
    "right_elbow": lambda: _plain(SKIN), "left_elbow": lambda: _plain(SKIN),
    "right_wrist": lambda: _plain((210, 160, 128)), "left_wrist": lambda: _plain((210, 160, 128)),
    "right_hip": denim, "left_hip": denim, "right_knee": denim, "left_knee": denim,
    "right_ankle": lambda: _plain(SHOES), "left_ankle": lambda: _plain(SHOES),
}
"""Texture of every link of the humanoid (by URDF link name): the actor's fixed look."""
