"""Upsample OpenPose pose folders by any integer rate with a trained motion model (and a linear baseline).

For every clip folder of ``--pose-dir`` (or ``--pose-dir`` itself when it holds the JSON files) this writes
``SAVE_DIR/Predict_motion/<clip>/%06d_keypoints.json`` and ``SAVE_DIR/Linear_motion/<clip>/...``:
(N - 1) * R + 1 frames, where output frame k * R is input frame k.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch
from tqdm import tqdm

from Human_Motion_Modelling.checkpoints import DEFAULT_CHECKPOINT, load_trained_model
from Human_Motion_Modelling.upsample import linear_upsample, model_upsample
from rib import person
from rib.atomic import prepare_output_dir
from rib.cli import positive_int, upsample_rate
from rib.distributed import pick_device
from rib.errors import RIBError, cli_entry
from rib.frames import list_clips, list_poses
from rib.names import KEYPOINTS_PATTERN, LINEAR_MOTION, PREDICT_MOTION
from rib.poses import read_pose_folder, write_pose_folder
from rib.safety import refuse_overlap

OUTPUT_KINDS = (PREDICT_MOTION, LINEAR_MOTION)
log = logging.getLogger("motion.inference")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--pose-dir", type=Path, required=True,
                        help="folder of clip sub-folders of OpenPose JSON files (or one such clip folder)")
    parser.add_argument("--save-dir", type=Path, required=True,
                        help=f"where {PREDICT_MOTION}/ and {LINEAR_MOTION}/ are written")
    parser.add_argument("--upsample-rate", type=upsample_rate, default=8,
                        help="R: output frames per input interval (R - 1 new frames between two inputs)")
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT,
                        help="motion checkpoint file, or a folder holding model.pt (older: model.pth, last.pth)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output pose files")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--batch-size", type=positive_int, default=64,
                        help="windows per forward pass (each as long as the checkpoint's training windows)")
    return parser.parse_args(argv)


def find_clips(pose_dir: Path) -> list[Path]:
    """Clip folders under ``pose_dir``; ``pose_dir`` itself if it directly holds JSON files."""
    if not pose_dir.is_dir():
        raise RIBError(f"{pose_dir}: pose folder not found")
    if list_poses(pose_dir, allow_empty=True):
        return [pose_dir]
    return list_clips(pose_dir)


def warn_if_few_people(clip: Path, poses: np.ndarray) -> None:
    """One warning line for a clip whose poses show a person (any joint) in fewer than half of the frames."""
    person.warn_if_few_people(log, clip, (poses[..., 2] > 0).any(axis=1), if_none="writing empty poses",
                              if_few="the in-between poses (and frames rendered from them) will be poor")


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    for kind in OUTPUT_KINDS:
        refuse_overlap((args.pose_dir, args.checkpoint), args.save_dir / kind)
    clips = find_clips(args.pose_dir)
    trained = load_trained_model(args.checkpoint, pick_device(args.device))
    log.info("model of epoch %d, %d clip(s), rate %d", trained.epoch, len(clips), args.upsample_rate)
    inputs = {clip: read_pose_folder(clip) for clip in tqdm(clips, desc="reading", unit="clip")}
    targets = {clip: [prepare_output_dir(args.save_dir / kind / clip.name, args.overwrite, KEYPOINTS_PATTERN)
                      for kind in OUTPUT_KINDS] for clip in clips}
    for clip, poses in tqdm(inputs.items(), desc="upsampling", unit="clip"):
        warn_if_few_people(clip, poses)
        with torch.inference_mode():
            predicted = model_upsample(trained.model, trained.normaliser, poses, args.upsample_rate,
                                       batch_size=args.batch_size, window_frames=trained.window_frames)
        predict_dir, linear_dir = targets[clip]
        write_pose_folder(predict_dir, predicted, overwrite=True)
        write_pose_folder(linear_dir, linear_upsample(poses, args.upsample_rate), overwrite=True)
        log.info("%s: %d -> %d frames", clip.name, len(poses), len(predicted))


if __name__ == "__main__":
    main()
