"""Run OpenPose (BODY_25 + hands) once per clip folder, writing one *_keypoints.json per frame.

Example::

    python third_party/OpenPose/gen_run_openpose.py --tool-dir ~/openpose \\
        --input-dir DATASET/train/frames --output-dir openpose_out/train --run
    rib-estimate-poses --backend openpose --poses-from openpose_out/train \\
        --input DATASET/train/frames --output DATASET/train/poses
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from HumanSloMo_Dataset.poses.adapters import add_common_arguments, run_adapter
from rib.errors import cli_entry

BINARY = "./build/examples/openpose/openpose.bin"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_common_arguments(parser, "OpenPose")
    parser.add_argument("--binary", default=BINARY, help="the OpenPose demo binary, relative to --tool-dir")
    parser.add_argument("--no-hands", action="store_true", help="skip hand keypoints (faster; J19 hand joints missing)")
    parser.add_argument("--net-resolution", default="-1x368",
                        help="OpenPose --net_resolution (lower it on small GPUs)")
    return parser.parse_args(argv)


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)

    def command(clip: Path, output: Path) -> list[str]:
        return [args.binary, "--image_dir", str(clip), "--write_json", str(output), "--model_pose", "BODY_25",
                "--net_resolution", args.net_resolution, "--display", "0", "--render_pose", "0",
                *([] if args.no_hands else ["--hand"])]

    run_adapter(args, command)


if __name__ == "__main__":
    main()
