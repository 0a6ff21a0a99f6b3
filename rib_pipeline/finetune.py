"""``rib finetune INPUT -o MODEL_DIR``: fine-tune the warp-blend renderer on the user's own low-fps clip.

Frames and poses as ``rib interpolate``; the input frames its self-check judges a renderer on are kept out of
training (``--no-self-check`` keeps none out); training backgrounds in the renderer's *train* layout (frame k from
frames k-1 and k+1) in ``<work>/train_backgrounds/<clip>``; then ``Pose_Guided_Neural_Rendering/train.py`` with
``--init`` and ``--data <work>``, in this process; last, the fine-tuned weights are kept only if they rebuild the
frames kept out better than the starting weights, by a sure saving (:mod:`rib_pipeline.weights_choice`). Use the
result with ``rib interpolate ... --renderer MODEL_DIR``.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from rib.atomic import output_lock
from rib.checkpoint import WARP_BLEND
from rib.cli import positive_int
from rib.distributed import pick_device
from rib.engine import resume_checkpoint
from rib.errors import RIBError
from rib.paths import CHECKPOINTS_DIR, REPO_ROOT
from rib.person import has_person
from rib.safety import refuse_overlap
from rib_pipeline.common import (add_input_arguments, check_inputs, frames_and_poses, input_paths, main_poses,
                                 work_layout)
from rib_pipeline.media import Source
from rib_pipeline.stages import (build_background, half_rate_poses, load_motion_model,
                                 train_background_stage)
from rib_pipeline.summary import RunSummary
from rib_pipeline.validate import check_input_path, check_output_dir
from rib_pipeline.weights_choice import FOLDER as WEIGHTS_CHOICE
from rib_pipeline.weights_choice import keep_better_weights

if TYPE_CHECKING:
    from HumanSloMo_Dataset.backgrounds.base import Interpolator

CONFIG = REPO_ROOT / "Pose_Guided_Neural_Rendering" / "configs" / "warp_blend_hard.yaml"
DEFAULT_INIT = CHECKPOINTS_DIR / "render"
MIN_FRAMES = 3
"""A training sample is a frame with both neighbours."""
KEPT_OUT_SHARE = 3
"""rib finetune keeps at most one training frame in this many out of training for the self-check (but never fewer
than the check needs): on a short clip the fine-tune keeps most of its few frames, and the check still judges frames
it never saw."""
DEFAULT_STEPS = 150
"""Training steps of a clip fine-tune: on the test split at R = 4 (bench/reports/finetune_users_path_tie.md and
finetune_users_path_300.md) 150 steps gained +0.08 dB on the person on average (worst clip -0.03), 300 steps -0.00
(worst -0.17: it overfits the few low-fps frames of one clip). With a new crop for every draw of a frame (2026-12-05;
finetune_users_path_draws.md and finetune_users_path_draws_rest.md) 150 steps gain +0.09 (worst -0.02), and with the
fine-tuned weights kept only on a sure saving (finetune_users_path_sure_weights.md) +0.10 (worst +0.00)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rib finetune``."""
    add_input_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="MODEL_DIR",
                        help="new or empty folder for the fine-tuned renderer (model.pt, config, logs)")
    run = parser.add_mutually_exclusive_group()
    run.add_argument("--resume", action="store_true",
                     help="continue the fine-tune that MODEL_DIR holds (stopped by Ctrl-C or a kill) from its "
                          "checkpoint.pt")
    run.add_argument("--overwrite", action="store_true",
                     help="start afresh in a MODEL_DIR that holds a run (only the run's own files are replaced)")
    parser.add_argument("--init", default=str(DEFAULT_INIT),
                        help="warp-blend weights to start from (a folder with model.pt); 'none' trains from scratch")
    parser.add_argument("--steps", type=positive_int, default=DEFAULT_STEPS,
                        help="training steps in all (bounds the time); a multiple of --epochs")
    parser.add_argument("--epochs", type=positive_int, default=1, help="epochs the steps are spread over evenly")
    parser.add_argument("--config", type=Path, default=CONFIG, help="warp-blend training config")
    parser.add_argument("--self-check", action=argparse.BooleanOptionalAction, default=True,
                        help="keep out of training the input frames that rib interpolate's self-check judges the "
                             "renderer on, so that it judges the fine-tuned renderer on frames it never saw, and keep "
                             "the fine-tuned weights only if they rebuild those frames better than the --init weights "
                             "by a sure saving, a mean saving per frame of at least 1.5 standard errors "
                             "(--no-self-check trains on every frame and keeps the result: for rib interpolate "
                             "--no-self-check)")


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


def train_arguments(args: argparse.Namespace, data: Path, init: Path | None, held_out: list[int]) -> list[str]:
    """The command line of train.py for this fine-tune."""
    argv = ["--config", str(args.config), "--data", str(data), "--out-dir", str(args.output),
            "--epochs", str(args.epochs), "--set", f"train.steps_per_epoch={steps_per_epoch(args)}",
            "--device", args.device] + (["--held-out", *map(str, held_out)] if held_out else [])
    argv += ["--resume"] if args.resume else ["--overwrite"] if args.overwrite else []
    return argv + (["--init", str(init)] if init is not None else [])


def steps_per_epoch(args: argparse.Namespace) -> int:
    """``--steps`` spread evenly over ``--epochs``: exactly ``--steps`` steps in all, or a one-line error."""
    if args.steps % args.epochs:
        nearest = -(-args.steps // args.epochs) * args.epochs
        raise RIBError(f"--steps {args.steps} --epochs {args.epochs}: the steps are spread evenly over the epochs, "
                       f"so --steps must be a multiple of --epochs (e.g. --steps {nearest})")
    return args.steps // args.epochs


def check_model_dir(args: argparse.Namespace) -> None:
    """-o MODEL_DIR: apart from every input; new or empty, unless ``--resume`` (it must hold a checkpoint) or
    ``--overwrite``."""
    inputs = (*input_paths(args), args.keep_work)
    if args.resume:
        refuse_overlap(inputs, args.output)
        resume_checkpoint(args.output)
    elif args.overwrite:
        refuse_overlap(inputs, args.output)
        if args.output.exists() and not args.output.is_dir():
            raise RIBError(f"{args.output}: exists and is not a folder (-o MODEL_DIR)")
    else:
        check_output_dir(args.output, inputs, "-o MODEL_DIR (or pass --resume to continue the run it holds, "
                                              "--overwrite to start afresh)")


def has_training_sample(poses: np.ndarray) -> bool:
    """Whether ``rib finetune`` finds a training sample in these input poses (:func:`training_targets`)."""
    return bool(training_targets(poses))


def training_targets(poses: np.ndarray) -> list[int]:
    """The input frames rib finetune can learn: those that show a person, as both their neighbours do."""
    found = [has_person(pose) for pose in poses]
    return [k for k in range(1, len(found) - 1) if all(found[k - 1:k + 2])]


def self_check_frames(poses: np.ndarray, triples: np.ndarray, cuts: list[int]) -> tuple[list[int], str]:
    """The input frames that rib interpolate's self-check will judge this clip's renderer on, to keep out of
    training, and a line for the summary: at least MIN_SAMPLES of the frames the check can judge, spread evenly, and
    at most one training frame in KEPT_OUT_SHARE beyond that; none when there are too few to judge, or when fewer
    than MIN_SAMPLES frames would be left to train on. ``poses``: the main person's input poses; ``triples``: their
    :func:`rib_pipeline.stages.half_rate_poses`."""
    from rib_pipeline.self_check import MIN_SAMPLES, held_out_frames, spread_evenly

    judged = held_out_frames(triples, set(cuts))
    targets = training_targets(poses)
    frames = spread_evenly(judged, max(MIN_SAMPLES, len(targets) // KEPT_OUT_SHARE))
    left = len(set(targets) - set(frames))
    if len(frames) < MIN_SAMPLES:
        return [], (f"trained on all {len(targets)} training frames: too few for rib interpolate's self-check to "
                    "judge the fine-tuned renderer on")
    if left < MIN_SAMPLES:
        return [], (f"trained on all {len(targets)} training frames: keeping the {len(frames)} that rib interpolate's "
                    f"self-check judges out would leave {left}, so the check will judge the fine-tuned renderer on "
                    "frames it trained on")
    return frames, (f"kept {len(targets) - left} of {len(targets)} training frames out of training (input frames "
                    f"{', '.join(map(str, frames[:8]))}{', ...' if len(frames) > 8 else ''}): rib interpolate's "
                    "self-check judges the fine-tuned renderer on them")


def check_training_sample(args: argparse.Namespace, poses: np.ndarray) -> None:
    """Refuse a clip without a training sample (:func:`has_training_sample`): nothing to train on."""
    if not has_training_sample(poses):
        found = sum(has_person(pose) for pose in poses)
        raise RIBError(f"{args.input}: no frame shows a person together with both its neighbours (a person was found "
                       f"in {found} of {len(poses)} frames); rib finetune needs at least one such frame")


def run(args: argparse.Namespace) -> RunSummary:
    """Prepare the clip and fine-tune; returns the summary."""
    check_input_path(args.input, "INPUT")
    check_input_path(args.config, "--config")
    check_model_dir(args)
    steps_per_epoch(args)
    init = initial_weights(args.init)
    source = check_inputs(args, args.output, MIN_FRAMES)
    interpolator = build_background(args.background, device=args.device, max_side=args.max_side)
    with output_lock(args.output):
        check_model_dir(args)  # again under the lock: another run may have written there since
        return finetune(args, source, init, interpolator)


def finetune(args: argparse.Namespace, source: Source, init: Path | None, interpolator: Interpolator
             ) -> RunSummary:
    """Frames, poses and training backgrounds (by ``interpolator``) of the clip in a work folder, then train.py on
    it."""
    summary = RunSummary(args.input)
    with work_layout(args) as layout:
        files, tracks = frames_and_poses(args, source, layout, summary)
        poses = main_poses(tracks, len(files))
        check_training_sample(args, poses)
        held_out: list[int] = []
        device = pick_device(args.device)
        if args.self_check:
            triples = half_rate_poses(poses, load_motion_model(device))
            held_out, note = self_check_frames(poses, triples, summary.cuts)
            summary.notes.append(note)
        with summary.timed("train backgrounds"):
            train_background_stage(layout, len(files), interpolator)
        from Pose_Guided_Neural_Rendering.api import train

        with summary.timed("fine-tuning"):
            train(train_arguments(args, layout.root, init, held_out))
        if held_out and init is not None:
            with summary.timed("choosing the weights"):
                summary.notes.append(keep_better_weights(args.output, init, files, triples, held_out, interpolator,
                                                         layout.folder(WEIGHTS_CHOICE), device))
    summary.notes.append(f"renderer: {args.output} (use: rib interpolate ... --renderer {args.output})")
    return summary
