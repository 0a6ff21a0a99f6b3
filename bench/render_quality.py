"""Quality of the shipped renderer on the synthetic test clips, against the interpolated background alone.

End to end, each stage by its own command line: generates the synthetic test split when it is missing
(HumanSloMo_Dataset/gen_synthetic.py, 768x512, R = 4), interpolates its backgrounds (interpolate_backgrounds.py,
DIS), renders every test clip with Pose_Guided_Neural_Rendering/inference.py from the ground-truth poses and from the
poses the motion model predicts out of the keyframe poses (when checkpoints/motion exists), and scores both with
Pose_Guided_Neural_Rendering/evaluate.py (full-frame and person-region PSNR/SSIM, tOF; in-between frames only).
Writes a Markdown report with the command, the machine and the table, and (``--figure``) renders the README's
example clip the way a user would (motion model, DIS backgrounds, inference.py) into a comparison figure
GT | background alone | ours.
Example:
    python bench/render_quality.py --size 480x320 --figure img/render_example.png
"""
from __future__ import annotations

import argparse
import csv
import logging
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np
import torch

from rib.atomic import write_text
from rib.checkpoint import sha256_file
from rib.errors import RIBError, cli_entry
from rib.frames import list_clips, list_frames, read_image, write_image
from rib.machine import describe_machine
from rib.paths import CHECKPOINTS_DIR, EXAMPLE_DIR, REPO_ROOT

log = logging.getLogger("bench.render_quality")
RATE = 4
BACKGROUNDS = "DAIN"
METRICS = ("psnr", "ssim", "psnr_person", "ssim_person", "tof")
HIGHER_IS_BETTER = {"psnr": True, "ssim": True, "psnr_person": True, "ssim_person": True, "tof": False}
NEGLIGIBLE_DB = 0.1
"""PSNR gaps to the background below this are reported as no real difference."""
FIGURE_FRAMES = (2, 10, 18)
"""Example frames shown in the figure: the middle in-betweens (t = 2/4) of three keyframe intervals."""
PANEL_HW = (256, 384)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT / "data" / "synthetic",
                        help="synthetic data set root (its test split is generated here when missing)")
    parser.add_argument("--checkpoint", type=Path, default=CHECKPOINTS_DIR / "render" / "generator.pt",
                        help="renderer generator weights")
    parser.add_argument("--motion-checkpoint", type=Path, default=CHECKPOINTS_DIR / "motion",
                        help="motion checkpoint for the predicted-pose run (skipped when absent)")
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "runs" / "render_quality",
                        help="scratch folder for rendered frames and per-run evaluations (replaced)")
    parser.add_argument("--clips", nargs="+", default=None, help="only these test clips (default: all)")
    parser.add_argument("--size", default=None,
                        help="evaluate at WIDTHxHEIGHT (default: the ground-truth size, 768x512)")
    parser.add_argument("--figure", type=Path, default=None,
                        help="also render example/ end to end and save GT | background | ours for a few frames here")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads of every stage (OMP_NUM_THREADS)")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "reports" / "render_quality.md",
                        help="Markdown report to write")
    return parser


def run(args: argparse.Namespace, script: str, *options: str | Path) -> float:
    """Run a stage script with the benchmark's thread count; returns its wall time in seconds."""
    command = [sys.executable, str(REPO_ROOT / script), *map(str, options)]
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)}
    log.info("$ %s", shlex.join(command[1:]))
    start = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=REPO_ROOT)
    if result.returncode:
        raise RIBError(f"{script}: exited with status {result.returncode}")
    return time.perf_counter() - start


def clip_options(args: argparse.Namespace) -> list[str]:
    return ["--clips", *args.clips] if args.clips else []


def prepare_test_set(args: argparse.Namespace, timings: dict[str, float]) -> None:
    """Generate the test split and its backgrounds when they are not there yet."""
    test = args.data_dir / "test"
    if not (test / "gt").is_dir():
        timings["generate test split"] = run(args, "HumanSloMo_Dataset/gen_synthetic.py", "--out", args.data_dir,
                                             "--splits", "test", "--rate", RATE)
    if not (test / BACKGROUNDS).is_dir():
        timings["interpolate backgrounds"] = run(
            args, "HumanSloMo_Dataset/interpolate_backgrounds.py", "--layout", "test", "--rate", RATE, "--backend",
            "dis", "--input", test / "inputs", "--output", test / BACKGROUNDS)


