"""DeepMimic motion capture shipped with pybullet: clip reader, resampling and URDF forward kinematics to J19.

The clips (``pybullet_data/data/motions/humanoid3d_*.txt`` and ``walker/*.txt``) are JSON files whose ``Frames``
rows hold 44 numbers: ``dt``, root position (3), root quaternion (w, x, y, z), then the local rotations of chest,
neck, right hip, right knee (1 angle), right ankle, right shoulder, right elbow (1 angle), and the same for the left
side. ``dt`` is the time from a frame to the next one (1/60 to 1/16 s, and it may vary inside a file). Clips marked
``"Loop": "wrap"`` are cycles; each is used for one pass, as recorded. The world is y up, metres, the character
faces +x at rest and its right side is +z.

The skeleton is ``pybullet_data/humanoid/humanoid.urdf`` loaded with ``globalScaling`` :data:`SCALE` (0.25), as in
pybullet's DeepMimic examples. At that scale the figure measures 1.62 m from the soles to the top of the head sphere,
an ordinary adult height, and the clips' root translations are expressed in the same scaled units, so no other
scale is applied: joints come out in real metres.

Both the motion h5 builder and the synthetic video renderer use this module, so the 3D joints of the motion data
and the 2D ground truth of the rendered videos come from the same forward kinematics.
"""
from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation, Slerp

from rib.errors import RIBError
from rib.joints import J19_NAMES
from rib.textio import read_text

SCALE = 0.25
"""pybullet ``globalScaling`` of the humanoid URDF; the clips' root positions are in these units (metres)."""

FRAME_LAYOUT = (
    ("chest", 4), ("neck", 4), ("right_hip", 4), ("right_knee", 1), ("right_ankle", 4), ("right_shoulder", 4),
    ("right_elbow", 1), ("left_hip", 4), ("left_knee", 1), ("left_ankle", 4), ("left_shoulder", 4),
    ("left_elbow", 1),
)
"""URDF joint and number of values of each local rotation in a frame row, after dt, root position and rotation."""
FRAME_SIZE = 1 + 3 + 4 + sum(size for _, size in FRAME_LAYOUT)

TEST_CLIPS = (
    "walker_0walk_forward", "walker_turn_left0", "walker_turn_left1", "walker_turn_right0", "walker_turn_right1",
    "dance_b", "jump", "spinkick",
)
"""The fixed test split: the five walker clips and three humanoid clips of different kinds (dance, jump, kick)."""
TRAIN_CLIPS = (
    "backflip", "cartwheel", "crawl", "dance_a", "getup_facedown", "getup_faceup", "kick", "punch", "roll", "run",
    "spin", "walk",
)
"""Every other clip: training only."""

Y_UP_TO_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
"""Rotation (not a reflection) taking DeepMimic's y-up world to the motion h5's z-up world: (x, y, z) -> (x, -z, y)."""


def data_dir() -> Path:
    """The installed ``pybullet_data`` folder."""
    try:
        import pybullet_data
    except ImportError:
        raise RIBError("pybullet_data: not installed (pip install pybullet==3.2.7)") from None
    return Path(pybullet_data.getDataPath())


def urdf_path() -> Path:
    """The DeepMimic humanoid URDF inside ``pybullet_data``."""
    return data_dir() / "humanoid" / "humanoid.urdf"


def clip_paths() -> dict[str, Path]:
    """Every DeepMimic human clip by name: ``humanoid3d_<kind>.txt`` -> ``<kind>``, ``walker/<x>.txt`` -> ``walker_<x>``."""
    motions = data_dir() / "data" / "motions"
    paths = {p.stem[len("humanoid3d_"):]: p for p in motions.glob("humanoid3d_*.txt")}
    paths.update({f"walker_{p.stem}": p for p in (motions / "walker").glob("*.txt")})
    missing = sorted(set(TRAIN_CLIPS + TEST_CLIPS) - set(paths))
    if missing:
        raise RIBError(f"{motions}: DeepMimic clips missing: {', '.join(missing)}")
    return dict(sorted(paths.items()))


