"""In-between quality on the synthetic test split: blend, DIS, RIFE v3.8 and v3.9, the user's path (rib interpolate)
and the shipped renderer from three pose sources.

For each rate R: the test split (HumanSloMo_Dataset/gen_synthetic.py --splits test --rate R, the 8 held-out motions at
768x512) is generated when missing, and so are its backgrounds (interpolate_backgrounds.py, one folder per backend).
The user's path row, "ours (user's path)", runs exactly what a user runs on each clip's low-fps inputs: ``rib
interpolate inputs/<clip> --rate R --input-fps 60/R --renderer RENDERER`` (MediaPipe poses, motion model, DIS
background, renderer; work folders in WORK_DIR/users_path, ``--no-users-path`` skips it), and its output frames are
scored; ``--compare-renderer M`` adds the same row for a second renderer (e.g. the shipped one beside a candidate).
The exact-pose rows: the motion model (Human_Motion_Modelling/inference.py) upsamples the ground-truth keyframe poses,
which also writes the linear baseline, and the renderer draws every in-between frame over the DIS background from
linear poses, motion-model poses and ground-truth poses. Every row is scored the same way, per in-between frame
(keyframes are copies of the ground truth): PSNR over the full frame, PSNR and SSIM over the exact person mask, tOF
over the whole clip (mean end-point difference of the DIS flows of consecutive frames, output vs ground truth), and
the in-process renderer's mean alpha (the warps' weight) inside and outside the person. The gains are measured over
the best baseline present: max(DIS, RIFE v3.8, RIFE v3.9) in person PSNR (and in person SSIM). Targets (issue 18),
each reported met or missed: the user's path +1.0 dB person PSNR and a person SSIM above every baseline; ground-truth
poses +2.0 dB; motion-model poses +0.5 dB; every row's full frame never below DIS on any clip and tOF not worse than
DIS's. Writes a Markdown report and a JSON file with every number, and (``--figure``) GT | DIS | RIFE | ours (user's
path) | ours (ground-truth poses), the person's crop at 2x, on the clip where DIS does worst.

Example:
    python bench/quality.py --rates 4 8 --figure img/render_comparison.png
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np
import torch
from tqdm import tqdm

from bench.users_path import interpolate, self_check_verdict, stage_folder, thread_env, upsampled_names
from Pose_Guided_Neural_Rendering.metrics import flow_difference, optical_flow, psnr, ssim
from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer, load_blender
from rib.atomic import write_text
from rib.checkpoint import sha256_file
from rib.errors import RIBError, cli_entry
from rib.frames import list_clips, list_frames, read_image, read_mask, write_image
from rib.machine import describe_machine
from rib.names import DAIN, GENERATED_FRAMES, GT, INPUT_POSES, INPUTS, LINEAR_MOTION, MASKS, POSES, PREDICT_MOTION, TEST
from rib.paths import CHECKPOINTS_DIR, REPO_ROOT, display_path
from rib.poses import read_pose_folder

log = logging.getLogger("bench.quality")
BACKENDS = {"blend": "BLEND", "dis": DAIN, "rife": "RIFE", "rife39": "RIFE39"}
"""Background backend -> its folder in the test split."""
BASELINES = ("dis", "rife", "rife39")
"""The motion-based backgrounds the renderer must beat (the best one present counts)."""
POSE_SOURCES = ("linear", "motion model", "ground truth")
USERS_PATH = "ours (user's path)"
"""The row of ``rib interpolate`` run as a user runs it (MediaPipe poses, motion model, DIS, renderer)."""
COMPARED_USERS_PATH = "compared renderer (user's path)"
"""The same with ``--compare-renderer`` (e.g. the shipped weights, beside a candidate's), in the same run."""
USERS_PATH_FOLDERS = {USERS_PATH: "users_path", COMPARED_USERS_PATH: "users_path_compared"}
"""Each user's-path row's work folder under WORK_DIR."""
TARGETS = {USERS_PATH: 1.0, COMPARED_USERS_PATH: None, "ours (ground truth poses)": 2.0,
           "ours (motion model poses)": 0.5, "ours (linear poses)": None}
"""Row -> the person-PSNR gain over the best baseline it must reach (issue 18; None: no target), in verdict order."""
FIGURE_COLUMNS = (("GT", "GT"), ("DIS", "dis"), ("RIFE", "rife"), ("RIFE v3.9", "rife39"),
                  ("ours (user's path)", USERS_PATH), ("ours (GT poses)", "ours (ground truth poses)"))
"""Figure column title -> its image (columns of rows that were not run are left out)."""
FIGURE_ZOOM = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=REPO_ROOT / "data",
                        help="the test split of rate R lives in DATA_ROOT/synthR/test (generated when missing)")
    parser.add_argument("--rates", type=int, nargs="+", default=[4, 8], help="upsampling rates R to measure")
    parser.add_argument("--renderer", type=Path, default=CHECKPOINTS_DIR / "render",
                        help="warp-blend renderer (model.pt or its folder)")
    parser.add_argument("--motion-checkpoint", type=Path, default=CHECKPOINTS_DIR / "motion",
                        help="motion model for the predicted poses")
    parser.add_argument("--backends", nargs="+", choices=sorted(BACKENDS), default=sorted(BACKENDS),
                        help="background interpolations to compare (rife costs ~2.5 s a frame at 768x512, rife39 "
                             "needs make setup's weights)")
    parser.add_argument("--clips", nargs="+", default=None, help="only these test clips (default: all)")
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "runs" / "quality",
                        help="scratch folder for the motion model's poses and the user's path runs (replaced)")
    parser.add_argument("--users-path", action=argparse.BooleanOptionalAction, default=True,
                        help="score the user's path row (rib interpolate on each clip's inputs with --renderer)")
    parser.add_argument("--compare-renderer", type=Path, default=None,
                        help="also run the user's path with this renderer (row \"compared renderer (user's "
                             "path)\"), e.g. the shipped one beside a candidate; default: none")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (torch and every stage script)")
    parser.add_argument("--figure", type=Path, default=None,
                        help="also write GT | DIS | RIFE (v3.8, v3.9) | ours (user's path) | ours (ground-truth "
                             "poses) here, cropped around the person at 2x, on the clip where DIS does worst")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "reports" / "quality.md",
                        help="Markdown report (a .json with every number is written beside it)")
    return parser


