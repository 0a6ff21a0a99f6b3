"""Run stock AlphaPose once per clip folder (the reference's gen_run_alphapose.py, with working flags).

Example, from anywhere (the commands themselves run inside the AlphaPose checkout)::

    python third_party/AlphaPose/gen_run_alphapose.py --tool-dir ~/AlphaPose \\
        --input-dir DATASET/train/frames --output-dir alphapose_out/train --run
    rib-estimate-poses --backend alphapose --poses-from alphapose_out/train \\
        --input DATASET/train/frames --output DATASET/train/poses
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from HumanSloMo_Dataset.poses.adapters import add_common_arguments, run_adapter
from rib.errors import cli_entry

CONFIG = "configs/halpe_136/resnet/256x192_res50_lr1e-3_2x-regression.yaml"
CHECKPOINT = "pretrained_models/halpe136_fast_res50_256x192.pth"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_common_arguments(parser, "AlphaPose")
    parser.add_argument("--cfg", default=CONFIG, help="AlphaPose model config, relative to --tool-dir (Halpe 136: "
                                                      "body, feet and hands)")
    parser.add_argument("--checkpoint", default=CHECKPOINT, help="AlphaPose weights matching --cfg")
    parser.add_argument("--min-box-area", type=int, default=10000,
                        help="ignore people whose box is smaller (pixels; the reference's value)")
    parser.add_argument("--open-format", action="store_true",
                        help="ask AlphaPose for --format open (18 body points, no hands, no feet) instead of its "
                             "default whole-body results")
    parser.add_argument("--python", default="python3",
                        help="Python interpreter of the AlphaPose environment")
    return parser.parse_args(argv)


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)

    def command(clip: Path, output: Path) -> list[str]:
        return [args.python, "scripts/demo_inference.py", "--cfg", args.cfg, "--checkpoint", args.checkpoint,
                "--indir", str(clip), "--outdir", str(output), "--min_box_area", str(args.min_box_area),
                "--pose_track", "--sp", *(["--format", "open"] if args.open_format else [])]

    run_adapter(args, command)


if __name__ == "__main__":
    main()