def split_of(name: str) -> str:
    """``"test"`` for the clips of :data:`TEST_CLIPS`, else ``"train"``."""
    return "test" if name in TEST_CLIPS else "train"


@dataclass
class MotionClip:
    """A DeepMimic motion: frame times, root trajectory and local joint rotations (quaternions x, y, z, w)."""

    times: np.ndarray
    root_position: np.ndarray
    root_rotation: np.ndarray
    rotations: dict[str, np.ndarray] = field(default_factory=dict)
    """Spherical joints: (T, 4) local quaternions (x, y, z, w)."""
    angles: dict[str, np.ndarray] = field(default_factory=dict)
    """Revolute joints (knees, elbows): (T,) angles in radians about the joint axis."""
    source: str = ""

    def __len__(self) -> int:
        return len(self.times)


def _wxyz_to_xyzw(quaternions: np.ndarray) -> np.ndarray:
    return np.concatenate([quaternions[:, 1:], quaternions[:, :1]], axis=1)


def read_clip(path: str | os.PathLike) -> MotionClip:
    """Read one DeepMimic clip file; frames whose time does not advance are dropped."""
    path = Path(path)
    text = read_text(path)
    try:
        frames = np.asarray(json.loads(text)["Frames"], dtype=np.float64)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError):
        raise RIBError(f"{path}: not a DeepMimic motion file (needs a 'Frames' list of equal-length rows)") from None
    if frames.ndim != 2 or frames.shape[1] != FRAME_SIZE or len(frames) < 2:
        raise RIBError(f"{path}: frames must be rows of {FRAME_SIZE} numbers, at least 2 rows; got {frames.shape}")
    if not np.all(np.isfinite(frames)):
        raise RIBError(f"{path}: frames hold NaN or infinite values")
    times = np.concatenate([[0.0], np.cumsum(frames[:-1, 0])])
    keep = np.concatenate([[True], np.diff(times) > 0])
    frames, times = frames[keep], times[keep]
    clip = MotionClip(times=times, root_position=frames[:, 1:4].copy(),
                      root_rotation=_normalised(_wxyz_to_xyzw(frames[:, 4:8]), path), source=str(path))
    column = 8
    for joint, size in FRAME_LAYOUT:
        values = frames[:, column:column + size]
        if size == 4:
            clip.rotations[joint] = _normalised(_wxyz_to_xyzw(values), path)
        else:
            clip.angles[joint] = values[:, 0].copy()
        column += size
    return clip


def _normalised(quaternions: np.ndarray, path: Path) -> np.ndarray:
    norms = np.linalg.norm(quaternions, axis=1, keepdims=True)
    if np.any(norms < 1e-6):
        raise RIBError(f"{path}: holds a zero quaternion")
    return quaternions / norms


def resample(clip: MotionClip, fps: float, speed: float = 1.0) -> MotionClip:
    """Resample ``clip`` to ``fps`` frames per second, played ``speed`` times as fast.

    Rotations are interpolated on the sphere (slerp), knee/elbow angles and the root position linearly, so forward
    kinematics of the result keeps every bone length exact. The new frames cover the clip's duration.
    """
    if fps <= 0 or speed <= 0:
        raise ValueError(f"fps and speed must be positive, got {fps} and {speed}")
    count = int(np.floor(clip.times[-1] * fps / speed + 1e-9)) + 1
    times = np.minimum(np.arange(count) * speed / fps, clip.times[-1])

    def slerp(quaternions: np.ndarray) -> np.ndarray:
        return Slerp(clip.times, Rotation.from_quat(quaternions))(times).as_quat()

    def lerp(values: np.ndarray) -> np.ndarray:
        return np.interp(times, clip.times, values)

    return MotionClip(
        times=np.arange(count) / fps,
        root_position=np.stack([lerp(clip.root_position[:, k]) for k in range(3)], axis=1),
        root_rotation=slerp(clip.root_rotation),
        rotations={joint: slerp(q) for joint, q in clip.rotations.items()},
        angles={joint: lerp(a) for joint, a in clip.angles.items()},
        source=clip.source,
    )