def run_stage(threads: int, script: str, *options: object) -> float:
    """Run a stage script; returns its wall time in seconds."""
    command = [sys.executable, str(REPO_ROOT / script), *map(str, options)]
    env = {**os.environ, **thread_env(threads)}
    log.info("$ %s", shlex.join(command[1:]))
    started = time.perf_counter()
    if subprocess.run(command, env=env, cwd=REPO_ROOT).returncode:
        raise RIBError(f"{script}: failed (see its output above)")
    return time.perf_counter() - started


def prepare(args: argparse.Namespace, rate: int, timings: dict[str, float]) -> Path:
    """The test split of ``rate`` with every chosen background folder and the motion model's poses."""
    root = args.data_root / f"synth{rate}"
    test = root / TEST
    if not (test / GT).is_dir():
        timings[f"x{rate} generate"] = run_stage(args.threads, "HumanSloMo_Dataset/gen_synthetic.py", "--out", root,
                                                 "--splits", TEST, "--rate", rate)
    for backend in args.backends:
        if not (test / BACKENDS[backend]).is_dir():
            timings[f"x{rate} {backend}"] = run_stage(
                args.threads, "HumanSloMo_Dataset/interpolate_backgrounds.py", "--layout", "test", "--rate", rate,
                "--backend", backend, "--input", test / INPUTS, "--output", test / BACKENDS[backend])
    poses = args.work_dir / f"x{rate}"
    timings[f"x{rate} motion model"] = run_stage(
        args.threads, "Human_Motion_Modelling/inference.py", "--pose-dir", test / INPUT_POSES, "--save-dir", poses,
        "--upsample-rate", rate, "--checkpoint", args.motion_checkpoint, "--overwrite")
    return test


def chosen_clips(test: Path, wanted: list[str] | None) -> list[str]:
    """The test clips to score: all of ``test/gt``, or ``wanted`` (each must be there)."""
    clips = [clip.name for clip in list_clips(test / GT)]
    unknown = sorted(set(wanted or []) - set(clips))
    if unknown:
        raise RIBError(f"{test / GT}: no clip(s) {', '.join(unknown)}")
    return wanted or clips


def run_users_path(args: argparse.Namespace, test: Path, clip: str, rate: int, timings: dict[str, float],
                   renderer: Path, folder: str = USERS_PATH_FOLDERS[USERS_PATH]) -> Path:
    """``rib interpolate`` on ``clip``'s low-fps inputs with ``renderer``, as a user runs it (work folders in
    ``work_dir/folder``); the folder of the frames it wrote."""
    work = args.work_dir / folder / f"x{rate}" / clip
    seconds = interpolate(test, clip, rate, work, renderer=renderer, threads=args.threads)
    timings[f"x{rate} {folder}"] = timings.get(f"x{rate} {folder}", 0.0) + seconds
    return stage_folder(work, GENERATED_FRAMES, clip)


