"""Which input intervals the warp-blend renderer's keyframe check keeps, with exact poses and with a user's poses.

The renderer draws the person between two input frames only when their poses explain them: each keyframe
pose-warped onto the other's pose must not reproduce it worse than the keyframe left still, beyond the limit its
weights carry (``model.max_error_ratio``; the default ``MAX_ERROR_RATIO`` of
Pose_Guided_Neural_Rendering/warp_blend/agreement.py without ``--renderer``). This script computes that error ratio for
every input interval of a dense split (every frame, ground truth), at each rate R: with the exact poses (``poses/``,
where a good check drops nothing) and, where the split has them, with the poses a user's run gives (``poses_users_xR/``
of ``python -m rib_pipeline.training_poses``: MediaPipe on the input frames, upsampled by the motion model). It
reports their distribution, the share of intervals over the threshold, and the worst exact-pose intervals.

With ``--renderer``, it also draws every in-between of the user's poses with that renderer, the check switched off,
over the split's DIS backgrounds (``DAIN_xR/``), and scores the person (``masks/``) against the ground truth: for each
candidate threshold, the mean person PSNR gain over DIS of the in-betweens if the intervals over it were left to
DIS. That is the threshold's calibration on the user's path.

Example:
    python bench/pose_agreement.py --split data/train_human/train_dense --rates 4 8 --renderer checkpoints/render
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch
from tqdm import tqdm

from Pose_Guided_Neural_Rendering.metrics import psnr
from Pose_Guided_Neural_Rendering.warp_blend.agreement import MAX_ERROR_RATIO, error_ratio
from Pose_Guided_Neural_Rendering.warp_blend.plausibility import shows_person
from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer, load_blender
from rib.cli import upsample_rate
from rib.errors import RIBError, cli_entry
from rib.frames import list_clips, list_frames, read_image, read_mask
from rib.machine import describe_machine
from rib.names import DAIN, GT, MASKS, POSES
from rib.paths import REPO_ROOT, display_path
from rib.poses import read_pose_folder
from rib.reports import command_line, write_report

USERS = "user's path"
WORST = 5
"""How many of the highest exact-pose intervals the report lists."""
CANDIDATE_THRESHOLDS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, math.inf)
"""The limits the calibration compares (inf: every interval drawn)."""
HARMFUL_DB = 0.5
"""A drawn interval whose person PSNR is this much below DIS's is counted as harmful."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", type=Path, default=REPO_ROOT / "data" / "train_human" / "train_dense",
                        help="dense split: gt/<clip> frames, poses/<clip> exact poses, optionally poses_users_xR/<clip> "
                             "(default: data/train_human/train_dense)")
    parser.add_argument("--rates", type=upsample_rate, nargs="+", default=[4, 8],
                        help="input rates R to measure (default: 4 8)")
    parser.add_argument("--renderer", type=Path, default=None,
                        help="warp-blend renderer (a folder with model.pt) to calibrate the threshold with: the person "
                             "PSNR gain over DIS of the user's path per candidate threshold (default: ratios only)")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "reports" / "pose_agreement.md",
                        help="Markdown report; a .json with every number is written beside it (default: "
                             "bench/reports/pose_agreement.md)")
    return parser.parse_args(argv)


def interval_ratios(keyframes: dict[int, np.ndarray], poses: np.ndarray, rate: int) -> list[tuple[int, float]]:
    """(first frame, error ratio) of every interval of ``rate`` frames whose two keyframes (``keyframes``: frame
    index -> image, every ``rate``-th frame) show a person."""
    ratios = []
    for k in sorted(keyframes)[:-1]:
        if shows_person(poses[k]) and shows_person(poses[k + rate]):
            ratios.append((k, error_ratio(keyframes[k], keyframes[k + rate], poses[k], poses[k + rate])))
    return ratios


def summarize(ratios: list[float], threshold: float) -> dict:
    """Count, quantiles and the share over ``threshold`` of a list of ratios."""
    values = np.asarray(ratios)
    return {"intervals": len(values), "median": float(np.median(values)), "p90": float(np.percentile(values, 90)),
            "p99": float(np.percentile(values, 99)), "max": float(values.max()),
            "over": int((values > threshold).sum())}


