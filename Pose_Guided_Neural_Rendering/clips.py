"""A clip folder to render: its keyframes, poses and backgrounds (:class:`ClipPlan`), and the loop that writes every
output frame with either renderer (:func:`render_clip`)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol

import cv2
import numpy as np
from tqdm import tqdm

from rib import person
from rib.atomic import write_bytes
from rib.errors import RIBError
from rib.frames import background_name, image_size, list_frames, read_image, write_image
from rib.names import BACKGROUNDS, DAIN, INPUTS, PREDICT_MOTION
from rib.poses import read_pose_folder

LOG = logging.getLogger("render.inference")


@dataclass
class ClipPlan:
    """What to read and write for one clip: N keyframes, (N-1)*R+1 poses, backgrounds and output names."""

    name: str
    keyframes: list[Path]
    poses: np.ndarray
    rate: int
    backgrounds: list[Path | None]
    """Background file of each output frame (None for keyframes)."""
    outputs: list[str]
    crowded: frozenset[int] = frozenset()
    """Input intervals (by first keyframe) where other people are drawn too: their keyframes show those people, so
    a renderer takes no unmoved keyframe pixels there."""

    def keyframe_of(self, index: int) -> int | None:
        """The keyframe shown at output ``index``, or None for an in-between frame."""
        return index // self.rate if index % self.rate == 0 else None


def infer_rate(num_inputs: int, num_poses: int, rate: int | None, where: Path) -> int:
    """The upsampling rate R with num_poses == (num_inputs - 1) * R + 1 (checked when given)."""
    if num_inputs < 2:
        raise RIBError(f"{where}: need at least 2 input frames, found {num_inputs}")
    if rate is not None:
        if rate < 2:
            raise RIBError(f"{where}: --upsample-rate {rate}: must be at least 2 (frames per input interval)")
        if num_poses != (num_inputs - 1) * rate + 1:
            raise RIBError(f"{where}: {num_poses} pose files, but {num_inputs} inputs at --upsample-rate {rate} need "
                           f"{(num_inputs - 1) * rate + 1}")
        return rate
    if (num_poses - 1) % (num_inputs - 1) or num_poses < num_inputs:
        raise RIBError(f"{where}: {num_poses} pose files do not fit {num_inputs} input frames "
                       f"((N-1)*R+1 for an integer R)")
    if num_poses == num_inputs:
        raise RIBError(f"{where}: {num_poses} pose files for {num_inputs} input frames is rate 1, nothing to render "
                       "in between; upsample the poses first (rib-motion-inference --upsample-rate R, R >= 2)")
    return (num_poses - 1) // (num_inputs - 1)


def background_files(folder: Path, keyframes: list[Path], rate: int) -> tuple[list[Path | None], list[str]]:
    """Background file and output name of every output frame.

    Backgrounds are named ``<keyframe stem>_<k/R>.png`` (rib.frames.background_name); the reference's DAIN folders
    of 2N-1 files in sorted order are also accepted for R = 2.
    """
    count = (len(keyframes) - 1) * rate + 1
    names = [background_name(keyframes[i // rate].stem, (i % rate) / rate) for i in range(count)]
    files: list[Path | None] = [None if i % rate == 0 else folder / names[i] for i in range(count)]
    missing = [path for path in files if path is not None and not path.is_file()]
    if not missing:
        return files, names
    listed = list_frames(folder, allow_empty=True)
    if rate == 2 and len(listed) == count:
        LOG.info("%s: backgrounds taken in sorted order (the reference's DAIN listing)", folder)
        return [None if i % rate == 0 else path for i, path in enumerate(listed)], [p.stem + ".png" for p in listed]
    raise RIBError(f"{missing[0]}: background not found ({len(missing)} of {count - len(keyframes)} in-between "
                   f"backgrounds missing)")


def plan_clip(input_dir: Path, backgrounds_dir: Path, clip: str, rate: int | None) -> ClipPlan:
    """Read and check the folders of one clip."""
    keyframes = list_frames(input_dir / INPUTS / clip)
    poses = read_pose_folder(input_dir / PREDICT_MOTION / clip, image_size(keyframes[0])[::-1])
    rate = infer_rate(len(keyframes), len(poses), rate, input_dir / PREDICT_MOTION / clip)
    backgrounds, outputs = background_files(backgrounds_dir / clip, keyframes, rate)
    return ClipPlan(clip, keyframes, poses, rate, backgrounds, outputs)


def resolve_backgrounds(input_dir: Path, name: str | None) -> Path:
    """The background folder: the given name, else DAIN when present, else backgrounds."""
    if name is None:
        name = DAIN if (input_dir / DAIN).is_dir() else BACKGROUNDS
    folder = input_dir / name
    if not folder.is_dir():
        raise RIBError(f"{folder}: background folder not found (make it with rib-interpolate-backgrounds, or "
                       f"pass --backgrounds-dir)")
    return folder


class ClipRenderer(Protocol):
    """What :func:`render_clip` needs of a renderer (spade_gan's and warp_blend's both provide it)."""

    NO_PERSON: str
    """What the renderer makes of a frame without a person, for the warning."""

    def segments(self, plan: ClipPlan, starts: list[int],
                 keyframes: list[np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
        """Render the in-betweens after the keyframes ``starts``, yielding (output index, uint8 frame)."""


def read_background(path: Path, shape: tuple[int, int]) -> np.ndarray:
    """A background frame at the keyframes' (height, width), resized when its file differs."""
    background = read_image(path)
    if background.shape[:2] != shape:
        background = cv2.resize(background, shape[::-1], interpolation=cv2.INTER_AREA)
    return background


def copy_keyframe(source: Path, destination: Path) -> None:
    """Copy a keyframe untouched (PNG bytes as they are; other formats decoded and written as lossless PNG)."""
    if source.suffix.lower() == ".png":
        write_bytes(destination, source.read_bytes())
    else:
        write_image(destination, read_image(source))


def warn_if_few_people(renderer: ClipRenderer, plan: ClipPlan, pose_dir: Path) -> None:
    """One warning line for a clip whose poses show a person in fewer than half of the frames, saying what the
    renderer makes of the others."""
    seen = [person.has_person(pose) for pose in plan.poses]
    person.warn_if_few_people(LOG, pose_dir, seen, if_none=renderer.NO_PERSON, if_few=renderer.NO_PERSON)


def render_clip(renderer: ClipRenderer, plan: ClipPlan, out_dir: Path,
                batch_size: int) -> list[Path]:
    """Write every output frame of one clip; returns the written paths in frame order."""
    keyframes = [read_image(path) for path in plan.keyframes]
    shapes = {image.shape for image in keyframes}
    if len(shapes) > 1:
        raise RIBError(f"{plan.keyframes[0].parent}: input frames differ in size ({sorted(shapes)})")
    paths = [out_dir / name for name in plan.outputs]
    bar = tqdm(total=len(paths), desc=plan.name, unit="frame", leave=False)
    for k, source in enumerate(plan.keyframes):
        copy_keyframe(source, paths[k * plan.rate])
        bar.update()
    segments = list(range(len(plan.keyframes) - 1)) if plan.rate > 1 else []
    for first in range(0, len(segments), batch_size):
        for index, frame in renderer.segments(plan, segments[first:first + batch_size], keyframes):
            write_image(paths[index], frame)
            bar.update()
    bar.close()
    return paths
