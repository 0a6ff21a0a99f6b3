"""Render the human actor (a posed anny body in its identity's UV atlas) on the floor with pybullet's renderer.

pybullet has no way to move a mesh's vertices, so every frame uploads the posed body as a new mesh, and it never
frees those meshes: not on ``removeBody``, ``resetSimulation`` or even ``disconnect`` (~11 MB a frame at 768x512).
So frames are rendered in short-lived worker processes, :data:`FRAMES_PER_WORKER` frames each, and memory stays
bounded however long the clip is. The parent poses the bodies (numpy) and composes the backdrop.

A scene holds one or more people (figures), all drawn into the same pybullet world, so whoever is nearer the camera
hides whoever is behind: the worker returns a label image, 0 where no person is seen, ``k + 1`` where figure ``k``
is (its visible, occlusion-aware mask).
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
"""Frames one worker process renders before it exits (bounds the memory pybullet keeps); with several people, this
many bodies (24 // people frames), so a worker's memory does not grow with the number of people."""


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
class Figure:
    """One person of a scene: the render mesh of its body and its painted UV atlas."""

    mesh: RenderMesh
    atlas: np.ndarray


@dataclass(frozen=True)
class FrameJob:
    """What a worker needs to draw one frame: every figure's posed vertices and normals, and the camera."""

    vertices: tuple[np.ndarray, ...]
    normals: tuple[np.ndarray, ...]
    camera: CameraFrame


def _render_chunk(floor: str, figures: list[Figure], jobs: list[FrameJob]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Worker: RGB and segmentation (-1 sky, k + 1 figure k, else 0: floor) of each job, in a fresh pybullet world."""
    results = []
    with World(floor) as world:
        textures = [world.texture(f"atlas{k}", figure.atlas) for k, figure in enumerate(figures)]
        topology = [(figure.mesh.indices.tolist(), figure.mesh.uvs.tolist()) for figure in figures]
        people: list[int] = []
        for job in jobs:
            for person in people:
                world.call(pybullet.removeBody, person)
            people = []
            for (indices, uvs), texture, vertices, normals in zip(topology, textures, job.vertices, job.normals):
                shape = world.call(pybullet.createVisualShape, pybullet.GEOM_MESH, vertices=vertices.tolist(),
                                   indices=indices, uvs=uvs, normals=normals.tolist())
                person = world.call(pybullet.createMultiBody, 0, baseVisualShapeIndex=shape)
                world.call(pybullet.changeVisualShape, person, -1, rgbaColor=[1, 1, 1, 1], textureUniqueId=texture)
                people.append(person)
            rgb, segmentation = world.snapshot(job.camera)
            labels = np.where(segmentation < 0, -1, 0).astype(np.int8)
            for k, person in enumerate(people):
                labels[segmentation == person] = k + 1
            results.append((rgb, labels))
    return results


def worker_context() -> multiprocessing.context.BaseContext:
    """Where render workers start: forkserver where there is one, else spawn; never a fork of this process.

    A worker forked from this process inherits every lock its other threads held at that moment (the pool forks from
    a thread while the main thread composes frames with cv2, whose thread pool's lock a worker then waited on for
    ever in ``cv2.imwrite``). The fork server is single-threaded and has this module imported already.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", __name__])
    return context


class HumanScene:
    """The floor and one or more posed, textured anny bodies; use as a context manager."""

    def __init__(self, floor: str, bodies: Sequence[PosableBody], atlases: Sequence[np.ndarray]):
        if len(bodies) != len(atlases) or not bodies:
            raise ValueError(f"a scene needs one atlas per body, got {len(bodies)} bodies, {len(atlases)} atlases")
        self.floor, self.bodies = floor, list(bodies)
        self.figures = [Figure(mesh=RenderMesh.of(body), atlas=atlas) for body, atlas in zip(bodies, atlases)]
        self._pool = worker_context().Pool(processes=1, maxtasksperchild=1)

    def render(self, poses: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]], cameras: Sequence[CameraFrame],
               backdrop: Backdrop) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """RGB uint8 frames and uint8 person label images (0 nobody, k + 1 body k) seen by ``cameras``.

        ``poses[t]`` holds one (rotations, root) per body. The next chunk is posed and sent while the worker draws
        the current one.
        """
        pending, frames_per_worker = None, max(1, FRAMES_PER_WORKER // len(self.figures))
        for start in range(0, len(poses), frames_per_worker):
            chunk = range(start, min(start + frames_per_worker, len(poses)))
            future = self._pool.apply_async(_render_chunk, (self.floor, self.figures,
                                                            [self._job(poses[t], cameras[t]) for t in chunk]))
            if pending is not None:
                yield from self._collect(*pending, backdrop)
            pending = (future, [cameras[t] for t in chunk])
        if pending is not None:
            yield from self._collect(*pending, backdrop)

    def _job(self, poses: Sequence[tuple[np.ndarray, np.ndarray]], camera: CameraFrame) -> FrameJob:
        if len(poses) != len(self.bodies):
            raise ValueError(f"a frame needs one pose per body ({len(self.bodies)}), got {len(poses)}")
        vertices, normals = [], []
        for body, figure, (rotations, root) in zip(self.bodies, self.figures, poses):
            posed, _ = body.pose(rotations, root)
            vertices.append(posed[figure.mesh.source])
            normals.append(vertex_normals(posed, body.topology.faces)[figure.mesh.source])
        return FrameJob(vertices=tuple(vertices), normals=tuple(normals), camera=camera)

    @staticmethod
    def _collect(future, cameras: list[CameraFrame], backdrop: Backdrop) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for (rgb, segmentation), camera in zip(future.get(), cameras):
            yield over_backdrop(rgb, segmentation, camera, backdrop), np.maximum(segmentation, 0).astype(np.uint8)

    def close(self, abort: bool = False) -> None:
        """Let the worker finish and exit; with ``abort`` (an error, Ctrl-C), terminate it instead.

        Not terminate in the normal case: the pool forks a fresh worker as each chunk is done, and a SIGTERM that
        reaches it before Python has set it up is dropped, so terminating could wait on that worker for ever.
        """
        if abort:
            self._pool.terminate()
        else:
            self._pool.close()
        self._pool.join()

    def __enter__(self) -> "HumanScene":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(abort=exc_type is not None)