@dataclass
class Joint:
    """One URDF joint: its child link, parent link, offset in the parent frame, type and axis (unscaled units)."""

    name: str
    parent: str
    child: str
    kind: str
    origin: np.ndarray
    origin_rotation: np.ndarray
    axis: np.ndarray


@dataclass
class Skeleton:
    """The humanoid's joints in URDF order (parents first) and the link collision shapes used to place J19 points."""

    joints: list[Joint]
    spheres: dict[str, tuple[np.ndarray, float]]
    """Link -> (centre in the link frame, radius) of its sphere shape."""
    boxes: dict[str, tuple[np.ndarray, np.ndarray]]
    """Link -> (centre in the link frame, full size) of its box shape."""
    root_link: str


def _floats(text: str | None, default: str) -> np.ndarray:
    return np.array([float(v) for v in (text or default).split()])


@lru_cache(maxsize=4)
def load_skeleton(path: str | os.PathLike | None = None) -> Skeleton:
    """Parse the humanoid URDF: joint tree, offsets and the sphere/box shapes of its links."""
    path = Path(path) if path is not None else urdf_path()
    try:  # pybullet's copy ends with a NUL byte, which XML parsers reject
        robot = ElementTree.fromstring(path.read_bytes().rstrip(b"\0\r\n\t "))
    except (OSError, ElementTree.ParseError) as error:
        raise RIBError(f"{path}: cannot read URDF ({error})") from None
    joints, spheres, boxes = [], {}, {}
    for element in robot.iter("joint"):
        origin = element.find("origin")
        axis = element.find("axis")
        joints.append(Joint(
            name=element.get("name"), parent=element.find("parent").get("link"),
            child=element.find("child").get("link"), kind=element.get("type"),
            origin=_floats(origin.get("xyz") if origin is not None else None, "0 0 0"),
            origin_rotation=Rotation.from_euler("xyz", _floats(origin.get("rpy") if origin is not None else None,
                                                               "0 0 0")).as_matrix(),
            axis=_floats(axis.get("xyz") if axis is not None else None, "1 0 0")))
    for link in robot.iter("link"):
        shape = link.find("collision")
        if shape is None:
            continue
        centre = _floats(shape.find("origin").get("xyz"), "0 0 0")
        if (sphere := shape.find("geometry/sphere")) is not None:
            spheres[link.get("name")] = (centre, float(sphere.get("radius")))
        if (box := shape.find("geometry/box")) is not None:
            boxes[link.get("name")] = (centre, _floats(box.get("size"), "0 0 0"))
    children = {j.child for j in joints}
    roots = [j.parent for j in joints if j.parent not in children]
    if not joints or len(set(roots)) != 1:
        raise RIBError(f"{path}: not a single-rooted joint tree")
    return Skeleton(joints=joints, spheres=spheres, boxes=boxes, root_link=roots[0])


@dataclass
class Pose3D:
    """World frames of every link over time (y up, metres): ``positions[link]`` (T, 3), ``rotations[link]`` (T, 3, 3)."""

    positions: dict[str, np.ndarray]
    rotations: dict[str, np.ndarray]

    def point(self, link: str, local: np.ndarray) -> np.ndarray:
        """World positions (T, 3) of a point given in ``link``'s frame in unscaled URDF units."""
        return self.positions[link] + SCALE * np.einsum("tij,j->ti", self.rotations[link], local)


def forward_kinematics(clip: MotionClip, skeleton: Skeleton | None = None) -> Pose3D:
    """World position and orientation of every link for every frame, vectorised over time.

    The root link takes the clip's root position and rotation; every other link frame sits at its joint's origin
    (scaled by :data:`SCALE`) in the parent frame, rotated by the joint's fixed rpy and then by the clip's local
    rotation (spherical joints) or angle about the joint axis (revolute joints). Fixed joints add no rotation.
    """
    skeleton = skeleton or load_skeleton()
    count = len(clip)
    positions = {skeleton.root_link: clip.root_position.copy()}
    rotations = {skeleton.root_link: Rotation.from_quat(clip.root_rotation).as_matrix()}
    for joint in skeleton.joints:
        if joint.kind == "spherical":
            local = Rotation.from_quat(_require(clip.rotations, joint.name, clip)).as_matrix()
        elif joint.kind in ("revolute", "continuous"):
            local = Rotation.from_rotvec(_require(clip.angles, joint.name, clip)[:, None] * joint.axis).as_matrix()
        else:
            local = np.broadcast_to(np.eye(3), (count, 3, 3))
        parent_rotation = rotations[joint.parent]
        positions[joint.child] = positions[joint.parent] + SCALE * parent_rotation @ joint.origin
        rotations[joint.child] = parent_rotation @ joint.origin_rotation @ local
    return Pose3D(positions=positions, rotations=rotations)


