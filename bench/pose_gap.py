"""Where the user's path loses against exact poses: a diagnosis of a ``bench/quality.py`` user's-path run.

For every input interval of every test clip in the run, it says whether the run drew the person there (or left the
in-betweens to DIS: the keyframe check or the self-check), and redraws its in-betweens twice with the run's renderer
and the keyframe check off: once from the run's own poses (MediaPipe keyframes, motion-model in-betweens), refined
as ``rib interpolate`` refines them now (warp_blend/pose_refinement.py), once from the exact poses, as they are. The
main person is drawn, over the split's DIS backgrounds. The person PSNR gain over DIS, per in-between frame, is
summed by group:

- drawn intervals, run's poses: the run there (with the pose refinement of the code at hand);
- drawn intervals, exact poses: what the run's pose errors cost where it draws;
- intervals left to DIS: what drawing them anyway would give, with the run's poses and with exact ones.

The run's keyframe pose errors (against the exact keyframe poses) are split into the part both keyframes of an
interval share, ``(eA + eB) / 2``, which moves the warps' source and target alike and mostly cancels, and the part
that differs, ``(eA - eB) / 2``, which makes the two warps disagree. The in-betweens' residual is their error less
the keyframe errors interpolated to their time: how far from the true place the warps move the person.
Example, after ``python bench/quality.py --work-dir runs/quality``:
    python bench/pose_gap.py --run runs/quality/users_path --output bench/reports/pose_gap.md
"""
from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch

from bench.quality import chosen_clips
from bench.users_path import stage_folder, upsampled_names
from Pose_Guided_Neural_Rendering.metrics import psnr
from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer, load_blender
from rib.errors import RIBError, cli_entry
from rib.frames import list_frames, read_image, read_mask
from rib.machine import describe_machine
from rib.names import DAIN, GENERATED_FRAMES, GT, MASKS, POSES, PREDICT_MOTION
from rib.paths import CHECKPOINTS_DIR, REPO_ROOT, display_path
from rib.poses import read_pose_folder
from rib.reports import command_line, write_report

log = logging.getLogger("bench.pose_gap")
CPU = torch.device("cpu")
GROUPS = ("drawn, run's poses", "drawn, exact poses", "left to DIS, run's poses", "left to DIS, exact poses")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, default=REPO_ROOT / "runs" / "quality" / "users_path",
                        help="a user's-path folder of bench/quality.py's --work-dir (users_path or "
                             "users_path_compared), holding xR/<clip>/work")
    parser.add_argument("--renderer", type=Path, default=CHECKPOINTS_DIR / "render",
                        help="the renderer that run used (model.pt or its folder)")
    parser.add_argument("--data-root", type=Path, default=REPO_ROOT / "data",
                        help="the test split of rate R lives in DATA_ROOT/synthR/test")
    parser.add_argument("--rates", type=int, nargs="+", default=[4, 8], help="upsampling rates R to diagnose")
    parser.add_argument("--clips", nargs="+", default=None, help="only these test clips (default: all)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for the renderer")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "reports" / "pose_gap.md",
                        help="Markdown report to write; the JSON with the same numbers goes beside it")
    return parser


