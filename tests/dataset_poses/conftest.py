"""Fixtures: synthetic people in the keypoint layouts of AlphaPose, OpenPose and MediaPipe, and frame folders.

Layouts are written here from the tools' published keypoint lists, by joint name, independently of the tables in
``HumanSloMo_Dataset/poses/layouts.py`` that they test.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from rib.frames import write_image

COCO17 = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
          "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
          "right_knee", "left_ankle", "right_ankle"]
FEET = ["left_big_toe", "left_small_toe", "left_heel", "right_big_toe", "right_small_toe", "right_heel"]
HALPE26 = COCO17 + ["head", "neck", "hip", "left_big_toe", "right_big_toe", "left_small_toe", "right_small_toe",
                    "left_heel", "right_heel"]
FACE = [f"face{i}" for i in range(68)]
HANDS = [f"left_hand{i}" for i in range(21)] + [f"right_hand{i}" for i in range(21)]
LAYOUT_NAMES = {
    17: COCO17,
    26: HALPE26,
    68: HALPE26 + HANDS,
    133: COCO17 + FEET + FACE + HANDS,
    136: HALPE26 + FACE + HANDS,
}
OPEN18 = ["nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow", "left_wrist",
          "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle", "right_eye", "left_eye",
          "right_ear", "left_ear"]
BLAZEPOSE33 = ["nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
               "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
               "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
               "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
               "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel", "left_foot_index",
               "right_foot_index"]
BODY25 = ["nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow", "left_wrist",
          "mid_hip", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle", "right_eye",
          "left_eye", "right_ear", "left_ear", "left_big_toe", "left_small_toe", "left_heel", "right_big_toe",
          "right_small_toe", "right_heel"]

# (x offset, y) of each joint as fractions of the body height, for a person facing the camera (their left is +x).
_SHAPE = {
    "head": (0, 0), "nose": (0, 0.08), "left_eye": (0.03, 0.06), "right_eye": (-0.03, 0.06),
    "left_eye_inner": (0.02, 0.06), "right_eye_inner": (-0.02, 0.06), "left_eye_outer": (0.04, 0.06),
    "right_eye_outer": (-0.04, 0.06), "left_ear": (0.06, 0.07), "right_ear": (-0.06, 0.07),
    "mouth_left": (0.02, 0.11), "mouth_right": (-0.02, 0.11),
    "left_shoulder": (0.12, 0.2), "right_shoulder": (-0.12, 0.2), "neck": (0, 0.2),
    "left_elbow": (0.15, 0.35), "right_elbow": (-0.15, 0.35), "left_wrist": (0.16, 0.48),
    "right_wrist": (-0.16, 0.48), "left_pinky": (0.17, 0.52), "right_pinky": (-0.17, 0.52),
    "left_index": (0.16, 0.53), "right_index": (-0.16, 0.53), "left_thumb": (0.15, 0.51),
    "right_thumb": (-0.15, 0.51), "left_hip": (0.08, 0.52), "right_hip": (-0.08, 0.52), "hip": (0, 0.52),
    "left_knee": (0.08, 0.72), "right_knee": (-0.08, 0.72), "left_ankle": (0.08, 0.95),
    "right_ankle": (-0.08, 0.95), "left_big_toe": (0.09, 0.99), "right_big_toe": (-0.09, 0.99),
    "left_small_toe": (0.11, 0.99), "right_small_toe": (-0.11, 0.99), "left_heel": (0.07, 0.97),
    "right_heel": (-0.07, 0.97),
}
_SHAPE["mid_hip"] = _SHAPE["hip"]
_SHAPE["left_foot_index"], _SHAPE["right_foot_index"] = _SHAPE["left_big_toe"], _SHAPE["right_big_toe"]
_SHAPE.update({f"face{i}": (0.04 * np.cos(i / 68 * 2 * np.pi), 0.08 + 0.04 * np.sin(i / 68 * 2 * np.pi))
               for i in range(68)})
for _side, _sign in (("left", 1), ("right", -1)):
    _SHAPE.update({f"{_side}_hand{i}": (_sign * (0.16 + 0.002 * i), 0.48 + 0.003 * i) for i in range(21)})


def joint(name: str, cx: float, top: float, height: float) -> tuple[float, float]:
    """Pixel position of a named joint of a person of ``height`` pixels centred at ``cx`` with the head at ``top``."""
    dx, y = _SHAPE[name]
    return cx + dx * height, top + y * height


def keypoints(names: list[str], cx: float = 200, top: float = 40, height: float = 300,
              confidence: float = 0.9) -> list[float]:
    """Flat [x, y, c] * len(names) list of a standing person in the layout given by ``names``."""
    flat: list[float] = []
    for name in names:
        flat.extend([*joint(name, cx, top, height), confidence])
    return flat


def write_json(path: Path, data: object) -> Path:
    """Write a JSON fixture file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def frame_folder(tmp_path: Path):
    """Make ``root/<clip>/frame00000.png ...``: small real PNG frames (the converters only need their names)."""

    def make(clip: str, count: int, root: Path = tmp_path / "frames", name: str = "frame{:05d}.png") -> Path:
        folder = root / clip
        for index in range(count):
            write_image(folder / name.format(index), np.full((24, 32, 3), 10 * index, np.uint8))
        return folder

    return make


@pytest.fixture
def kit():
    """This module's layouts and helpers (test modules cannot import a conftest under --import-mode=importlib)."""
    return sys.modules[__name__]
