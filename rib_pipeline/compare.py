"""A side-by-side video: input (the preceding input frame held) | ours | ground truth, each panel labelled."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Iterator, Sequence

import cv2
import numpy as np

from rib.errors import RIBError
from rib.frames import list_frames, read_image
from rib.video import write_video

LABELS = ("input", "ours", "ground truth")


def ground_truth_frames(folder: Path, count: int) -> list[Path]:
    """The ``count`` ground-truth frames of ``folder`` (one per upsampled frame)."""
    frames = list_frames(folder)
    if len(frames) != count:
        raise RIBError(f"{folder}: {len(frames)} ground-truth frames, but the upsampled clip has {count}")
    return frames


def _labelled(image: np.ndarray, label: str, size: tuple[int, int]) -> np.ndarray:
    image = cv2.resize(image, size, interpolation=cv2.INTER_AREA) if image.shape[1::-1] != size else image.copy()
    cv2.putText(image, label, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(image, label, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 1, cv2.LINE_AA)
    return image


def panels(inputs: Sequence[Path], ours: Sequence[Path], truth: Sequence[Path], rate: int) -> Iterator[np.ndarray]:
    """One side-by-side frame per upsampled frame, at the size of our frames."""
    for index, (ours_path, truth_path) in enumerate(zip(ours, truth)):
        frame = read_image(ours_path)
        size = (frame.shape[1], frame.shape[0])
        images = (read_image(inputs[index // rate]), frame, read_image(truth_path))
        yield np.concatenate([_labelled(image, label, size) for image, label in zip(images, LABELS)], axis=1)


def write_comparison(path: Path, inputs: Sequence[Path], ours: Sequence[Path], truth: Sequence[Path], rate: int,
                     fps: Fraction) -> int:
    """Write the side-by-side video of the upsampled clip at ``fps``; returns its frame count."""
    return write_video(path, panels(inputs, ours, truth, rate), fps)