def users_paths(args: argparse.Namespace, test: Path, clip: str, rate: int,
                timings: dict[str, float]) -> dict[str, Path]:
    """The user's-path rows asked for (row -> folder of the frames of its ``rib interpolate`` run)."""
    rows = {}
    if args.users_path:
        rows[USERS_PATH] = run_users_path(args, test, clip, rate, timings, args.renderer)
        if args.compare_renderer is not None:
            rows[COMPARED_USERS_PATH] = run_users_path(args, test, clip, rate, timings, args.compare_renderer,
                                                       USERS_PATH_FOLDERS[COMPARED_USERS_PATH])
    return rows


def self_check_verdicts(args: argparse.Namespace, rate: int, clips: Sequence[str]) -> dict[str, dict]:
    """Each user's-path row's self-check outcome per clip (rib_pipeline/self_check.py; None where its run wrote
    none: no person was drawn, or an older pipeline)."""
    rows = [USERS_PATH] + ([COMPARED_USERS_PATH] if args.compare_renderer is not None else [])
    verdicts = {}
    for row in rows if args.users_path else []:
        verdicts[row] = {}
        for clip in clips:
            verdicts[row][clip] = self_check_verdict(args.work_dir / USERS_PATH_FOLDERS[row] / f"x{rate}" / clip, clip)
    return verdicts


def self_check_lines(verdicts: dict[str, dict]) -> list[str]:
    """One line per user's-path row: the clips whose self-check failed (scores in dB), out of those judged."""
    lines = []
    for row, clips in verdicts.items():
        judged = {clip: verdict for clip, verdict in clips.items() if verdict and verdict["renderer_psnr"] is not None}
        failed = [f"{clip} ({verdict['renderer_psnr']:.2f} vs {verdict['background_psnr']:.2f})"
                  for clip, verdict in judged.items() if not verdict["passed"]]
        lines.append(f"- {row}: the renderer's self-check failed on {len(failed)} of {len(judged)} clips judged"
                     + (f" (renderer vs background PSNR on the held-out inputs): {', '.join(failed)}; those clips' "
                        "in-betweens are the DIS background" if failed else ""))
    return lines


@dataclass
class Scores:
    """Per-frame scores of one method on one clip."""

    psnr: list[float] = field(default_factory=list)
    psnr_person: list[float] = field(default_factory=list)
    ssim_person: list[float] = field(default_factory=list)
    alpha_person: list[float] = field(default_factory=list)
    alpha_outside: list[float] = field(default_factory=list)
    tof: float = float("nan")

    def summary(self) -> dict[str, float]:
        out = {"frames": len(self.psnr), "psnr": float(np.mean(self.psnr)),
               "psnr_person": float(np.mean(self.psnr_person)), "ssim_person": float(np.mean(self.ssim_person)),
               "tof": self.tof}
        if self.alpha_person:
            out["alpha_person"] = float(np.mean(self.alpha_person))
            out["alpha_outside"] = float(np.mean(self.alpha_outside))
        return out


def temporal_error(frames: list[np.ndarray], gt_flows: list[np.ndarray]) -> float:
    """tOF of a whole clip's frames against the ground truth's flows."""
    return float(np.mean([flow_difference(optical_flow(a, b), flow)
                          for a, b, flow in zip(frames[:-1], frames[1:], gt_flows)]))