def pose_errors(run: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """(F, K, 2) errors of the (F, J, 3) poses ``run`` against ``exact`` at the K joints known in all of both."""
    known = (run[..., 2] > 0).all(0) & (exact[..., 2] > 0).all(0)
    return run[:, known, :2] - exact[:, known, :2]


def split_keyframe_errors(run: np.ndarray, exact: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lengths (pixels) of the shared and the differing part of the keyframe errors of one interval, for the joints
    known in both keyframes of both (2, J, 3) pose pairs ``run`` and ``exact``."""
    errors = pose_errors(run, exact)
    return (np.linalg.norm(errors.sum(0) / 2, axis=-1), np.linalg.norm((errors[0] - errors[1]) / 2, axis=-1))


def in_between_residual(run: np.ndarray, exact: np.ndarray, t: float) -> np.ndarray:
    """Lengths (pixels) of an in-between's pose error less its keyframes' errors interpolated to time ``t``, for the
    joints known in all three of the (3, J, 3) poses (previous, next, in-between) of ``run`` and ``exact``."""
    errors = pose_errors(run, exact)
    return np.linalg.norm(errors[2] - ((1 - t) * errors[0] + t * errors[1]), axis=-1)


def diagnose_clip(renderers: dict[str, BlendRenderer], test: Path, work: Path, clip: str, rate: int) -> dict:
    """Gains per group (summed over in-between frames), frames per group, interval counts and pose errors of one
    clip of a user's-path run (``work`` holds its ``work/`` stage folders); ``renderers`` draw from the run's poses
    (refining them, as rib interpolate does) and from the exact poses (as given)."""
    gt_files = list_frames(test / GT / clip)
    names = upsampled_names(test, clip, rate)
    run_poses = read_pose_folder(stage_folder(work, PREDICT_MOTION, clip))
    exact_poses = read_pose_folder(test / POSES / clip)
    if len(run_poses) != len(names) or len(exact_poses) < len(names):
        raise RIBError(f"{stage_folder(work, PREDICT_MOTION, clip)}: {len(run_poses)} poses for {len(names)} "
                       f"upsampled frames (is --run from this data root and rate?)")
    gains = {group: 0.0 for group in GROUPS}
    frames = {"drawn": 0, "left to DIS": 0}
    shared, differing, residual = [], [], []
    for k in range(0, len(names) - 1, rate):
        steps = range(k + 1, k + rate)
        drawn = any(not np.array_equal(read_image(stage_folder(work, GENERATED_FRAMES, clip) / names[i]),
                                       read_image(stage_folder(work, DAIN, clip) / names[i])) for i in steps)
        where = "drawn" if drawn else "left to DIS"
        frames[where] += len(steps)
        previous, following = read_image(gt_files[k]), read_image(gt_files[k + rate])
        parts = split_keyframe_errors(run_poses[[k, k + rate]], exact_poses[[k, k + rate]])
        shared += parts[0].tolist()
        differing += parts[1].tolist()
        for i in steps:
            t = (i - k) / rate
            truth, mask = read_image(gt_files[i]), read_mask(test / MASKS / clip / f"{gt_files[i].stem}.png")
            background = read_image(test / DAIN / clip / names[i])
            base = psnr(background, truth, mask)
            for source, poses in (("run's poses", run_poses), ("exact poses", exact_poses)):
                frame, _ = renderers[source].frame(previous, following, background, poses[[k, k + rate, i]], t)
                gains[f"{where}, {source}"] += psnr(frame, truth, mask) - base
            residual += in_between_residual(run_poses[[k, k + rate, i]], exact_poses[[k, k + rate, i]], t).tolist()
    return {"gains": gains, "frames": frames, "intervals": {"drawn": frames["drawn"] // (rate - 1),
                                                            "left to DIS": frames["left to DIS"] // (rate - 1)},
            "errors": {"shared": shared, "differing": differing, "residual": residual}}


def summary(clips: dict[str, dict]) -> dict:
    """Mean gains per in-between frame of all clips together: drawn where the run drew, every interval drawn from the
    run's poses, every interval drawn from exact poses; group means; error percentiles."""
    total = {group: sum(clip["gains"][group] for clip in clips.values()) for group in GROUPS}
    frames = {where: sum(clip["frames"][where] for clip in clips.values()) for where in ("drawn", "left to DIS")}
    count = max(sum(frames.values()), 1)
    errors = {part: np.concatenate([clip["errors"][part] for clip in clips.values()] + [np.zeros(0)])
              for part in ("shared", "differing", "residual")}
    return {"drawn where the run drew": total["drawn, run's poses"] / count,
            "all drawn, run's poses": (total["drawn, run's poses"] + total["left to DIS, run's poses"]) / count,
            "all drawn, exact poses": (total["drawn, exact poses"] + total["left to DIS, exact poses"]) / count,
            "group means": {group: total[group] / max(frames[group.split(",")[0]], 1) for group in GROUPS},
            "frames": frames,
            "errors": {part: {"median": float(np.median(values)) if len(values) else math.nan,
                              "p90": float(np.percentile(values, 90)) if len(values) else math.nan}
                       for part, values in errors.items()}}


def render_markdown(report: dict) -> str:
    lines = ["# Where the user's path loses against exact poses (bench/pose_gap.py)", "",
             f"Command: `{report['command']}` ({report['seconds'] / 60:.1f} min)", "",
             f"- machine: {report['machine']}", f"- run: `{report['run']}`; renderer: `{report['renderer']}`",
             "- person PSNR gain over DIS in dB, mean per in-between frame; every interval redrawn with the keyframe "
             "check off; the run's poses refined, exact ones as they are; pose errors (before refinement) in pixels at "
             "768x512", ""]
    for rate, result in report["rates"].items():
        total = result["summary"]
        keys = ("drawn where the run drew", "all drawn, run's poses", "all drawn, exact poses")
        as_run, run_poses, exact = (total[key] for key in keys)
        lines += [f"## R = {rate}", "",
                  f"- drawn where the run drew, from its poses: **{as_run:+.3f}**; every interval drawn from the run's "
                  f"poses: {run_poses:+.3f}; from exact poses: **{exact:+.3f}**",
                  f"- in-between frames: {total['frames']['drawn']} drawn, {total['frames']['left to DIS']} left to "
                  f"DIS; mean gain per frame of each group: "
                  + "; ".join(f"{group} {value:+.3f}" for group, value in total["group means"].items()),
                  "- keyframe pose errors: shared part median {shared[median]:.2f} (90th percentile "
                  "{shared[p90]:.2f}), differing part {differing[median]:.2f} ({differing[p90]:.2f}); "
                  "in-between residual {residual[median]:.2f} ({residual[p90]:.2f})".format(**total["errors"]), "",
                  "| clip | intervals drawn | left to DIS | " + " | ".join(GROUPS) + " |",
                  "|---|---|---|" + "---|" * len(GROUPS)]
        for clip, row in result["clips"].items():
            cells = [f"{row['gains'][group] / max(row['frames'][group.split(',')[0]], 1):+.2f}"
                     if row["frames"][group.split(",")[0]] else "-" for group in GROUPS]
            lines.append(f"| {clip} | {row['intervals']['drawn']} | {row['intervals']['left to DIS']} | "
                         + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    model, config = load_blender(args.renderer, CPU)
    renderers = {"run's poses": BlendRenderer(model, config, CPU, max_error_ratio=math.inf),
                 "exact poses": BlendRenderer(model, config, CPU, max_error_ratio=math.inf, refine_poses=False)}
    rates = {}
    for rate in args.rates:
        test, runs = args.data_root / f"synth{rate}" / "test", args.run / f"x{rate}"
        if not runs.is_dir():
            raise RIBError(f"{runs}: no user's-path run at R = {rate} (run bench/quality.py --rates {rate} first)")
        clips = {}
        for clip in chosen_clips(test, args.clips):
            clips[clip] = diagnose_clip(renderers, test, runs / clip, clip, rate)
            log.info("x%d %s: %s", rate, clip, {key: round(value, 2) for key, value in clips[clip]["gains"].items()})
        rates[str(rate)] = {"clips": {clip: {key: row[key] for key in ("gains", "frames", "intervals")}
                                      for clip, row in clips.items()}, "summary": summary(clips)}
    report = {"command": command_line(__file__, argv if argv is not None else sys.argv[1:]),
              "machine": describe_machine(), "run": display_path(args.run), "renderer": display_path(args.renderer),
              "rates": rates, "seconds": round(time.perf_counter() - started, 1)}
    write_report(args.output, report, render_markdown)
    log.info("wrote %s", args.output)


if __name__ == "__main__":
    main()
