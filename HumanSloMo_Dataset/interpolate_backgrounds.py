"""Interpolate background frames for the renderer, at any rate R, with DIS flow (default), RIFE or a cross-fade.

Examples:
    python interpolate_backgrounds.py --layout test --input HumanSloMo/test/inputs --output HumanSloMo/test/DAIN
    python interpolate_backgrounds.py --layout train --input HumanSloMo/train/frames --output HumanSloMo/train/DAIN
    python interpolate_backgrounds.py --dataset HumanSloMo --rate 4 --backend rife   # both layouts at once
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from HumanSloMo_Dataset import backgrounds
from HumanSloMo_Dataset.backgrounds.base import MAX_SIDE
from HumanSloMo_Dataset.backgrounds.layout import LAYOUTS, interpolate_clip
from HumanSloMo_Dataset.batch import raise_if_failed, run_each
from rib.cli import upsample_rate
from rib.errors import RIBError, cli_entry
from rib.frames import list_clips
from rib.names import DAIN, FRAMES, INPUTS, TEST, TRAIN
from rib.safety import refuse_overlap

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--input", help="root of clip frame folders (<input>/<clip>/*.png)")
    parser.add_argument("--output", help="root of the background folders to write (<output>/<clip>/)")
    parser.add_argument("--layout", choices=LAYOUTS, default="test",
                        help="test: R-1 frames between neighbours plus copies; train: frame i from i-1 and i+1")
    parser.add_argument("--dataset", help="dataset root: do train/frames -> train/<dir> and test/inputs -> "
                                          "test/<dir> (instead of --input/--output/--layout)")
    parser.add_argument("--backgrounds-dir", default=DAIN,
                        help="background folder name inside the dataset splits (with --dataset)")
    parser.add_argument("-r", "--rate", "--upsample-rate", type=upsample_rate, default=2,
                        help="upsampling rate R of the test layout (in-betweens at t = k/R)")
    parser.add_argument("--backend", choices=list(backgrounds.BACKENDS), default="dis", help="interpolation method")
    parser.add_argument("--max-side", type=int, default=MAX_SIDE,
                        help="estimate motion on frames shrunk to this longer side (bounds memory); warping is "
                             "always done at full resolution")
    parser.add_argument("--device", default="auto",
                        help="torch device of the rife and rife39 backends (auto, cpu, cuda)")
    parser.add_argument("--clips", nargs="+", help="process only these clip folders")
    parser.add_argument("--overwrite", action="store_true", help="replace backgrounds already in output folders")
    return parser


def jobs_of(args: argparse.Namespace) -> list[tuple[str, Path, Path]]:
    """(layout, input root, output root) pairs the arguments ask for."""
    if args.dataset:
        root = Path(args.dataset)
        return [("train", root / TRAIN / FRAMES, root / TRAIN / args.backgrounds_dir),
                ("test", root / TEST / INPUTS, root / TEST / args.backgrounds_dir)]
    if not args.input or not args.output:
        raise RIBError("give --input and --output (or --dataset)")
    return [(args.layout, Path(args.input), Path(args.output))]


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    jobs = jobs_of(args)
    for _, input_root, output_root in jobs:
        refuse_overlap((input_root,), output_root)
    interpolator = backgrounds.build(args.backend, args.max_side, args.device)
    failures, total = [], 0
    for layout, input_root, output_root in jobs:
        clips = [c for c in list_clips(input_root) if not args.clips or c.name in args.clips]
        log.info("%s layout: %d clips of %s -> %s (%s, rate %d)", layout, len(clips), input_root, output_root,
                 args.backend, args.rate if layout == "test" else 2)
        failures += run_each(
            clips, lambda clip: interpolate_clip(layout, clip, output_root / clip.name, interpolator, args.rate,
                                                 args.overwrite),
            name=lambda clip: clip.name, desc=f"{layout} clips")
        total += len(clips)
    raise_if_failed(failures, total)


if __name__ == "__main__":
    main()