def figure_index(count: int, rate: int) -> int:
    """The frame a clip's figure shows: t = 1/2 in its third interval (its last one in shorter clips)."""
    return min(2, (count - 1) // rate - 1) * rate + rate // 2


def score_clip(renderer: BlendRenderer | None, test: Path, poses_dir: Path, clip: str, rate: int,
               backends: list[str], figure_frames: dict[str, dict] | None = None,
               users_paths: dict[str, Path] | None = None, sources: Sequence[str] = POSE_SOURCES) -> dict[str, dict]:
    """Scores of every method on one clip (one entry per method). The frames of each backend, and of the user's-path
    rows in ``users_paths`` (row -> the folder of its rib interpolate frames), are read from their folders; the
    renderer draws the others here from each pose source in ``sources`` (none: ``renderer`` may be None). With
    ``figure_frames``, its ``figure_index`` frame is kept there under the clip's name."""
    gt_files = list_frames(test / GT / clip)
    count = (len(gt_files) - 1) // rate * rate + 1
    names = upsampled_names(test, clip, rate)
    if len(names) != count:
        raise RIBError(f"{test / INPUTS / clip}: {len(names)} upsampled frames for {count} ground-truth frames")
    gt = [read_image(path) for path in gt_files[:count]]
    masks = [read_mask(test / MASKS / clip / f"{path.stem}.png") for path in gt_files[:count]]
    pose_folders = {"ground truth": test / POSES / clip, "linear": poses_dir / LINEAR_MOTION / clip,
                    "motion model": poses_dir / PREDICT_MOTION / clip}
    pose_sets = {source: read_pose_folder(pose_folders[source]) for source in sources}
    if "ground truth" in pose_sets:  # the ground truth runs past the last keyframe
        pose_sets["ground truth"] = pose_sets["ground truth"][:count]
    for name, poses in pose_sets.items():
        if len(poses) != count:
            raise RIBError(f"{clip}: {len(poses)} {name} poses for {count} frames")
    folders = {backend: test / BACKENDS[backend] / clip for backend in backends}
    folders.update(users_paths or {})
    outputs = {method: list(gt) for method in [*folders, *(f"ours ({s} poses)" for s in sources)]}
    scores = {method: Scores() for method in outputs}
    for index in tqdm(range(count), desc=f"x{rate} {clip}", leave=False):
        if index % rate == 0:
            continue
        key, t = index - index % rate, (index % rate) / rate
        images = {method: read_image(folder / names[index]) for method, folder in folders.items()}
        for source in sources:
            poses = pose_sets[source][[key, key + rate, index]]
            frame, alpha = renderer.frame(gt[key], gt[key + rate], images["dis"], poses, t)
            images[f"ours ({source} poses)"] = frame
            scores[f"ours ({source} poses)"].alpha_person.append(float(alpha[masks[index]].mean()))
            scores[f"ours ({source} poses)"].alpha_outside.append(float(alpha[~masks[index]].mean()))
        for method, image in images.items():
            outputs[method][index] = image
            scores[method].psnr.append(psnr(image, gt[index]))
            scores[method].psnr_person.append(psnr(image, gt[index], masks[index]))
            scores[method].ssim_person.append(ssim(image, gt[index], masks[index]))
        if figure_frames is not None and index == figure_index(count, rate):
            figure_frames[clip] = {"index": index, "images": {"GT": gt[index], **images}, "mask": masks[index]}
    gt_flows = [optical_flow(a, b) for a, b in zip(gt[:-1], gt[1:])]
    for method, frames in outputs.items():
        scores[method].tof = temporal_error(frames, gt_flows)
    return {method: score.summary() for method, score in scores.items()}


def mean_rows(per_clip: dict[str, dict[str, dict]]) -> dict[str, dict]:
    """Means over every in-between frame of all clips (frame-weighted), per method."""
    methods = next(iter(per_clip.values())).keys()
    rows = {}
    for method in methods:
        entries = [clip[method] for clip in per_clip.values()]
        frames = np.array([entry["frames"] for entry in entries], float)
        rows[method] = {"frames": int(frames.sum())}
        for key in entries[0]:
            if key != "frames":
                rows[method][key] = float(np.average([entry[key] for entry in entries], weights=frames))
    return rows


def format_table(rows: dict[str, dict], label: str = "method") -> str:
    lines = [f"| {label} | frames | person PSNR | person SSIM | PSNR | tOF | alpha on person | alpha elsewhere |",
             "|---|---|---|---|---|---|---|---|"]
    for method, row in rows.items():
        alpha = (f"{row['alpha_person']:.3f} | {row['alpha_outside']:.4f}" if "alpha_person" in row else "- | -")
        lines.append(f"| {method} | {row['frames']} | {row['psnr_person']:.2f} | {row['ssim_person']:.3f} | "
                     f"{row['psnr']:.2f} | "
                     f"{row['tof']:.3f} | {alpha} |")
    return "\n".join(lines)


def weights_sha256(renderer: Path) -> str:
    """sha256 of a renderer's ``model.pt`` (given as the file or its folder)."""
    return sha256_file(Path(renderer) / "model.pt" if Path(renderer).is_dir() else renderer)


def met(ok: bool) -> str:
    return "met" if ok else "missed"


def verdict(rows: dict[str, dict], clips: dict[str, dict[str, dict]], backends: list[str]) -> list[str]:
    """The issue's targets for each of our rows present (``TARGETS``), each with its measured number: person PSNR
    over the best baseline, person SSIM above every baseline (the user's path), full frame never below DIS on any
    clip, tOF not worse than DIS. ``rows`` are the mean rows, ``clips`` the rows of each clip."""
    baselines = [b for b in BASELINES if b in backends]
    best = max(rows[b]["psnr_person"] for b in baselines)
    winner = max(baselines, key=lambda b: rows[b]["psnr_person"])
    best_ssim = max(rows[b]["ssim_person"] for b in baselines)
    lines = [f"- best baseline in person PSNR: {winner} ({best:.2f} dB; "
             + ", ".join(f"{b} {rows[b]['psnr_person']:.2f}" for b in baselines) + "); in person SSIM: "
             + ", ".join(f"{b} {rows[b]['ssim_person']:.3f}" for b in baselines)]
    for method, needed in TARGETS.items():
        if method not in rows:
            continue
        row = rows[method]
        gain, ssim_gain = row["psnr_person"] - best, row["ssim_person"] - best_ssim
        worst_clip, worst = min(((clip, methods[method]["psnr"] - methods["dis"]["psnr"])
                                 for clip, methods in clips.items()), key=lambda item: item[1])
        parts = [f"person PSNR {gain:+.2f} dB over max({', '.join(baselines)})"
                 + (f" (target +{needed:.1f}: {met(gain >= needed)})" if needed is not None else ""),
                 f"person SSIM {row['ssim_person']:.3f}, {ssim_gain:+.3f} over the best baseline's"
                 + (f" (target above every baseline: {met(ssim_gain > 0)})" if method == USERS_PATH else ""),
                 f"full frame {row['psnr'] - rows['dis']['psnr']:+.2f} dB vs DIS, worst clip {worst:+.2f} dB "
                 f"({worst_clip}; target never below DIS on any clip: {met(worst >= 0)})",
                 f"tOF {row['tof']:.3f} vs DIS {rows['dis']['tof']:.3f} (target not worse: "
                 f"{met(row['tof'] <= rows['dis']['tof'])})"]
        lines.append(f"- {method}: " + "; ".join(parts))
    return lines


def hardest_clip(clips: dict[str, dict[str, dict]]) -> str:
    """The clip where DIS does worst on the person (lowest person PSNR)."""
    return min(clips, key=lambda clip: clips[clip]["dis"]["psnr_person"])


def figure_columns(figure: dict) -> list[tuple[str, str]]:
    """The (title, image key) columns of the figure: GT, each backend that was run, ours (user's path, when run) and
    ours (ground-truth poses)."""
    return [(title, key) for title, key in FIGURE_COLUMNS if key in figure["images"]]


def write_figure(path: Path, figure: dict) -> None:
    """GT | DIS | RIFE (v3.8, v3.9) | ours (user's path) | ours (ground-truth poses), cropped around the person and
    magnified FIGURE_ZOOM times (cubic), with column titles."""
    mask = figure["mask"]
    ys, xs = np.nonzero(mask)
    height, width = mask.shape
    cx, cy = int(xs.mean()), int(ys.mean())
    side = min(max(int(1.3 * max(np.ptp(xs), np.ptp(ys))), 64), height, width)
    x0, y0 = int(np.clip(cx - side // 2, 0, width - side)), int(np.clip(cy - side // 2, 0, height - side))
    panels = []
    for title, key in figure_columns(figure):
        panel = cv2.resize(figure["images"][key][y0:y0 + side, x0:x0 + side], None, fx=FIGURE_ZOOM, fy=FIGURE_ZOOM,
                           interpolation=cv2.INTER_CUBIC)
        label = np.full((28, panel.shape[1], 3), 255, np.uint8)
        cv2.putText(label, title, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
        panels.append(np.concatenate([label, panel]))
    write_image(path, np.concatenate(panels, axis=1))


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    if "dis" not in args.backends:
        raise RIBError("--backends must include dis (the renderer draws over the DIS background)")
    if args.compare_renderer is not None and not args.users_path:
        raise RIBError("--compare-renderer compares the user's path: drop --no-users-path")
    if args.users_path and importlib.util.find_spec("mediapipe") is None:
        raise RIBError("the user's path row needs MediaPipe (pip install --no-deps mediapipe==0.10.21), or give "
                       "--no-users-path")
    torch.set_num_threads(args.threads)
    started, timings = time.perf_counter(), {}
    model, config = load_blender(args.renderer, torch.device("cpu"))
    renderer = BlendRenderer(model, config, torch.device("cpu"), refine_poses=False)  # exact keyframes
    report = {"command": shlex.join(["python", "bench/quality.py", *map(str, argv or sys.argv[1:])]),
              "machine": describe_machine(), "renderer": display_path(args.renderer),
              "renderer_sha256": weights_sha256(args.renderer), "rates": {}}
    if args.compare_renderer is not None:
        report.update(compared_renderer=display_path(args.compare_renderer),
                      compared_renderer_sha256=weights_sha256(args.compare_renderer))
    figures: dict[str, dict] = {}
    for rate in args.rates:
        test = prepare(args, rate, timings)
        per_clip = {}
        for clip in chosen_clips(test, args.clips):
            per_clip[clip] = score_clip(renderer, test, args.work_dir / f"x{rate}", clip, rate, args.backends,
                                        figures if args.figure and rate == args.rates[0] else None,
                                        users_paths(args, test, clip, rate, timings))
        report["rates"][rate] = {"mean": mean_rows(per_clip), "clips": per_clip,
                                 "self_check": self_check_verdicts(args, rate, list(per_clip))}
        log.info("x%d\n%s", rate, format_table(report["rates"][rate]["mean"]))
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["stage_seconds"] = {key: round(value, 1) for key, value in timings.items()}
    write_text(args.output.with_suffix(".json"), json.dumps(report, indent=1))  # first: the numbers are what counts
    lines = ["# In-between quality on the synthetic test split (bench/quality.py)", "",
             f"Command: `{report['command']}` ({report['seconds'] / 60:.1f} min in all)", "",
             f"- machine: {report['machine']}",
             f"- renderer: `{display_path(args.renderer)}` (sha256 {report['renderer_sha256'][:16]}...), drawing "
             f"over the DIS background; motion model: `{display_path(args.motion_checkpoint)}`",
             "- ours (user's path): `rib interpolate inputs/<clip> --rate R --input-fps 60/R --renderer RENDERER` on "
             "each clip's low-fps inputs, as a user runs it (MediaPipe poses, motion model, DIS, renderer); the other "
             "ours rows: the renderer drawing here from linear, motion-model and ground-truth poses (exact keyframes: "
             "no pose refinement)",
             *([f"- compared renderer (user's path): the same `rib interpolate` with `--renderer "
                f"{report['compared_renderer']}` (sha256 {report['compared_renderer_sha256'][:16]}...)"]
               if args.compare_renderer is not None else []),
             "- data: `gen_synthetic.py --splits test --rate R` (8 held-out DeepMimic motions, 768x512, 60-fps ground "
             "truth); person = the exact mask pixels of the ground-truth frame; in-between frames only (keyframes "
             "are copies); PSNR in dB and SSIM (mean over frames); tOF in pixels over whole clips (lower is better)",
             ""]
    for rate, result in report["rates"].items():
        lines += [f"## R = {rate}", "", format_table(result["mean"]), "",
                  *verdict(result["mean"], result["clips"], args.backends),
                  *self_check_lines(result["self_check"]), "",
                  "Per clip, person PSNR (full-frame PSNR):", "",
                  "| clip | " + " | ".join(result["mean"]) + " |", "|---|" + "---|" * len(result["mean"])]
        for clip, methods in result["clips"].items():
            lines.append(f"| {clip} | " + " | ".join(f"{row['psnr_person']:.2f} ({row['psnr']:.2f})"
                                                     for row in methods.values()) + " |")
        lines.append("")
    if args.figure and figures:
        clip = hardest_clip(report["rates"][args.rates[0]]["clips"])
        figure = figures[clip]
        write_figure(args.figure, figure)
        lines += [f"Figure `{display_path(args.figure)}`: {clip} (where DIS does worst on the person) at "
                  f"R = {args.rates[0]}, frame {figure['index']} (t = 1/2), "
                  + " | ".join(title for title, _ in figure_columns(figure)) + ", the person's crop at "
                  f"{FIGURE_ZOOM}x.", ""]
    if timings:
        lines.append("Stage wall times: " + ", ".join(f"{k} {v:.0f} s" for k, v in report["stage_seconds"].items()))
    write_text(args.output, "\n".join(lines) + "\n")
    log.info("wrote %s and %s", args.output, args.output.with_suffix(".json"))


if __name__ == "__main__":
    main()
