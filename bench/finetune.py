"""Person-specific fine-tuning: the shipped renderer fine-tuned on one test clip, then scored on its in-betweens,
against the generic renderer.

For every synthetic test clip of rate R (as bench/quality.py lays it out), as a user runs it (the default): ``rib
finetune inputs/<clip> --steps S`` (MediaPipe poses, the self-check's frames kept out, frame k from k-1 and k+1 over
their DIS background, the better weights on the kept-out frames kept), then ``rib interpolate inputs/<clip>`` with the
generic and with the fine-tuned renderer; both outputs' in-betweens (which fine-tuning never sees) are scored, and so is DIS. The
targets (issue 18): +0.5 dB person PSNR over the generic model on average, no clip worse by more than 0.1 dB, at
most 5 min per fine-tune. ``--no-users-path`` is the diagnosis on exact poses: the clip's keyframes and their exact
poses form the fine-tuning folder, train.py --init fine-tunes on it, and both renderers draw the in-betweens from
motion-model and ground-truth poses.

Example:
    python bench/finetune.py --rate 4
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

import numpy as np
import torch

from bench.quality import chosen_clips, prepare, run_stage, score_clip
from bench.users_path import GT_FPS, interpolate, self_check_verdict, stage_folder, thread_env
from Pose_Guided_Neural_Rendering.api import read_renderer
from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer, load_blender
from rib.atomic import write_text
from rib.errors import cli_entry
from rib.machine import describe_machine
from rib.names import GENERATED_FRAMES, INPUT_POSES, INPUTS, TRAIN_BACKGROUNDS
from rib.paths import CHECKPOINTS_DIR, REPO_ROOT, display_path
from rib_pipeline.finetune import DEFAULT_STEPS
from rib_pipeline.subprocess_run import run_finetune

log = logging.getLogger("bench.finetune")
CPU = torch.device("cpu")
USERS_PATH = "user's path"
EXACT_SOURCES = ("motion model", "ground truth")
RENDERERS = ("generic", "fine-tuned")
TARGET_GAIN, WORST_LOSS, MAX_SECONDS = 0.5, 0.1, 300.0
"""Issue 18's targets: mean person-PSNR gain (dB), the most a clip may lose (dB), the time of one fine-tune (s)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=REPO_ROOT / "data", help="as in bench/quality.py")
    parser.add_argument("--rate", type=int, default=4, help="upsampling rate R of the test clips")
    parser.add_argument("--renderer", type=Path, default=CHECKPOINTS_DIR / "render", help="the generic renderer")
    parser.add_argument("--motion-checkpoint", type=Path, default=CHECKPOINTS_DIR / "motion",
                        help="motion model for the predicted poses")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                        help="fine-tuning steps per clip (rib finetune's default)")
    parser.add_argument("--users-path", action=argparse.BooleanOptionalAction, default=True,
                        help="fine-tune and interpolate with rib finetune and rib interpolate, as a user does "
                             "(--no-users-path: train.py on the exact keyframe poses, drawn from exact poses; "
                             "default: on)")
    parser.add_argument("--lr", type=float, default=3e-4,
                        help="fine-tuning learning rate with --no-users-path (rib finetune uses its config's)")
    parser.add_argument("--clips", nargs="+", default=None, help="only these test clips (default: all)")
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "runs" / "finetune", help="scratch folder")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "reports" / "finetune.md",
                        help="Markdown report (a .json beside it)")
    return parser


def finetune_exact(args: argparse.Namespace, test: Path, clip: str) -> tuple[Path, float]:
    """Fine-tune with train.py on ``clip``'s keyframes and exact poses; returns the run folder and its wall time."""
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


def exact_pose_row(args: argparse.Namespace, test: Path, clip: str, generic: BlendRenderer) -> dict:
    """``--no-users-path``: one clip's person PSNR per renderer and exact pose source, DIS's, and the fine-tune's
    time."""
    run, seconds = finetune_exact(args, test, clip)
    tuned = BlendRenderer(*load_blender(run, CPU), CPU, refine_poses=False)
    poses_dir = args.work_dir / f"x{args.rate}"
    scores = {name: score_clip(renderer, test, poses_dir, clip, args.rate, ["dis"], sources=EXACT_SOURCES)
              for name, renderer in zip(RENDERERS, (generic, tuned))}
    return {"finetune_seconds": round(seconds, 1), "dis": scores["generic"]["dis"]["psnr_person"],
            **{f"{name} ({source})": scores[name][f"ours ({source} poses)"]["psnr_person"]
               for name in RENDERERS for source in EXACT_SOURCES}}


def users_path_row(args: argparse.Namespace, test: Path, clip: str) -> dict:
    """One clip as a user runs it: rib finetune, then rib interpolate with the generic and with the fine-tuned
    renderer; person PSNR of both outputs and of DIS, the fine-tune's time, the weights it kept and both self-checks'
    verdicts."""
    root = args.work_dir / f"x{args.rate}"
    model = root / "users_runs" / clip
    seconds = run_finetune(test / INPUTS / clip, GT_FPS / args.rate, model,
                           ["--steps", str(args.steps), "--init", str(args.renderer)], thread_env(args.threads))
    row: dict = {"finetune_seconds": round(seconds, 1), "weights": kept_weights(model, args.renderer), "self_check": {}}
    for name, renderer in zip(RENDERERS, (args.renderer, model)):
        work = root / "users_path" / name / clip
        interpolate(test, clip, args.rate, work, renderer=renderer, threads=args.threads)
        scores = score_clip(None, test, root, clip, args.rate, ["dis"],
                            users_paths={USERS_PATH: stage_folder(work, GENERATED_FRAMES, clip)}, sources=())
        row["dis"], row[f"{name} ({USERS_PATH})"] = scores["dis"]["psnr_person"], scores[USERS_PATH]["psnr_person"]
        row["self_check"][name] = self_check_verdict(work, clip)
    return row


