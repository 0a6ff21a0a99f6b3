"""Estimate 2D poses of frame folders: one OpenPose BODY_25 + hands JSON per frame, every person tracked per clip.

Examples (the reference's layout)::

    rib-estimate-poses --input DATASET/train/frames --output DATASET/train/poses
    rib-estimate-poses --input DATASET/test/gt --output DATASET/test/poses
    rib-estimate-poses --input DATASET/test/inputs --output DATASET/test/input_poses
    rib-estimate-poses --backend alphapose --poses-from alphapose_out/train --input DATASET/train/frames \\
        --output DATASET/train/poses
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from HumanSloMo_Dataset.poses.estimate import BACKENDS, PEOPLE_CHOICES, estimate_poses
from rib.errors import RIBError, cli_entry
from rib.person import MIN_CONFIDENCE

log = logging.getLogger("estimate_poses")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--input", "-i", required=True, type=Path,
                        help="frame folder of one clip, or a root of clip sub-folders (e.g. DATASET/train/frames)")
    parser.add_argument("--output", "-o", required=True, type=Path,
                        help="pose folder to write; mirrors --input (e.g. DATASET/train/poses)")
    parser.add_argument("--backend", "-b", choices=list(BACKENDS), default="mediapipe",
                        help="mediapipe: estimate with MediaPipe Holistic (built in, CPU, offline); alphapose / "
                             "openpose: convert those tools' existing outputs given by --poses-from")
    parser.add_argument("--poses-from", type=Path, default=None,
                        help="the AlphaPose or OpenPose outputs to convert, laid out like --input (one sub-folder "
                             "per clip); for one clip, its output folder or AlphaPose's alphapose-results.json")
    parser.add_argument("--min-confidence", type=float, default=MIN_CONFIDENCE,
                        help="mediapipe: keypoints with a lower visibility are written as missing (0, 0, 0)")
    parser.add_argument("--people", choices=PEOPLE_CHOICES, default="all",
                        help="all: every person tracked over enough frames (the main person first in each file, "
                             "with its track id); main: the clip's main person alone")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace pose files already in --output (other files there are left alone)")
    return parser


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if BACKENDS[args.backend].converts and args.poses_from is None:
        raise RIBError(f"--backend {args.backend} converts existing outputs: pass --poses-from FOLDER")
    summary = estimate_poses(args.input, args.output, args.backend, args.poses_from, args.overwrite,
                             args.min_confidence, args.people)
    log.info("%d pose files written for %d frames of %d clip(s) in %s: %d people in %d track(s)", summary.written,
             summary.frames, summary.clips, args.output, summary.people, summary.tracks)
    if summary.empty:
        log.warning("%d frame(s) have no person: their files hold an empty 'people' list", summary.empty)
    if summary.failures:
        shown = "; ".join(summary.failures[:3]) + ("; ..." if len(summary.failures) > 3 else "")
        raise RIBError(f"{len(summary.failures)} problem(s), the rest was written: {shown}")


if __name__ == "__main__":
    main()