def _require(values: dict[str, np.ndarray], joint: str, clip: MotionClip) -> np.ndarray:
    if joint not in values:
        raise RIBError(f"{clip.source}: no motion for URDF joint '{joint}'")
    return values[joint]


NOSE_DEPTH = 0.75
"""The nose sits this fraction of the head radius in front of the head sphere's centre (inside the head)."""
TOE_REACH = 0.8
"""The big toe sits this fraction of the foot box's half-length in front of the box centre."""
TOE_MEDIAL = 0.5
"""...and this fraction of the box's half-width towards the body's midline."""


def j19_points(pose: Pose3D, skeleton: Skeleton | None = None) -> np.ndarray:
    """The (T, 19, 3) J19 joints (y up, metres) of a forward-kinematics result.

    - Neck, shoulders, elbows, hips, knees, ankles: the URDF joint centres of those names; MidHip: the root link
      origin, midway between the two hip joints.
    - Nose: :data:`NOSE_DEPTH` of the head sphere's radius in front (+x, the facing direction) of the neck link's
      sphere centre, so it moves with the head and lies inside it from every view.
    - Hands (LHand/RHand): the centre of the ``*_wrist`` link sphere, which models the hand.
    - Wrists: where the forearm meets that hand sphere: one radius from its centre towards the elbow.
    - Big toes: on the ``*_ankle`` link's foot box, :data:`TOE_REACH` of its half-length forward (+x) from the box
      centre and :data:`TOE_MEDIAL` of its half-width towards the midline (right is +z, so -z for the right foot).
    """
    skeleton = skeleton or load_skeleton()
    origin = np.zeros(3)
    points = {name: pose.point(link, origin) for name, link in (
        ("Neck", "neck"), ("RShoulder", "right_shoulder"), ("RElbow", "right_elbow"), ("LShoulder", "left_shoulder"),
        ("LElbow", "left_elbow"), ("MidHip", skeleton.root_link), ("RHip", "right_hip"), ("RKnee", "right_knee"),
        ("RAnkle", "right_ankle"), ("LHip", "left_hip"), ("LKnee", "left_knee"), ("LAnkle", "left_ankle"),
        ("RHand", "right_wrist"), ("LHand", "left_wrist"))}
    head_centre, head_radius = skeleton.spheres["neck"]
    points["Nose"] = pose.point("neck", head_centre + np.array([NOSE_DEPTH * head_radius, 0.0, 0.0]))
    for side, link in (("R", "right"), ("L", "left")):
        hand_centre, hand_radius = skeleton.spheres[f"{link}_wrist"]
        points[f"{side}Wrist"] = pose.point(f"{link}_wrist", hand_centre + np.array([0.0, hand_radius, 0.0]))
        box_centre, box_size = skeleton.boxes[f"{link}_ankle"]
        medial = -1.0 if side == "R" else 1.0
        toe = box_centre + np.array([TOE_REACH * box_size[0] / 2, 0.0, medial * TOE_MEDIAL * box_size[2] / 2])
        points[f"{side}BigToe"] = pose.point(f"{link}_ankle", toe)
    return np.stack([points[name] for name in J19_NAMES], axis=1)


def clip_j19(clip: MotionClip) -> np.ndarray:
    """(T, 19, 3) J19 joints of ``clip`` in DeepMimic's y-up world, metres."""
    return j19_points(forward_kinematics(clip))


def to_z_up(points: np.ndarray) -> np.ndarray:
    """Rotate y-up points (..., 3) into the z-up world of the motion h5."""
    return points @ Y_UP_TO_Z_UP.T
