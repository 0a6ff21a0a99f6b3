"""Build the motion h5 from pybullet's DeepMimic mocap clips: real human motion that needs no download.

Every clip is resampled to one frame rate, run through the humanoid URDF's forward kinematics (rib.deepmimic),
mapped to J19, turned z up and written in the layout of motion_h5.py: subset ``DeepMimicTrain`` (every clip of
``rib.deepmimic.TRAIN_CLIPS``, plus optional mirrored and time-scaled copies) and ``DeepMimicTest`` (the fixed
test clips of ``rib.deepmimic.TEST_CLIPS``, never augmented).

    python Human_Motion_Modelling/AMASS/gen_deepmimic_h5.py --out data/motion/deepmimic_j19.h5
    python Human_Motion_Modelling/AMASS/gen_deepmimic_h5.py --preview img/deepmimic_skeletons.png --no-h5
"""
from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
from tqdm import tqdm

from Human_Motion_Modelling.AMASS.motion_h5 import open_for_writing, write_sequence
from rib import deepmimic
from rib.atomic import atomic_path
from rib.errors import RIBError, cli_entry
from rib.frames import write_image
from rib.joints import ROOT, draw_skeleton, flip_permutation
from rib.paths import REPO_ROOT
from rib.safety import refuse_overlap

LOG = logging.getLogger(__name__)
TRAIN_SUBSET = "DeepMimicTrain"
TEST_SUBSET = "DeepMimicTest"
DEFAULT_OUT = REPO_ROOT / "data" / "motion" / "deepmimic_j19.h5"
PREVIEW_CLIPS = ("walk", "run", "cartwheel", "getup_faceup", "dance_b", "spinkick", "walker_turn_left0")
PREVIEW_FRAMES = 6
PANEL = 150
"""Preview panel size in pixels; one metre is PANEL / 2 pixels."""
VIEWS = {"side (x, z)": 0, "front (y, z)": 1}
"""Preview views: the world axis drawn to the right (z is always up)."""


def mirror(joints: np.ndarray) -> np.ndarray:
    """Mirror z-up J19 joints (T, 19, 3) left/right: reflect the world's y axis and swap left and right joints."""
    mirrored = joints[:, flip_permutation()].copy()
    mirrored[..., 1] *= -1.0
    return mirrored


def clip_variants(name: str, clip: deepmimic.MotionClip, fps: float, speeds: Sequence[float],
                  with_mirror: bool) -> list[tuple[str, np.ndarray, str]]:
    """(sequence name, z-up J19 joints, source description) of a clip and its augmented copies."""
    variants = []
    for speed in speeds:
        joints = deepmimic.to_z_up(deepmimic.clip_j19(deepmimic.resample(clip, fps, speed)))
        suffix = "" if speed == 1.0 else f"_speed{speed:.2f}"
        source = f"{Path(clip.source).name} speed={speed:g}"
        variants.append((name + suffix, joints, source))
        if with_mirror:
            variants.append((f"{name}{suffix}_mirror", mirror(joints), f"{source} mirrored"))
    return variants


def build(out: Path, fps: float, with_mirror: bool, time_scales: Sequence[float]) -> dict[str, int]:
    """Write the motion h5 atomically; returns the number of sequences per subset."""
    counts = {TRAIN_SUBSET: 0, TEST_SUBSET: 0}
    with atomic_path(out) as tmp:
        with open_for_writing(tmp, builder="gen_deepmimic_h5", joint_set="J19") as h5:
            h5.attrs["fps"] = float(fps)
            h5.attrs["test_clips"] = ",".join(deepmimic.TEST_CLIPS)
            for name, path in tqdm(deepmimic.clip_paths().items(), desc="DeepMimic clips", unit="clip"):
                train = deepmimic.split_of(name) == "train"
                subset = TRAIN_SUBSET if train else TEST_SUBSET
                speeds = [1.0] + [s for s in time_scales if s != 1.0] if train else [1.0]
                clip = deepmimic.read_clip(path)
                for sequence, joints, source in clip_variants(name, clip, fps, speeds, with_mirror and train):
                    write_sequence(h5, subset, sequence, joints, fps, source)
                    counts[subset] += 1
    return counts


def preview(path: Path, fps: float) -> None:
    """Draw a few frames of :data:`PREVIEW_CLIPS` as z-up stick figures from the side and the front, feet on a line.

    Each figure is centred on its root horizontally; the floor line is z = 0.
    """
    metre = PANEL / 2
    rows = []
    for name in PREVIEW_CLIPS:
        joints = deepmimic.to_z_up(deepmimic.clip_j19(deepmimic.resample(
            deepmimic.read_clip(deepmimic.clip_paths()[name]), fps)))
        frames = np.linspace(0, len(joints) - 1, PREVIEW_FRAMES).round().astype(int)
        for view, axis in VIEWS.items():
            row = np.full((PANEL, PANEL * PREVIEW_FRAMES, 3), 255, np.uint8)
            floor = int(PANEL * 0.9)
            cv2.line(row, (0, floor), (row.shape[1], floor), (160, 160, 160), 1)
            for k, t in enumerate(frames):
                pose = np.ones((joints.shape[1], 3))
                pose[:, 0] = PANEL * (k + 0.5) + metre * (joints[t, :, axis] - joints[t, ROOT, axis])
                pose[:, 1] = floor - metre * joints[t, :, 2]
                draw_skeleton(row, pose, thickness=2, radius=2)
                cv2.putText(row, f"{t / fps:.2f}s", (PANEL * k + 4, PANEL - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                            (0, 0, 0), 1, cv2.LINE_AA)
            cv2.putText(row, f"{name} - {view}", (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
            rows.append(row)
    write_image(path, np.concatenate(rows, axis=0))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="motion h5 to write")
    parser.add_argument("--fps", type=float, default=60.0, help="frame rate every clip is resampled to")
    parser.add_argument("--mirror", action=argparse.BooleanOptionalAction, default=True,
                        help="add a left/right mirrored copy of every training sequence")
    parser.add_argument("--time-scales", type=float, nargs="*", default=[0.8, 1.25],
                        help="extra playback speeds for training sequences (1.25 = 25%% faster); none: no copies")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    parser.add_argument("--preview", type=Path, default=None,
                        help="also draw a few frames of several clips as 3D stick figures (two views) to this PNG")
    parser.add_argument("--h5", action=argparse.BooleanOptionalAction, default=True,
                        help="write the motion h5 (--no-h5 with --preview draws the picture only)")
    args = parser.parse_args(argv)
    if args.fps <= 0:
        parser.error(f"--fps must be positive, got {args.fps}")
    if any(s <= 0 for s in args.time_scales):
        parser.error(f"--time-scales must be positive, got {args.time_scales}")
    return args


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    for output in (args.preview, args.out):
        if output is not None:
            refuse_overlap((deepmimic.data_dir(),), output)
    if args.preview is not None:
        preview(args.preview, args.fps)
        LOG.info("wrote %s", args.preview)
    if not args.h5:
        return
    out = Path(os.path.abspath(args.out))
    if out.exists() and not args.overwrite:
        raise RIBError(f"{out}: already exists; pass --overwrite to replace it")
    counts = build(out, args.fps, args.mirror, args.time_scales)
    LOG.info("wrote %s: %s", out, ", ".join(f"{k} {v} sequences" for k, v in counts.items()))


if __name__ == "__main__":
    main()
