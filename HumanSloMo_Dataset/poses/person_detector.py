"""Finding people before their pose: BlazePose's own person detector (``PoseDetectionCpu``, the model inside the
mediapipe wheel) run on tiles of the frame, so that people far smaller than the frame are found too.

The detector finds every person in its input (not only the best one, as Holistic does) but needs them to fill a
fair part of it: on tiles half the frame height, pedestrians 60-120 px tall in a 576-px frame are found. Each
detection gives the person's hip centre and a point on the circle around their whole body; the square around
that circle (:data:`ROI_GROWTH` times its radius, as MediaPipe crops for the landmark model) is the candidate
window.

The tiles are independent, so they are shared out between several copies of the graph on threads (MediaPipe lets
go of the GIL while a graph runs): the detections are the same as one graph's, found in about half the time on two
cores.
"""
from __future__ import annotations

import os
import queue
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import numpy as np

from HumanSloMo_Dataset.poses.windows import Window, square, tiles

DETECTION_GRAPH = """
input_stream: "image"
output_stream: "detections"
node { calculator: "PoseDetectionCpu" input_stream: "IMAGE:image" output_stream: "DETECTIONS:detections" }
"""
"""A MediaPipe graph with only BlazePose's detector subgraph (224x224 input, all people above score 0.5)."""
TILE_SCALES = (1.0, 0.5)
"""Sides of the detector's square tiles, as fractions of the frame height."""
ROI_GROWTH = 2.5
"""Side of a person's window over the radius of the detector's body circle (MediaPipe uses 2 x 1.25)."""
MIN_TILE = 224
"""The detector's input side: smaller tiles would only be upscaled to it."""
MIN_SCORE = 0.5
"""Every detection the graph returns: a person 75 px tall alone in a 768x512 frame scores 0.55-0.58 on the half-
height tiles, and a window with nobody in it costs one Holistic run that finds no pose."""
MAX_GRAPHS = 4
"""At most this many copies of the detector graph run at once (never more than the CPUs this process may use)."""
SAME_PERSON = 0.2
"""Two detections whose centres are closer than this fraction of the smaller window side are one person."""


@dataclass(frozen=True)
class Detection:
    """A person found by the detector: their body centre (hips), the side of the square around them, a score."""

    x: float
    y: float
    side: float
    score: float

    def window(self, height: int, width: int) -> Window:
        """The square window around the person, in the frame."""
        return square(self.x, self.y, self.side, height, width)

    def core(self) -> np.ndarray:
        """(x0, y0, x1, y1): the square around the detector's body circle (where the person's joints should be)."""
        radius = self.side / ROI_GROWTH
        return np.array([self.x - radius, self.y - radius, self.x + radius, self.y + radius])


def detection_in(tile: Window, hips: tuple[float, float], circle: tuple[float, float], score: float) -> Detection:
    """A detection in frame pixels from the detector's normalised hip centre and body-circle point in a tile."""
    centre, edge = tile.to_frame(np.array([hips, circle]))
    return Detection(float(centre[0]), float(centre[1]), ROI_GROWTH * float(np.linalg.norm(edge - centre)), score)


def merge_detections(detections: list[Detection]) -> list[Detection]:
    """One detection per person: the best-scored of each group whose centres are within :data:`SAME_PERSON` of
    the smaller side."""
    kept: list[Detection] = []
    for detection in sorted(detections, key=lambda d: -d.score):
        if all(np.hypot(detection.x - k.x, detection.y - k.y) > SAME_PERSON * min(detection.side, k.side)
               for k in kept):
            kept.append(detection)
    return kept


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class PersonDetector:
    """BlazePose's detector on the frame and its tiles (import mediapipe with ``import_mediapipe`` first), the tiles
    shared out between ``graphs`` copies of the graph (default: one per usable CPU, at most :data:`MAX_GRAPHS`)."""

    def __init__(self, scales: tuple[float, ...] = TILE_SCALES, min_score: float = MIN_SCORE,
                 graphs: int | None = None) -> None:
        from google.protobuf import text_format
        from mediapipe.framework import calculator_pb2
        from mediapipe.python.solution_base import SolutionBase

        config = text_format.Parse(DETECTION_GRAPH, calculator_pb2.CalculatorGraphConfig())
        count = graphs or min(MAX_GRAPHS, usable_cpus())
        self._graphs = [SolutionBase(graph_config=config, outputs=["detections"]) for _ in range(count)]
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        for graph in self._graphs:
            self._idle.put(graph)
        self._threads = ThreadPoolExecutor(count, thread_name_prefix="person-detector")
        self.scales = scales
        self.min_score = min_score

    def close(self) -> None:
        self._threads.shutdown()
        for graph in self._graphs:
            graph.close()

    def open(self) -> None:
        """One blank tile through every graph, so that each loads its model (and logs about it) now."""
        blank = np.zeros((MIN_TILE, MIN_TILE, 3), np.uint8)
        for graph in self._graphs:
            graph.process({"image": blank})

    def detect(self, image: np.ndarray) -> list[Detection]:
        """The people in an RGB uint8 frame, one detection each, best first."""
        return self.start(image)()

    def start(self, image: np.ndarray) -> Callable[[], list[Detection]]:
        """Start :meth:`detect` on the detector's threads; the function returned waits for its detections (the
        caller meanwhile may run other graphs on the frame)."""
        height, width = image.shape[:2]
        per_tile = [self._threads.submit(self._in_tile, image, tile)
                    for tile in tiles(height, width, self.scales, MIN_TILE)]
        return lambda: merge_detections([detection for found in per_tile for detection in found.result()])

    def _in_tile(self, image: np.ndarray, tile: Window) -> list[Detection]:
        """The detections in one tile, by whichever graph is idle."""
        graph = self._idle.get()
        try:  # the graph's output is read before another tile may run through it
            found = []
            for detection in graph.process({"image": tile.crop(image)}).detections or []:
                score = float(detection.score[0])
                points = detection.location_data.relative_keypoints
                if score >= self.min_score and len(points) >= 2:
                    found.append(detection_in(tile, (points[0].x, points[0].y), (points[1].x, points[1].y), score))
            return found
        finally:
            self._idle.put(graph)
