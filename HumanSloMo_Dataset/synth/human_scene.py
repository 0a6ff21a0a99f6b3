"""Render the human actor (a posed anny body in its identity's UV atlas) on the floor with pybullet's renderer.

pybullet has no way to move a mesh's vertices, so every frame uploads the posed body as a new mesh, and it never
frees those meshes: not on ``removeBody``, ``resetSimulation`` or even ``disconnect`` (~11 MB a frame at 768x512).
So frames are rendered in short-lived worker processes, :data:`FRAMES_PER_WORKER` frames each, and memory stays
bounded however long the clip is. The parent poses the body (numpy) and composes the backdrop.
"""
from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import pybullet

from HumanSloMo_Dataset.synth.body import PosableBody
from HumanSloMo_Dataset.synth.camera import CameraFrame
from HumanSloMo_Dataset.synth.scene import Backdrop, World, over_backdrop

FRAMES_PER_WORKER = 24
"""Frames one worker process renders before it exits (bounds the memory pybullet keeps)."""


@dataclass(frozen=True)
class RenderMesh:
    """The body's triangles split at UV seams, as pybullet wants them: one UV per vertex."""

    source: np.ndarray
    """(N,) body vertex of each render vertex."""
    uvs: np.ndarray
    """(N, 2) texture coordinate of each render vertex."""
    indices: np.ndarray
    """(F * 3,) render vertices of the triangles."""

    @classmethod
    def of(cls, body: PosableBody) -> "RenderMesh":
        topology = body.topology
        pairs = np.stack([topology.faces.ravel(), topology.face_uvs.ravel()], axis=1)
        unique, inverse = np.unique(pairs, axis=0, return_inverse=True)
        return cls(source=unique[:, 0], uvs=topology.uvs[unique[:, 1]], indices=inverse.ravel())


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Unit area-weighted vertex normals (V, 3) of a triangle mesh."""
    face_normals = np.cross(vertices[faces[:, 1]] - vertices[faces[:, 0]], vertices[faces[:, 2]] - vertices[faces[:, 0]])
    normals = np.zeros_like(vertices)
    for corner in range(3):
        np.add.at(normals, faces[:, corner], face_normals)
    return normals / np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)


@dataclass(frozen=True)
class FrameJob:
    """What a worker needs to draw one frame."""

    vertices: np.ndarray
    normals: np.ndarray
    camera: CameraFrame


def _render_chunk(floor: str, atlas: np.ndarray, mesh: RenderMesh, jobs: list[FrameJob]
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Worker: RGB and segmentation (-1 sky, 1 person, else floor) of each job, in a fresh pybullet world."""
    results = []
    with World(floor) as world:
        texture = world.texture("atlas", atlas)
        person, indices, uvs = None, mesh.indices.tolist(), mesh.uvs.tolist()
        for job in jobs:
            if person is not None:
                world.call(pybullet.removeBody, person)
            shape = world.call(pybullet.createVisualShape, pybullet.GEOM_MESH, vertices=job.vertices.tolist(),
                               indices=indices, uvs=uvs, normals=job.normals.tolist())
            person = world.call(pybullet.createMultiBody, 0, baseVisualShapeIndex=shape)
            world.call(pybullet.changeVisualShape, person, -1, rgbaColor=[1, 1, 1, 1], textureUniqueId=texture)
            rgb, segmentation = world.snapshot(job.camera)
            results.append((rgb, np.where(segmentation == person, 1, np.where(segmentation < 0, -1, 0))
                            .astype(np.int8)))
    return results


class HumanScene:
    """The floor and one posed, textured anny body; use as a context manager."""

    def __init__(self, floor: str, body: PosableBody, atlas: np.ndarray):
        self.floor, self.body, self.atlas, self.mesh = floor, body, atlas, RenderMesh.of(body)
        # fork where there is one: a worker needs no import of the caller's main module
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        self._pool = context.Pool(processes=1, maxtasksperchild=1)

    def render(self, poses: Sequence[tuple[np.ndarray, np.ndarray]], cameras: Sequence[CameraFrame],
               backdrop: Backdrop) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """RGB uint8 frames and boolean person masks for (rotations, root) poses seen by ``cameras``.

        The next chunk is posed and sent while the worker draws the current one.
        """
        pending = None
        for start in range(0, len(poses), FRAMES_PER_WORKER):
            chunk = range(start, min(start + FRAMES_PER_WORKER, len(poses)))
            future = self._pool.apply_async(_render_chunk, (self.floor, self.atlas, self.mesh,
                                                            [self._job(*poses[t], cameras[t]) for t in chunk]))
            if pending is not None:
                yield from self._collect(*pending, backdrop)
            pending = (future, [cameras[t] for t in chunk])
        if pending is not None:
            yield from self._collect(*pending, backdrop)

    def _job(self, rotations: np.ndarray, root: np.ndarray, camera: CameraFrame) -> FrameJob:
        vertices, _ = self.body.pose(rotations, root)
        normals = vertex_normals(vertices, self.body.topology.faces)
        return FrameJob(vertices=vertices[self.mesh.source], normals=normals[self.mesh.source], camera=camera)

    @staticmethod
    def _collect(future, cameras: list[CameraFrame], backdrop: Backdrop) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for (rgb, segmentation), camera in zip(future.get(), cameras):
            yield over_backdrop(rgb, segmentation, camera, backdrop), segmentation == 1

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()

    def __enter__(self) -> "HumanScene":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
