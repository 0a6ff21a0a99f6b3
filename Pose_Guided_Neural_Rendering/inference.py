"""Render the in-between frames of every clip: python Pose_Guided_Neural_Rendering/inference.py --input-dir example.

Reads ``INPUT/inputs/<clip>`` (N low-rate frames), ``INPUT/Predict_motion/<clip>`` ((N-1)*R+1 pose files) and the
interpolated backgrounds ``INPUT/<backgrounds-dir>/<clip>`` (named ``<keyframe stem>_<t>.png``), and writes
``SAVE/Generated_frames/<clip>/<background name>.png`` for all (N-1)*R+1 frames at the input resolution. Keyframes
are copied untouched. Two kinds of renderer:

- the warp-blend renderer (the shipped ``checkpoints/render/model.pt``): both neighbouring keyframes are warped to
  the new pose limb by limb at full resolution and blended with the background by the network's weights;
  frames whose poses show no person are the background, untouched;
- the reference's SPADE generator (``generator.pt`` from train.py with a GAN config): each in-between frame is
  rendered at model size autoregressively from the preceding keyframe, and the rendered person and its mask are
  upsampled and blended over the full-resolution background.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from Pose_Guided_Neural_Rendering.api import (
    DEFAULT_CHECKPOINT, load_renderer, plan_clip, render_clip, resolve_backgrounds,
)
from Pose_Guided_Neural_Rendering.clips import warn_if_few_people
from rib.atomic import prepare_output_dir
from rib.cli import positive_int, positive_number, upsample_rate
from rib.distributed import pick_device
from rib.errors import RIBError, cli_entry
from rib.frames import list_clips, read_image
from rib.names import BACKGROUNDS, DAIN, GENERATED_FRAMES, INPUTS, PREDICT_MOTION
from rib.safety import refuse_overlap
from rib.video import write_video

LOG = logging.getLogger("render.inference")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--input-dir", type=Path, required=True,
                        help=f"folder holding {INPUTS}/<clip>, {PREDICT_MOTION}/<clip> and the background folders")
    parser.add_argument("--save-dir", type=Path, default=None, help="output root (default: the input folder)")
    parser.add_argument("--upsample-rate", type=upsample_rate, default=None,
                        help="R, frames per input interval (default: inferred from the frame and pose counts)")
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT,
                        help="renderer: a folder with model.pt (warp-blend) or generator.pt (SPADE GAN), or the "
                             "file itself, as written by train.py")
    parser.add_argument("--backgrounds-dir", default=None,
                        help=f"background folder inside the input folder (default: {DAIN} if present, else "
                             f"{BACKGROUNDS})")
    parser.add_argument("--clips", nargs="+", default=None, help="render only these clips (default: all)")
    parser.add_argument("--batch-size", type=positive_int, default=4, help="input intervals rendered together")
    parser.add_argument("--video", action="store_true", help=f"also write {GENERATED_FRAMES}/<clip>.mp4")
    parser.add_argument("--fps", type=positive_number, default=30.0, help="frame rate of the --video output")
    parser.add_argument("--overwrite", action="store_true", help="replace frames of an earlier run")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                        help="generator arithmetic; auto = bf16 where the CPU/GPU computes it natively (about 3x "
                             "faster on such CPUs; the blend over the background is always fp32)")
    return parser.parse_args(argv)


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    save_dir = args.save_dir or args.input_dir
    clips = [path.name for path in list_clips(args.input_dir / PREDICT_MOTION)]
    if args.clips:
        unknown = sorted(set(args.clips) - set(clips))
        if unknown:
            raise RIBError(f"{args.input_dir / PREDICT_MOTION}: no clip(s) {', '.join(unknown)}")
        clips = [clip for clip in clips if clip in args.clips]
    backgrounds = resolve_backgrounds(args.input_dir, args.backgrounds_dir)
    plans = [plan_clip(args.input_dir, backgrounds, clip, args.upsample_rate) for clip in clips]
    for plan in plans:  # e.g. --backgrounds-dir Generated_frames: --overwrite would delete the backgrounds
        refuse_overlap((args.input_dir / INPUTS / plan.name, args.input_dir / PREDICT_MOTION / plan.name,
                        backgrounds / plan.name, args.checkpoint), save_dir / GENERATED_FRAMES / plan.name)
    device = pick_device(args.device)
    renderer = load_renderer(args.checkpoint, device, args.precision)
    out_dirs = [prepare_output_dir(save_dir / GENERATED_FRAMES / plan.name, args.overwrite, "*.png") for plan in plans]
    videos = [save_dir / GENERATED_FRAMES / f"{plan.name}.mp4" for plan in plans] if args.video else []
    clobbered = [video for video in videos if video.exists()]
    if clobbered and not args.overwrite:
        raise RIBError(f"{clobbered[0]}: already exists; pass --overwrite to replace it")
    for plan, out_dir in zip(plans, out_dirs):
        warn_if_few_people(renderer, plan, args.input_dir / PREDICT_MOTION / plan.name)
        paths = render_clip(renderer, plan, out_dir, args.batch_size)
        LOG.info("%s: %d frames (R=%d) -> %s", plan.name, len(paths), plan.rate, out_dir)
        if args.video:
            video = save_dir / GENERATED_FRAMES / f"{plan.name}.mp4"
            write_video(video, (read_image(path) for path in paths), args.fps)
            LOG.info("%s: video -> %s", plan.name, video)


if __name__ == "__main__":
    main()
