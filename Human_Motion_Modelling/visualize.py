"""Side-by-side skeleton animations (GIF or MP4): predicted vs linear vs ground-truth motion.

Two sources: test sequences of the evaluation protocol (``--checkpoint``; panels Predicted, Linear, Ground
truth), or any pose folders (``--pose-dirs``, e.g. the Predict_motion/ and Linear_motion/ folders of a clip).
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import imageio.v2 as imageio
import numpy as np

from Human_Motion_Modelling.checkpoints import DEFAULT_CHECKPOINT, load_trained_model
from Human_Motion_Modelling.evaluation import Protocol
from Human_Motion_Modelling.upsample import linear_upsample, model_upsample
from rib.atomic import atomic_path, prepare_output_dir
from rib.cli import positive_int, positive_number
from rib.errors import RIBError, cli_entry
from rib.joints import draw_skeleton
from rib.paths import REPO_ROOT
from rib.poses import read_pose_folder
from rib.safety import refuse_overlap
from rib.video import write_video

MARGIN = 0.1
log = logging.getLogger("motion.visualize")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT,
                        help="motion checkpoint (test-sequence mode)")
    parser.add_argument("--pose-dirs", type=Path, nargs="+", help="pose folders to show side by side instead")
    parser.add_argument("--labels", nargs="+", help="panel titles for --pose-dirs (default: folder names)")
    parser.add_argument("--num", type=positive_int, default=3, help="test sequences to animate (test-sequence mode)")
    parser.add_argument("--rate", type=int, help="keyframe step (default: the checkpoint config's evaluate.rate)")
    parser.add_argument("--out-dir", type=Path, default=REPO_ROOT / "runs" / "motion" / "visualize",
                        help="output folder")
    parser.add_argument("--format", choices=("gif", "mp4"), default="gif", help="animation file format")
    parser.add_argument("--fps", type=positive_number, default=30.0, help="playback frame rate")
    parser.add_argument("--size", type=positive_int, default=256, help="panel size in pixels (square)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing animations")
    return parser.parse_args(argv)


def fit_to_panel(sequences: list[np.ndarray], size: int) -> list[np.ndarray]:
    """Map (T, 19, 3) sequences into a ``size`` square with one shared scale and offset (aspect kept)."""
    points = np.concatenate([s[s[..., 2] > 0][:, :2] for s in sequences] or [np.zeros((0, 2))])
    if not len(points):
        return sequences
    low, high = points.min(axis=0), points.max(axis=0)
    scale = size * (1 - 2 * MARGIN) / max(float((high - low).max()), 1e-9)
    offset = size / 2 - (low + high) / 2 * scale
    return [np.concatenate([s[..., :2] * scale + offset, s[..., 2:]], axis=-1) for s in sequences]


def render_panels(sequences: list[np.ndarray], labels: list[str], size: int) -> list[np.ndarray]:
    """RGB frames with one panel per sequence (shorter sequences hold their last frame)."""
    fitted = fit_to_panel(sequences, size)
    frames = []
    for t in range(max(len(s) for s in fitted)):
        panels = []
        for sequence, label in zip(fitted, labels):
            panel = np.full((size, size, 3), 255, np.uint8)
            draw_skeleton(panel, sequence[min(t, len(sequence) - 1)], thickness=max(1, size // 128))
            cv2.putText(panel, label, (5, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
            panels.append(panel)
        frames.append(np.concatenate(panels, axis=1))
    return frames


def save_animation(path: Path, frames: list[np.ndarray], fps: float) -> None:
    """Write frames as GIF (looping) or H.264 MP4, atomically."""
    if path.suffix == ".mp4":
        write_video(path, frames, fps)
        return
    with atomic_path(path) as tmp:
        imageio.mimsave(tmp, frames, format="GIF", duration=1000.0 / fps, loop=0)


def test_sequence_panels(args: argparse.Namespace) -> dict[str, tuple[list[np.ndarray], list[str]]]:
    """Predicted, linear and ground-truth motion of the first ``--num`` test sequences."""
    trained = load_trained_model(args.checkpoint)
    protocol = Protocol.from_config(trained.config, rate=args.rate)
    protocol.max_sequences = args.num
    cases, _ = protocol.cases()
    return {case.name.replace("/", "_"): (
        [model_upsample(trained.model, trained.normaliser, case.keyframes, protocol.rate),
         linear_upsample(case.keyframes, protocol.rate), case.gt], ["Predicted", "Linear", "Ground truth"])
        for case in cases}


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    refuse_overlap(args.pose_dirs or (args.checkpoint,), args.out_dir)
    if args.pose_dirs:
        labels = args.labels or [p.parent.name for p in args.pose_dirs]
        if len(labels) != len(args.pose_dirs):
            raise RIBError(f"--labels: {len(labels)} given for {len(args.pose_dirs)} pose folders")
        jobs = {args.pose_dirs[0].name: ([read_pose_folder(p) for p in args.pose_dirs], labels)}
    else:
        jobs = test_sequence_panels(args)
    prepare_output_dir(args.out_dir, args.overwrite, pattern=f"*.{args.format}")
    for name, (sequences, labels) in jobs.items():
        path = args.out_dir / f"{name}.{args.format}"
        save_animation(path, render_panels(sequences, labels, args.size), args.fps)
        log.info("wrote %s", path)


if __name__ == "__main__":
    main()
