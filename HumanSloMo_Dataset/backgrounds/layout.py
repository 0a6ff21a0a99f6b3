"""Background folders in the reference's layouts, at any rate R.

Test layout, from the low-fps inputs: for each neighbouring pair (i, i+1) the copy ``<stem_i>_0.000000.png`` and
``<stem_i>_{k/R:.6f}.png`` for k = 1..R-1, then the last frame's copy: (N-1)R+1 files whose sorted order is the
high-fps sequence. Training layout: frame i (1..N-2) interpolated at t = 0.5 from frames i-1 and i+1, named
``train-<stem_{i-1}>_0.500000.png`` (N-2 files; file k is the background of frame k+1).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from HumanSloMo_Dataset.backgrounds.base import Interpolator
from rib.atomic import prepare_output_dir, write_bytes
from rib.errors import RIBError
from rib.frames import background_name, list_frames, read_image, train_background_name, write_image

TEST_PATTERN = "*_[0-9].[0-9][0-9][0-9][0-9][0-9][0-9].png"
"""Glob of test-layout outputs (only these are ever replaced by ``overwrite``)."""
TRAIN_PATTERN = "train-*_0.500000.png"
LAYOUTS = ("test", "train")


def test_times(rate: int) -> list[float]:
    """The in-between fractions k/R, k = 1..R-1."""
    if rate < 2:
        raise RIBError(f"rate {rate}: the upsampling rate must be an integer of at least 2")
    return [k / rate for k in range(1, rate)]


def _read_same_size(files: Sequence[Path], interpolator: Interpolator) -> Iterator[tuple[Path, np.ndarray]]:
    """Read frames in order, failing clearly when the first is too small for ``interpolator`` or one differs in
    size from the first."""
    first = None
    for path in files:
        image = read_image(path)
        if first is None:
            interpolator.check_frame(path, image.shape[1], image.shape[0])
            first = (path, image.shape)
        elif image.shape != first[1]:
            raise RIBError(f"{path}: frame is {image.shape[1]}x{image.shape[0]}, but {first[0].name} is "
                           f"{first[1][1]}x{first[1][0]} (all frames of a clip must have one size)")
        yield path, image


def _copy_keyframe(path: Path, image: np.ndarray, output_dir: Path) -> Path:
    """Write a keyframe as its own t = 0 background (PNG inputs are copied byte for byte)."""
    destination = output_dir / background_name(path.stem, 0.0)
    if path.suffix.lower() == ".png":
        write_bytes(destination, path.read_bytes())
    else:
        write_image(destination, image)
    return destination


def interpolate_test_clip(input_dir: str | os.PathLike, output_dir: str | os.PathLike, interpolator: Interpolator,
                          rate: int, overwrite: bool = False) -> list[Path]:
    """Write the (N-1)R+1 test-layout backgrounds of one clip folder; returns them in order."""
    files, times = list_frames(input_dir), test_times(rate)
    output_dir = prepare_output_dir(output_dir, overwrite, TEST_PATTERN)
    written, previous = [], None
    for path, image in _read_same_size(files, interpolator):
        if previous is not None:
            prev_path, prev_image = previous
            written.append(_copy_keyframe(prev_path, prev_image, output_dir))
            for t, frame in zip(times, interpolator.interpolate(prev_image, image, times)):
                written.append(output_dir / background_name(prev_path.stem, t))
                write_image(written[-1], frame)
        previous = (path, image)
    written.append(_copy_keyframe(*previous, output_dir))
    return written


def interpolate_train_clip(input_dir: str | os.PathLike, output_dir: str | os.PathLike, interpolator: Interpolator,
                           overwrite: bool = False) -> list[Path]:
    """Write the N-2 training-layout backgrounds of one clip folder (frame i from i-1 and i+1)."""
    files = list_frames(input_dir)
    if len(files) < 3:
        raise RIBError(f"{input_dir}: {len(files)} frame(s); the training layout needs at least 3")
    output_dir = prepare_output_dir(output_dir, overwrite, TRAIN_PATTERN)
    written, window = [], []
    for path, image in _read_same_size(files, interpolator):
        window = (window + [(path, image)])[-3:]
        if len(window) == 3:
            (before_path, before), _, (_, after) = window
            destination = output_dir / train_background_name(before_path.stem)
            write_image(destination, interpolator.interpolate(before, after, [0.5])[0])
            written.append(destination)
    return written


def interpolate_clip(layout: str, input_dir: str | os.PathLike, output_dir: str | os.PathLike,
                     interpolator: Interpolator, rate: int = 2, overwrite: bool = False) -> list[Path]:
    """Dispatch to the ``test`` or ``train`` layout."""
    if layout == "test":
        return interpolate_test_clip(input_dir, output_dir, interpolator, rate, overwrite)
    if layout == "train":
        return interpolate_train_clip(input_dir, output_dir, interpolator, overwrite)
    raise RIBError(f"unknown layout '{layout}' (choose from {', '.join(LAYOUTS)})")