def interval_gains(renderer: BlendRenderer, split: Path, clip: str, frames: list[Path],
                   keyframes: dict[int, np.ndarray], poses: np.ndarray, rate: int,
                   ratios: list[tuple[int, float]]) -> list[dict]:
    """Per interval of ``ratios``: its ratio and the person PSNR gains over DIS of its in-betweens drawn by
    ``renderer`` (whose check must be off), frames without a person pixel skipped. ``frames``: the clip's
    ground-truth frames; ``keyframes``: every ``rate``-th of them, read."""
    folder = split / f"{DAIN}_x{rate}" / clip
    backgrounds = sorted(folder.glob("*.png"))
    if len(backgrounds) != (len(keyframes) - 1) * rate + 1:
        raise RIBError(f"{folder}: {len(backgrounds)} backgrounds for {len(keyframes)} input frames at R = {rate}")
    intervals = []
    for k, ratio in ratios:
        gains = []
        for index in range(k + 1, k + rate):
            mask = read_mask(split / MASKS / clip / f"{frames[index].stem}.png")
            if not mask.any():
                continue
            truth, background = read_image(frames[index]), read_image(backgrounds[index])
            frame, _ = renderer.frame(keyframes[k], keyframes[k + rate], background, poses[[k, k + rate, index]],
                                      (index - k) / rate)
            gains.append(psnr(frame, truth, mask) - psnr(background, truth, mask))
        intervals.append({"clip": clip, "frame": k, "ratio": ratio, "gains": gains})
    return intervals


def calibrate(intervals: list[dict]) -> list[dict]:
    """Per candidate threshold: the intervals drawn, the mean person PSNR gain over DIS of all in-betweens (those of
    the intervals over the threshold are DIS's: gain 0), and the drawn intervals HARMFUL_DB or more below DIS."""
    frames = sum(len(interval["gains"]) for interval in intervals)
    rows = []
    for threshold in CANDIDATE_THRESHOLDS:
        drawn = [interval for interval in intervals if interval["ratio"] <= threshold]
        gained = sum(sum(interval["gains"]) for interval in drawn)
        harmful = sum(bool(interval["gains"]) and np.mean(interval["gains"]) <= -HARMFUL_DB for interval in drawn)
        rows.append({"threshold": None if math.isinf(threshold) else threshold, "drawn": len(drawn),
                     "gain": gained / max(frames, 1),
                     "harmful": int(harmful)})
    return rows


def measure(split: Path, rate: int, threshold: float, renderer: BlendRenderer | None = None) -> dict:
    """Per pose source (exact, the user's), the ratios' summary at ``rate`` (how many over ``threshold``); the worst
    exact intervals; with a ``renderer``, the threshold's calibration on the user's poses."""
    sources = {"exact": POSES, USERS: f"poses_users_x{rate}"}
    found = {name: folder for name, folder in sources.items() if (split / folder).is_dir()}
    if renderer is not None and USERS not in found:
        raise RIBError(f"{split / sources[USERS]}: no such folder; --renderer calibrates on the user's poses "
                       "(python -m rib_pipeline.training_poses)")
    ratios: dict[str, list[float]] = {name: [] for name in found}
    worst, drawn = [], []
    for clip in tqdm(list_clips(split / GT), desc=f"x{rate}", unit="clip"):
        frames = list_frames(clip)
        keyframes = {k: read_image(frames[k]) for k in range(0, len(frames), rate)}  # read once for every source
        for name, folder in found.items():
            poses = read_pose_folder(split / folder / clip.name)
            if len(poses) != len(frames):
                raise RIBError(f"{split / folder / clip.name}: {len(poses)} poses for {len(frames)} frames")
            measured = interval_ratios(keyframes, poses, rate)
            ratios[name] += [ratio for _, ratio in measured]
            if name == "exact":
                worst += [(ratio, clip.name, k) for k, ratio in measured]
            elif renderer is not None:
                drawn += interval_gains(renderer, split, clip.name, frames, keyframes, poses, rate, measured)
    empty = [name for name, values in ratios.items() if not values]
    if empty:
        raise RIBError(f"{split}: no interval of {rate} frames shows a person at both ends ({empty[0]} poses)")
    worst.sort(reverse=True)
    result = {"sources": {name: summarize(values, threshold) for name, values in ratios.items()},
              "worst_exact": [{"clip": clip, "frame": k, "ratio": ratio} for ratio, clip, k in worst[:WORST]]}
    if renderer is not None:
        result["calibration"] = calibrate(drawn)
        result["intervals"] = drawn
    return result


def threshold_text(threshold: float | None) -> str:
    """A calibration row's threshold as the report shows it (None, no limit: "none")."""
    return "none" if threshold is None else f"{threshold:.2f}"


