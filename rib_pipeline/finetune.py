"""``rib finetune INPUT -o MODEL_DIR``: fine-tune the warp-blend renderer on the user's own low-fps clip.

Frames and poses as ``rib interpolate``; training backgrounds in the renderer's *train* layout (frame k from
frames k-1 and k+1) in ``<work>/train_backgrounds/<clip>``; then ``Pose_Guided_Neural_Rendering/train.py`` with
``--init`` and ``--data <work>``, in this process. Use the result with ``rib interpolate ... --renderer MODEL_DIR``.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from rib.checkpoint import WARP_BLEND
from rib.cli import positive_int
from rib.errors import RIBError
from rib.paths import CHECKPOINTS_DIR, REPO_ROOT
from rib_pipeline.common import add_input_arguments, check_inputs, frames_and_poses, work_layout
from rib_pipeline.stages import train_background_stage
from rib_pipeline.summary import RunSummary
from rib_pipeline.validate import check_input_path, check_output_dir

CONFIG = REPO_ROOT / "Pose_Guided_Neural_Rendering" / "configs" / "warp_blend_hard.yaml"
DEFAULT_INIT = CHECKPOINTS_DIR / "render"
MIN_FRAMES = 3
"""A training sample is a frame with both neighbours."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rib finetune``."""
    add_input_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="MODEL_DIR",
                        help="new or empty folder for the fine-tuned renderer (model.pt, config, logs)")
    parser.add_argument("--init", default=str(DEFAULT_INIT),
                        help="warp-blend weights to start from (a folder with model.pt); 'none' trains from scratch")
    parser.add_argument("--steps", type=positive_int, default=200, help="training steps in all (bounds the time)")
    parser.add_argument("--epochs", type=positive_int, default=1, help="epochs the steps are spread over")
    parser.add_argument("--config", type=Path, default=CONFIG, help="warp-blend training config")


def initial_weights(text: str) -> Path | None:
    """``--init`` checked: a warp-blend ``model.pt`` (or a folder holding one), or None for 'none'."""
    if text.lower() == "none":
        return None
    from Pose_Guided_Neural_Rendering.api import read_renderer

    path = Path(text)
    check_input_path(path, "--init")
    if read_renderer(path)[2] != WARP_BLEND:
        raise RIBError(f"{path}: not a warp-blend renderer (model.pt); rib finetune fine-tunes only those "
                       "(or pass --init none)")
    return path


def train_arguments(args: argparse.Namespace, data: Path, init: Path | None) -> list[str]:
    """The command line of train.py for this fine-tune."""
    per_epoch = math.ceil(args.steps / args.epochs)
    argv = ["--config", str(args.config), "--data", str(data), "--out-dir", str(args.output),
            "--epochs", str(args.epochs), "--set", f"train.steps_per_epoch={per_epoch}", "--device", args.device]
    return argv + (["--init", str(init)] if init is not None else [])


def run(args: argparse.Namespace) -> RunSummary:
    """Prepare the clip and fine-tune; returns the summary."""
    check_input_path(args.input, "INPUT")
    check_input_path(args.config, "--config")
    check_output_dir(args.output, (args.input, args.poses, args.keep_work), "-o MODEL_DIR")
    init = initial_weights(args.init)
    source = check_inputs(args, args.output, MIN_FRAMES)
    summary = RunSummary(args.input)
    with work_layout(args) as layout:
        files, _ = frames_and_poses(args, source, layout, summary)
        with summary.timed("train backgrounds"):
            train_background_stage(layout, len(files), args.background, args.device, args.max_side)
        from Pose_Guided_Neural_Rendering.api import train

        with summary.timed("fine-tuning"):
            train(train_arguments(args, layout.root, init))
    summary.notes.append(f"renderer: {args.output} (use: rib interpolate ... --renderer {args.output})")
    return summary
