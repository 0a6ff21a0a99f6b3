"""Person-specific fine-tuning: the shipped renderer fine-tuned on one test clip's keyframes, then scored on its
in-betweens, against the generic renderer.

For every synthetic test clip of rate R (as bench/quality.py lays it out): the clip's keyframes and their poses
form a fine-tuning folder; their training backgrounds (keyframe k from k-1 and k+1, DIS) come from
interpolate_backgrounds.py --layout train; train.py --init checkpoints/render --data FOLDER fine-tunes for a fixed
number of steps in the reference's self-supervised setting; both renderers then draw the clip's in-between frames
(which fine-tuning never sees) from motion-model and ground-truth poses.

Example:
    python bench/finetune.py --rate 4 --steps 150
"""
from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import time
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from bench.quality import chosen_clips, prepare, run_stage, score_clip
from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer, load_blender
from rib.atomic import write_text
from rib.errors import cli_entry
from rib.machine import describe_machine
from rib.names import INPUT_POSES, INPUTS, TRAIN_BACKGROUNDS
from rib.paths import CHECKPOINTS_DIR, REPO_ROOT

log = logging.getLogger("bench.finetune")
SOURCES = ("motion model", "ground truth")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=REPO_ROOT / "data", help="as in bench/quality.py")
    parser.add_argument("--rate", type=int, default=4, help="upsampling rate R of the test clips")
    parser.add_argument("--renderer", type=Path, default=CHECKPOINTS_DIR / "render", help="the generic renderer")
    parser.add_argument("--motion-checkpoint", type=Path, default=CHECKPOINTS_DIR / "motion",
                        help="motion model for the predicted poses")
    parser.add_argument("--steps", type=int, default=150, help="fine-tuning steps per clip")
    parser.add_argument("--lr", type=float, default=3e-4, help="fine-tuning learning rate")
    parser.add_argument("--clips", nargs="+", default=None, help="only these test clips (default: all)")
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "runs" / "finetune", help="scratch folder")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "reports" / "finetune.md",
                        help="Markdown report (a .json beside it)")
    return parser


def finetune_clip(args: argparse.Namespace, test: Path, clip: str) -> tuple[Path, float]:
    """Fine-tune on ``clip``'s keyframes; returns the run folder and the wall time of training."""
    folder = args.work_dir / f"x{args.rate}" / "clips" / clip
    run = args.work_dir / f"x{args.rate}" / "runs" / clip  # beside the clip's data: train.py refuses it inside
    for kind in (INPUTS, INPUT_POSES):
        link = folder / kind / clip
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.is_symlink():
            link.symlink_to((test / kind / clip).resolve(), target_is_directory=True)
    run_stage(args.threads, "HumanSloMo_Dataset/interpolate_backgrounds.py", "--layout", "train", "--backend", "dis",
              "--input", folder / INPUTS, "--output", folder / TRAIN_BACKGROUNDS, "--overwrite")
    seconds = run_stage(args.threads, "Pose_Guided_Neural_Rendering/train.py", "--config",
                        "Pose_Guided_Neural_Rendering/configs/warp_blend_hard.yaml", "--init", args.renderer, "--data",
                        folder, "--out-dir", run, "--overwrite", "--epochs", 1, "--set",
                        f"train.steps_per_epoch={args.steps}", "--set", f"train.lr={args.lr}")
    return run, seconds


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    torch.set_num_threads(args.threads)
    started, timings = time.perf_counter(), {}
    args.backends = ["dis"]
    test = prepare(args, args.rate, timings)
    device = torch.device("cpu")
    generic = BlendRenderer(*load_blender(args.renderer, device), device)
    clips = chosen_clips(test, args.clips)
    results = {}
    for clip in clips:
        run, seconds = finetune_clip(args, test, clip)
        tuned = BlendRenderer(*load_blender(run, device), device)
        scores = {name: score_clip(renderer, test, args.work_dir / f"x{args.rate}", clip, args.rate, ["dis"])
                  for name, renderer in (("generic", generic), ("fine-tuned", tuned))}
        results[clip] = {"finetune_seconds": round(seconds, 1), **{
            f"{name} ({source})": scores[name][f"ours ({source} poses)"]["psnr_person"]
            for name in scores for source in SOURCES}, "dis": scores["generic"]["dis"]["psnr_person"]}
        log.info("%s: %s", clip, results[clip])
    report = {"command": shlex.join(["python", "bench/finetune.py", *map(str, argv or sys.argv[1:])]),
              "machine": describe_machine(), "rate": args.rate, "steps": args.steps, "clips": results,
              "seconds": round(time.perf_counter() - started, 1)}
    columns = ["dis", *(f"{name} ({source})" for source in SOURCES for name in ("generic", "fine-tuned"))]
    lines = ["# Person-specific fine-tuning on the synthetic test clips (bench/finetune.py)", "",
             f"Command: `{report['command']}` ({report['seconds'] / 60:.1f} min in all)", "",
             f"- machine: {report['machine']}",
             f"- R = {args.rate}; each clip: {args.steps} fine-tuning steps on its own keyframes only (frame k from "
             "k-1 and k+1 over their DIS background), then its in-between frames rendered; person PSNR in dB "
             "(exact mask pixels, mean over in-between frames)", "",
             "| clip | fine-tune s | " + " | ".join(columns) + " | gain (motion model) | gain (ground truth) |",
             "|---|---|" + "---|" * (len(columns) + 2)]
    for clip, row in results.items():
        gains = [row[f"fine-tuned ({s})"] - row[f"generic ({s})"] for s in SOURCES]
        lines.append(f"| {clip} | {row['finetune_seconds']:.0f} | " + " | ".join(f"{row[c]:.2f}" for c in columns)
                     + " | " + " | ".join(f"{g:+.2f}" for g in gains) + " |")
    write_text(args.output, "\n".join(lines) + "\n")
    write_text(args.output.with_suffix(".json"), json.dumps(report, indent=1))
    log.info("wrote %s", args.output)


if __name__ == "__main__":
    main()