def link(target: Path, name: Path) -> None:
    """A symlink ``name`` -> ``target`` (replacing an earlier link)."""
    if name.is_symlink():
        name.unlink()
    name.symlink_to(target.resolve(), target_is_directory=True)


def render_and_score(args: argparse.Namespace, name: str, poses: Path, timings: dict[str, float]) -> dict:
    """Render the test clips from ``poses`` (one folder per clip, every GT frame) and evaluate; mean rows by method."""
    folder = args.work_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    test = args.data_dir / "test"
    link(test / "inputs", folder / "inputs")
    link(test / BACKGROUNDS, folder / BACKGROUNDS)
    link(poses, folder / "Predict_motion")
    timings[f"render ({name} poses)"] = run(
        args, "Pose_Guided_Neural_Rendering/inference.py", "--input-dir", folder, "--checkpoint", args.checkpoint,
        "--backgrounds-dir", BACKGROUNDS, "--upsample-rate", RATE, "--overwrite", *clip_options(args))
    size = ["--size", args.size] if args.size else []
    timings[f"evaluate ({name} poses)"] = run(
        args, "Pose_Guided_Neural_Rendering/evaluate.py", "--data-dir", args.data_dir, "--results-dir", folder,
        "--backgrounds-dir", BACKGROUNDS, "--output-dir", folder / "evaluation", "--overwrite", "--no-lpips",
        "--no-fid", *size, *clip_options(args))
    with open(folder / "evaluation" / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {row["method"]: row for row in rows if row["clip"] == "mean"}


def predict_poses(args: argparse.Namespace, pose_dir: Path, save_dir: Path, timings: dict[str, float],
                  name: str) -> Path | None:
    """Upsample keyframe poses with the motion model; the Predict_motion folder, or None without a checkpoint."""
    if not args.motion_checkpoint.exists():
        log.warning("%s: no motion checkpoint; predicted-pose run skipped", args.motion_checkpoint)
        return None
    timings[name] = run(args, "Human_Motion_Modelling/inference.py", "--pose-dir", pose_dir, "--save-dir", save_dir,
                        "--upsample-rate", RATE, "--checkpoint", args.motion_checkpoint, "--overwrite")
    return save_dir / "Predict_motion"


def labelled(image: np.ndarray, text: str) -> np.ndarray:
    """A panel: the frame shrunk to PANEL_HW with a caption."""
    panel = cv2.resize(image, PANEL_HW[::-1], interpolation=cv2.INTER_AREA)
    (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.55, 1)
    cv2.rectangle(panel, (0, 0), (width + 12, height + 14), (0, 0, 0), thickness=-1)
    cv2.putText(panel, text, (6, height + 7), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1, cv2.LINE_AA)
    return panel


def example_figure(args: argparse.Namespace, timings: dict[str, float]) -> str:
    """Render example/ as the README does and save GT | background alone | ours; returns where the poses came from."""
    folder = args.work_dir / "example"
    folder.mkdir(parents=True, exist_ok=True)
    link(EXAMPLE_DIR / "inputs", folder / "inputs")
    if (folder / "Predict_motion").is_symlink():  # never let the motion model write through a link into example/
        (folder / "Predict_motion").unlink()
    predicted = predict_poses(args, EXAMPLE_DIR / "input_poses", folder, timings, "example: motion model")
    if predicted is None:
        link(EXAMPLE_DIR / "poses", folder / "Predict_motion")
    timings["example: backgrounds"] = run(
        args, "HumanSloMo_Dataset/interpolate_backgrounds.py", "--layout", "test", "--rate", RATE, "--backend", "dis",
        "--input", EXAMPLE_DIR / "inputs", "--output", folder / BACKGROUNDS, "--overwrite")
    timings["example: render"] = run(args, "Pose_Guided_Neural_Rendering/inference.py", "--input-dir", folder,
                                     "--checkpoint", args.checkpoint, "--backgrounds-dir", BACKGROUNDS, "--overwrite")
    clip = list_clips(EXAMPLE_DIR / "inputs")[0].name
    gt = list_frames(EXAMPLE_DIR / "gt" / clip)
    backgrounds = list_frames(folder / BACKGROUNDS / clip)
    ours = list_frames(folder / "Generated_frames" / clip)
    rows = [np.concatenate([labelled(read_image(gt[t]), f"ground truth, frame {t}"),
                            labelled(read_image(backgrounds[t]), "background interpolation alone"),
                            labelled(read_image(ours[t]), "renderer (ours)")], axis=1) for t in FIGURE_FRAMES]
    write_image(args.figure, np.concatenate(rows, axis=0))
    return "the motion model" if predicted is not None else "the ground truth (no motion checkpoint)"


def shown_path(path: Path) -> str:
    """A path relative to the repository when it lies inside it."""
    path = path.resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def table(results: dict[str, dict]) -> list[str]:
    """One row per (poses, method), the background baseline once."""
    header = ["| poses | frames | method | PSNR | SSIM | person PSNR | person SSIM | tOF |", "|---|---|---|---|---|---|---|---|"]
    rows, baseline_done = [], False
    for poses, means in results.items():
        for method in ("ours", "background"):
            if method == "background" and baseline_done:
                continue
            row = means[method]
            label = "renderer (ours)" if method == "ours" else "background interpolation alone"
            values = " | ".join(f"{float(row[key]):.4f}" if "ssim" in key else f"{float(row[key]):.2f}"
                                for key in METRICS)
            rows.append(f"| {poses if method == 'ours' else '-'} | {row['frames']} | {label} | {values} |")
            baseline_done |= method == "background"
    return header + rows


def verdict(results: dict[str, dict]) -> list[str]:
    """Plain sentences: does the renderer beat the background alone, metric by metric?"""
    lines = []
    for poses, means in results.items():
        better = [key for key in METRICS
                  if (float(means["ours"][key]) > float(means["background"][key])) == HIGHER_IS_BETTER[key]]
        worse = [key for key in METRICS if key not in better]
        lines.append(f"- {poses} poses: the renderer beats the background alone on {', '.join(better) or 'nothing'}"
                     f"; it does not on {', '.join(worse) or 'nothing'}.")
        gaps = [abs(float(means["ours"][key]) - float(means["background"][key])) for key in ("psnr", "psnr_person")]
        if max(gaps) < NEGLIGIBLE_DB:
            lines.append(f"  Both PSNRs are within {NEGLIGIBLE_DB} dB of the background's: the renderer mostly passes "
                         "the interpolated background through instead of redrawing the person.")
    return lines


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    if not args.checkpoint.is_file():
        raise RIBError(f"{args.checkpoint}: renderer weights not found")
    start = time.perf_counter()
    timings: dict[str, float] = {}
    prepare_test_set(args, timings)
    results = {"ground-truth": render_and_score(args, "ground-truth", args.data_dir / "test" / "poses", timings)}
    motion = args.motion_checkpoint
    predicted = predict_poses(args, args.data_dir / "test" / "input_poses", args.work_dir / "motion", timings,
                              "motion model")
    if predicted is not None:
        results["predicted (motion model)"] = render_and_score(args, "predicted", predicted, timings)
    figure = example_figure(args, timings) if args.figure else None
    total = time.perf_counter() - start
    shown = " ".join(shlex.quote(arg) for arg in (argv if argv is not None else sys.argv[1:]))
    report = [
        "# Renderer quality on the synthetic test clips (bench/render_quality.py)", "",
        f"Command: `python bench/render_quality.py {shown}`".rstrip() + f" ({total / 60:.1f} min in all)", "",
        f"- renderer: `{shown_path(args.checkpoint)}` (sha256 {sha256_file(args.checkpoint)[:16]}...)",
        f"- motion model: {'`' + shown_path(motion) + '`' if motion.exists() else 'absent (predicted-pose run skipped)'}",
        f"- data: the synthetic test split of `{args.data_dir}` (pybullet humanoid, DeepMimic test motions never "
        f"seen in training, 768x512, 60 fps ground truth, keyframes every {RATE}th frame), backgrounds by DIS flow",
        f"- evaluated at {args.size or 'the ground-truth size'}, in-between frames only (keyframes are copies); "
        "person-region metrics on the synthetic set's exact person masks; LPIPS/FID skipped (no ImageNet weights "
        "offline)",
        f"- machine: {describe_machine()} at the end; {args.threads} thread(s) per stage", "",
        *table(results), "",
        "PSNR in dB; tOF = mean end-point difference (pixels) between the DIS flows of consecutive output and GT "
        "frames (lower is better).", "",
        *verdict(results), "",
        *([f"Example figure `{args.figure}`: example/ rendered end to end from poses predicted by {figure} "
           f"(rows: frames {', '.join(map(str, FIGURE_FRAMES))}; columns: GT | background alone | ours).", ""]
          if figure else []),
        "Stage wall times: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()) + ".",
    ]
    write_text(args.output, "\n".join(report) + "\n")
    print("\n".join(report))


if __name__ == "__main__":
    main()