def best_threshold(calibrated: dict[str, list[dict]]) -> str:
    """The candidate with the highest gain at every rate together (mean over the rates), with its gain per rate."""
    gains = {row["threshold"]: [] for row in next(iter(calibrated.values()))}
    for rows in calibrated.values():
        for row in rows:
            gains[row["threshold"]].append(row["gain"])
    limit = {threshold: math.inf if threshold is None else threshold for threshold in gains}
    best = max(gains, key=lambda threshold: (np.mean(gains[threshold]), -limit[threshold]))  # ties: the lower
    per_rate = ", ".join(f"{gain:+.3f} dB at R = {rate}" for rate, gain in zip(calibrated, gains[best]))
    return f"threshold {threshold_text(best)} ({per_rate})"


def threshold_source(report: dict) -> str:
    """Where the report's threshold comes from: the renderer's config or the default limit."""
    if report.get("renderer") is None:
        return "MAX_ERROR_RATIO, the default limit"
    return f"model.max_error_ratio of `{report['renderer']}`"


def render(report: dict) -> str:
    lines = ["# The renderer's keyframe check on exact and detected poses (bench/pose_agreement.py)", "",
             f"Command: `{report['command']}` ({report['minutes']:.1f} min)", "", f"- machine: {report['machine']}",
             f"- split: `{report['split']}`; threshold {report['threshold']} ({threshold_source(report)}): an interval "
             "over it is drawn as the background", "",
             "| R | poses | intervals | median | 90th pct | 99th pct | max | over the threshold |",
             "|---|---|---|---|---|---|---|---|"]
    for rate, result in report["rates"].items():
        for name, row in result["sources"].items():
            share = 100 * row["over"] / max(row["intervals"], 1)
            lines.append(f"| {rate} | {name} | {row['intervals']} | {row['median']:.2f} | {row['p90']:.2f} | "
                         f"{row['p99']:.2f} | {row['max']:.2f} | {row['over']} ({share:.1f}%) |")
    lines += ["", "Highest exact-pose intervals (clip, first frame, ratio):", ""]
    for rate, result in report["rates"].items():
        worst = ", ".join(f"{row['clip']} {row['frame']}: {row['ratio']:.2f}" for row in result["worst_exact"])
        lines.append(f"- R = {rate}: {worst}")
    calibrated = {rate: result["calibration"] for rate, result in report["rates"].items() if "calibration" in result}
    if calibrated:
        lines += ["", f"## Calibration on the user's poses: renderer `{report['renderer']}`", "",
                  "Every in-between of the user's poses drawn with the check off; an interval over the threshold keeps "
                  "DIS's frames (gain 0). Gain: mean person PSNR over DIS of all in-betweens, dB; harmful: drawn "
                  f"intervals {HARMFUL_DB} dB or more below DIS on the person.", "",
                  "| R | threshold | intervals drawn | gain over DIS | harmful intervals drawn |",
                  "|---|---|---|---|---|"]
        for rate, rows in calibrated.items():
            for row in rows:
                lines.append(f"| {rate} | {threshold_text(row['threshold'])} | {row['drawn']} | {row['gain']:+.3f} | "
                             f"{row['harmful']} |")
        lines += ["", f"Highest gain: {best_threshold(calibrated)}."]
    return "\n".join(lines) + "\n"


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    for folder in (GT, POSES):
        if not (args.split / folder).is_dir():
            raise RIBError(f"{args.split / folder}: no such folder (a dense split: gen_synthetic.py --dense-train)")
    renderer, threshold = None, MAX_ERROR_RATIO
    if args.renderer is not None:
        for folder in (MASKS, *(f"{DAIN}_x{rate}" for rate in args.rates)):
            if not (args.split / folder).is_dir():
                raise RIBError(f"{args.split / folder}: no such folder; --renderer needs the split's person masks and "
                               "DIS backgrounds (python -m rib_pipeline.training_poses makes DAIN_xR)")
        device = torch.device("cpu")
        renderer = BlendRenderer(*load_blender(args.renderer, device), device, max_error_ratio=math.inf)
        threshold = renderer.config.model.max_error_ratio
    start = time.perf_counter()
    rates = {str(rate): measure(args.split, rate, threshold, renderer) for rate in args.rates}
    report = {"command": command_line(__file__, sys.argv[1:] if argv is None else argv),
              "machine": describe_machine(), "split": display_path(args.split), "threshold": threshold,
              "renderer": None if args.renderer is None else display_path(args.renderer),
              "minutes": (time.perf_counter() - start) / 60, "rates": rates}
    print(write_report(args.output, report, render))


if __name__ == "__main__":
    main()