def kept_weights(model: Path, start: Path) -> str:
    """Which weights rib finetune left in ``model`` (its last step keeps the better ones on the frames it kept out):
    'starting' when they are ``start``'s, else 'fine-tuned'."""
    tuned, started = (read_renderer(path)[1]["model"] for path in (model, start))
    return "starting" if all(torch.equal(tuned[name], value) for name, value in started.items()) else "fine-tuned"


def gains(results: dict[str, dict], source: str) -> list[float]:
    """Each clip's person-PSNR gain of the fine-tuned renderer over the generic one, with ``source`` poses."""
    return [row[f"fine-tuned ({source})"] - row[f"generic ({source})"] for row in results.values()]


def verdict(results: dict[str, dict], source: str) -> str:
    """Issue 18's fine-tuning targets on the ``source`` rows, each met or missed with its number."""
    clip_gains, seconds = gains(results, source), max(row["finetune_seconds"] for row in results.values())
    checks = [(f"mean gain {np.mean(clip_gains):+.2f} dB (target +{TARGET_GAIN})", np.mean(clip_gains) >= TARGET_GAIN),
              (f"worst clip {min(clip_gains):+.2f} dB (target no clip below -{WORST_LOSS})",
               min(clip_gains) >= -WORST_LOSS),
              (f"longest fine-tune {seconds:.0f} s (target at most {MAX_SECONDS:.0f} s)", seconds <= MAX_SECONDS)]
    return f"- {source}: " + "; ".join(f"{text}: {'met' if ok else 'missed'}" for text, ok in checks)


def check_cell(row: dict) -> str:
    """Both renderers' self-check outcomes on a clip (user's path): passed, failed or '-' (not judged)."""
    def word(outcome: dict | None) -> str:
        return "-" if outcome is None or outcome["renderer_psnr"] is None else (
            "passed" if outcome["passed"] else "failed")
    return " / ".join(word(row["self_check"][name]) for name in RENDERERS)


def write_report(args: argparse.Namespace, report: dict, sources: Sequence[str]) -> None:
    """The Markdown report and the JSON beside it."""
    results = report["clips"]
    columns = ["dis", *(f"{name} ({source})" for source in sources for name in RENDERERS)]
    checked = args.users_path
    how = (f"`rib finetune inputs/<clip> --steps {args.steps}` (MediaPipe poses, the self-check's frames kept out, the "
           "better weights on them kept) and `rib interpolate` with each renderer, as a user runs them" if checked else
           f"{args.steps} train.py steps on its own keyframes and exact poses (frame k from k-1 and k+1 over their "
           "DIS background), its in-betweens drawn from exact poses")
    lines = ["# Person-specific fine-tuning on the synthetic test clips (bench/finetune.py)", "",
             f"Command: `{report['command']}` ({report['seconds'] / 60:.1f} min in all)", "",
             f"- machine: {report['machine']}",
             f"- R = {args.rate}; generic renderer `{report['renderer']}`; each clip: {how}; person PSNR in dB "
             "(exact mask pixels, mean over the in-between frames, which fine-tuning never sees); fine-tune s: its "
             "wall time",
             "", "| clip | fine-tune s | " + " | ".join(columns) + " | "
             + " | ".join(f"gain ({source})" for source in sources)
             + (" | weights kept | self-check: generic / fine-tuned |" if checked else " |"),
             "|---|---|" + "---|" * (len(columns) + len(sources) + 2 * checked)]
    for clip, row in results.items():
        cells = [f"{row[column]:.2f}" for column in columns]
        cells += [f"{row[f'fine-tuned ({s})'] - row[f'generic ({s})']:+.2f}" for s in sources]
        cells += [row.get("weights", "-"), check_cell(row)] if checked else []
        lines.append(f"| {clip} | {row['finetune_seconds']:.0f} | " + " | ".join(cells) + " |")
    lines += ["", "Targets (issue 18):", *(verdict(results, source) for source in sources)]
    write_text(args.output.with_suffix(".json"), json.dumps(report, indent=1))
    write_text(args.output, "\n".join(lines) + "\n")


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    torch.set_num_threads(args.threads)
    started, timings = time.perf_counter(), {}
    args.backends = ["dis"]
    test = prepare(args, args.rate, timings)
    generic = None if args.users_path else BlendRenderer(*load_blender(args.renderer, CPU), CPU, refine_poses=False)
    results = {}
    for clip in chosen_clips(test, args.clips):
        results[clip] = users_path_row(args, test, clip) if generic is None else exact_pose_row(args, test, clip,
                                                                                               generic)
        log.info("%s: %s", clip, results[clip])
    report = {"command": shlex.join(["python", "bench/finetune.py", *map(str, argv or sys.argv[1:])]),
              "machine": describe_machine(), "renderer": display_path(args.renderer), "rate": args.rate,
              "steps": args.steps, "users_path": args.users_path,
              "clips": results, "seconds": round(time.perf_counter() - started, 1)}
    write_report(args, report, [USERS_PATH] if args.users_path else EXACT_SOURCES)
    log.info("wrote %s", args.output)


if __name__ == "__main__":
    main()
