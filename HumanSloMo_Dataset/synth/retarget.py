"""Drive an anny body (HumanSloMo_Dataset/synth/body.py) with DeepMimic motion capture.

pybullet's forward kinematics (``rib.deepmimic.forward_kinematics``) gives every DeepMimic link's world rotation.
At DeepMimic's rest pose every link rotation is the identity, the body stands upright facing +x and its arms and
legs hang straight down; the body pool's rest pose is anny's A-pose in the same world axes. So a bone driven by a
link gets ``R_link @ S``, where ``S`` is a fixed rest correction: the smallest rotation that turns the anny limb
segment into the straight-down DeepMimic one (upper arms, forearms with the hands, thighs, shins; identity for the
torso, head and feet). Root, hips, knees, ankles, shoulders and elbows map one to one; the chest's rotation is
spread over spine04..spine01 and the neck's over neck01..head, so the back and neck bend smoothly. Fingers, toes
and eyes keep their rest pose relative to their parent.

The body keeps its own proportions, so its joints sit a few centimetres from DeepMimic's; its root is moved along
the trunk's axis so that its soles meet the floor where DeepMimic's feet do at rest.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from HumanSloMo_Dataset.synth.body import PosableBody
from rib import deepmimic

DOWN = np.array([0.0, -1.0, 0.0])
BLENDS = {
    "spine04": ("root", "chest", 0.25), "spine03": ("root", "chest", 0.5), "spine02": ("root", "chest", 0.75),
    "neck01": ("chest", "neck", 0.34), "neck02": ("chest", "neck", 0.67),
}
"""Bones that take a rotation part way between two links' (slerp fraction)."""
LINKS = {"root": "root", "pelvis": "root", "spine05": "root", "spine01": "chest", "clavicle": "chest",
         "shoulder01": "chest", "neck03": "neck", "head": "neck"}
"""Bones (name before any ``.L``/``.R``) that follow one link with no rest correction."""
LIMBS = {
    "upperarm01": ("shoulder", "upperarm01", "lowerarm01"), "upperarm02": ("shoulder", "upperarm01", "lowerarm01"),
    "lowerarm01": ("elbow", "lowerarm01", "wrist"), "lowerarm02": ("elbow", "lowerarm01", "wrist"),
    "wrist": ("elbow", "lowerarm01", "wrist"),
    "upperleg01": ("hip", "upperleg01", "lowerleg01"), "upperleg02": ("hip", "upperleg01", "lowerleg01"),
    "lowerleg01": ("knee", "lowerleg01", "foot"), "lowerleg02": ("knee", "lowerleg01", "foot"),
    "foot": ("ankle", None, None),
}
"""Limb bones: (DeepMimic joint, first and last bone of the anny segment that must hang straight down at rest)."""
SIDE_LINK = {"L": "left", "R": "right"}
"""anny's side suffix -> DeepMimic's link prefix (both are the body's own left and right)."""


def rotation_between(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The smallest rotation (3, 3) that turns direction ``source`` into direction ``target``."""
    source, target = source / np.linalg.norm(source), target / np.linalg.norm(target)
    axis = np.cross(source, target)
    sine, cosine = np.linalg.norm(axis), float(np.dot(source, target))
    if sine < 1e-9:
        return np.eye(3)  # parallel (anti-parallel limbs do not occur between an A-pose and a straight one)
    return Rotation.from_rotvec(axis / sine * np.arctan2(sine, cosine)).as_matrix()


def _drivers(body: PosableBody) -> list[tuple[str, object]]:
    """For each bone: ('link', (link, correction)), ('blend', (link_a, link_b, fraction)) or ('parent', None)."""
    topology, heads = body.topology, body.rest_heads
    drivers = []
    for label in topology.labels:
        name, _, side = label.partition(".")
        if name in BLENDS:
            drivers.append(("blend", BLENDS[name]))
        elif name in LINKS:
            drivers.append(("link", (LINKS[name], np.eye(3))))
        elif name in LIMBS and side in SIDE_LINK:
            joint, first, last = LIMBS[name]
            correction = np.eye(3) if first is None else rotation_between(
                heads[topology.bone(f"{last}.{side}")] - heads[topology.bone(f"{first}.{side}")], DOWN)
            drivers.append(("link", (f"{SIDE_LINK[side]}_{joint}", correction)))
        else:
            drivers.append(("parent", None))
    return drivers


def bone_rotations(body: PosableBody, links: dict[str, np.ndarray]) -> np.ndarray:
    """(T, B, 3, 3) world rotation of every bone from (T, 3, 3) DeepMimic link rotations."""
    count = len(next(iter(links.values())))
    rotations = np.empty((count, len(body.topology.labels), 3, 3))
    for bone, (kind, value) in enumerate(_drivers(body)):
        if kind == "link":
            link, correction = value
            rotations[:, bone] = links[link] @ correction
        elif kind == "blend":
            first, second, fraction = value
            rotations[:, bone] = _slerp(links[first], links[second], fraction)
        else:
            rotations[:, bone] = rotations[:, body.topology.parents[bone]]
    return rotations


def _slerp(first: np.ndarray, second: np.ndarray, fraction: float) -> np.ndarray:
    """Rotation part way from ``first`` to ``second`` (both (T, 3, 3)), frame by frame."""
    start = Rotation.from_matrix(first)
    relative = start.inv() * Rotation.from_matrix(second)
    return (start * Rotation.from_rotvec(relative.as_rotvec() * fraction)).as_matrix()


def rest_pose() -> deepmimic.Pose3D:
    """DeepMimic's rest pose (every joint rotation the identity, root at the origin), one frame."""
    skeleton = deepmimic.load_skeleton()
    identity = np.array([[0.0, 0.0, 0.0, 1.0]])
    clip = deepmimic.MotionClip(
        times=np.zeros(1), root_position=np.zeros((1, 3)), root_rotation=identity,
        rotations={joint.name: identity for joint in skeleton.joints if joint.kind == "spherical"},
        angles={joint.name: np.zeros(1) for joint in skeleton.joints if joint.kind in ("revolute", "continuous")})
    return deepmimic.forward_kinematics(clip, skeleton)


def sole_offset(body: PosableBody) -> float:
    """How far (metres, along the trunk) to move the root so the body's soles sit where DeepMimic's do at rest."""
    skeleton, rest = deepmimic.load_skeleton(), rest_pose()
    corners = [np.array([x, y, z]) for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)]
    soles = [rest.point(link, skeleton.boxes[link][0] + corner * skeleton.boxes[link][1])[0, 1]
             for link in ("left_ankle", "right_ankle") for corner in corners]
    vertices, _ = body.pose(bone_rotations(body, rest.rotations)[0], np.zeros(3))
    return float(min(soles)) - float(vertices[:, 1].min())


def retarget(body: PosableBody, clip: deepmimic.MotionClip, frames: list[int] | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """Bone rotations (T, B, 3, 3) and root positions (T, 3) that put ``body`` in the selected frames of ``clip``."""
    pose = deepmimic.forward_kinematics(clip)
    chosen = slice(None) if frames is None else np.asarray(frames)
    links = {link: rotation[chosen] for link, rotation in pose.rotations.items()}
    rotations = bone_rotations(body, links)
    root = pose.positions["root"][chosen] + links["root"] @ np.array([0.0, sole_offset(body), 0.0])
    return rotations, root

