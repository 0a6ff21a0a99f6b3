"""Speed of ``rib interpolate``: seconds per output frame of each stage and end to end, DIS-only and RIFE-only
(v3.8 and v3.9) background interpolation timed in the same run, and peak memory of the whole command at 1920x1080
and 3840x2160.

The input is the shipped example (7 frames of a person at 15 fps) resized to each size. ``rib interpolate`` runs as
a user runs it, pose estimation (MediaPipe) included; ``--given-poses`` passes the example's exact poses scaled to
match instead (``--poses``: pose estimation not timed). Issue 18's target, checked at 768x512: end to end at most
0.5x a RIFE-only run's time per output frame, against each RIFE timed here. Writes a Markdown report and a JSON
file with the same numbers beside it.
Example (the full run; minutes on a 2-core CPU):
    python bench/speed.py --output bench/reports/speed.md
Tiny check that it works:
    python bench/speed.py --sizes 192x128 --memory-sizes 240x160 --frames 3 --rate 2 --output /tmp/speed.md
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from HumanSloMo_Dataset import backgrounds  # noqa: E402
from rib.cli import parse_size, positive_int, upsample_rate  # noqa: E402
from rib.errors import cli_entry  # noqa: E402
from rib.frames import FRAME_SIZE, list_clips, list_frames, read_image, write_image  # noqa: E402
from rib.machine import describe_machine  # noqa: E402
from rib.names import INPUT_POSES, INPUTS  # noqa: E402
from rib.paths import EXAMPLE_DIR  # noqa: E402
from rib.poses import read_pose_folder, write_pose_folder  # noqa: E402
from rib.reports import command_line, write_report  # noqa: E402
from rib_pipeline import interpolate  # noqa: E402
from rib_pipeline.cli import build_parser as pipeline_parser  # noqa: E402


def make_input(root: Path, size: tuple[int, int], frames: int) -> tuple[Path, Path]:
    """The example's first ``frames`` frames resized to ``size`` and their poses scaled alike: (frames, poses)."""
    (clip,) = list_clips(EXAMPLE_DIR / INPUTS)
    files = list_frames(clip)[:frames]
    first = read_image(files[0])
    scale = np.array([size[0] / first.shape[1], size[1] / first.shape[0]])
    frame_dir, pose_dir = root / f"in_{size[0]}x{size[1]}", root / f"poses_{size[0]}x{size[1]}"
    for path in files:
        write_image(frame_dir / f"{path.stem}.png", cv2.resize(read_image(path), size, interpolation=cv2.INTER_AREA))
    poses = read_pose_folder(EXAMPLE_DIR / INPUT_POSES / clip.name)[:frames]
    poses[..., :2] *= scale
    write_pose_folder(pose_dir, poses)
    return frame_dir, pose_dir


RIFES = ("rife", "rife39")
"""The RIFE background interpolators timed alone (v3.8, v3.9)."""
TARGET_SHARE_OF_RIFE = 0.5
"""Issue 18: ``rib interpolate`` end to end at most this share of a RIFE-only run's time per output frame."""


def command(frame_dir: Path, pose_dir: Path, out: Path, args: argparse.Namespace) -> list[str]:
    """The ``rib interpolate`` arguments of one timed run (DIS backgrounds, CPU; the given poses with
    ``--given-poses``, else estimated)."""
    poses = ["--poses", str(pose_dir)] if args.given_poses else []
    check = ["--no-self-check"] if args.no_self_check else []
    return ["interpolate", str(frame_dir), "--input-fps", "15", *poses, *check, "-o", str(out),
            "--rate", str(args.rate), "--renderer", str(args.renderer), "--device", "cpu"]


OUTSIDE_STAGES = "other"
"""The run's time outside its timed stages: the checks (building the background interpolator), the work folder, the
frames copied where nothing is rendered."""


def time_pipeline(frame_dir: Path, pose_dir: Path, out: Path, args: argparse.Namespace
                  ) -> tuple[dict[str, float], int, dict[str, int]]:
    """Seconds of each stage of one in-process run (the time outside them as :data:`OUTSIDE_STAGES`, so they sum to
    the whole run's), the number of upsampled frames and how many were made each way (drawn by the renderer, left
    to the background, ...)."""
    start = time.perf_counter()
    summary = interpolate.run(pipeline_parser().parse_args(command(frame_dir, pose_dir, out, args)))
    whole = time.perf_counter() - start
    seconds = {OUTSIDE_STAGES: whole - sum(summary.seconds.values()), **summary.seconds}
    return seconds, (summary.num_inputs - 1) * args.rate + 1, dict(summary.kinds)


def time_backend(name: str, frame_dir: Path, rate: int) -> float | None:
    """Seconds per in-between frame of one background interpolator alone (None when it is not installed)."""
    try:
        interpolator = backgrounds.build(name, device="cpu")
    except Exception:  # noqa: BLE001 - any reason RIFE cannot run (no wheel, no weights) means: not measured
        if name not in RIFES:
            raise
        return None
    images = [read_image(path) for path in list_frames(frame_dir)]
    times = [k / rate for k in range(1, rate)]
    start = time.perf_counter()
    for before, after in zip(images, images[1:]):
        interpolator.interpolate(before, after, times)
    return (time.perf_counter() - start) / ((len(images) - 1) * len(times))


MEASURE_CHILD = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
                 "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
"""Runs a command as its own child and prints that child's peak resident memory (KB), so each size is measured
alone."""


def peak_memory_mb(frame_dir: Path, pose_dir: Path, out: Path, args: argparse.Namespace) -> float:
    """Peak resident memory (MB) of one ``python -m rib interpolate`` run."""
    result = subprocess.run([sys.executable, "-c", MEASURE_CHILD, sys.executable, "-m", "rib",
                             *command(frame_dir, pose_dir, out, args)], check=True, capture_output=True, text=True)
    return int(result.stdout.split()[-1]) / 1024


def time_size(size: tuple[int, int], root: Path, args: argparse.Namespace) -> dict:
    """Timings of one size: seconds per output frame of each stage and end to end, and seconds per in-between of
    DIS alone and RIFE alone (None: not installed)."""
    frame_dir, pose_dir = make_input(root, size, args.frames)
    seconds, frames, kinds = time_pipeline(frame_dir, pose_dir, root / f"out_{size[0]}.mp4", args)
    alone = {name: time_backend(name, frame_dir, args.rate) for name in ("dis", *RIFES)}
    in_betweens = (args.frames - 1) * (args.rate - 1)
    return {"size": f"{size[0]}x{size[1]}", "kinds": kinds,
            "stages": {stage: s / frames for stage, s in seconds.items()},
            "end_to_end": sum(seconds.values()) / frames, "alone": alone,
            "alone_per_output_frame": {name: None if value is None else value * in_betweens / frames
                                       for name, value in alone.items()}}


def size_rows(timing: dict) -> list[str]:
    """Markdown rows of one size's timings: each stage, end to end, DIS alone and RIFE alone."""
    label = timing["size"]
    rows = [f"| {label} | {stage} | {s:.3f} |" for stage, s in timing["stages"].items()]
    rows.append(f"| {label} | **end to end** | **{timing['end_to_end']:.3f}** |")
    rows += [f"| {label} | {name.upper()} alone (per in-between) | "
             f"{'not installed' if value is None else f'{value:.3f}'} |" for name, value in timing["alone"].items()]
    for name in RIFES:
        value = timing["alone_per_output_frame"].get(name)
        if value is not None:
            share = timing["end_to_end"] / value
            verdict = "met" if share <= TARGET_SHARE_OF_RIFE else "missed"
            rows.append(f"| {label} | end to end / {name.upper()}-only run, per output frame ({value:.3f} s) | "
                        f"{share:.2f}x (target {TARGET_SHARE_OF_RIFE}x: {verdict}) |")
    return rows


def markdown(report: dict) -> str:
    """The Markdown report of the numbers in ``report`` (the JSON written beside it)."""
    return "\n".join([
        "# rib interpolate: speed", "",
        f"`{report['command']}`", "",
        f"Machine: {report['machine']}", "",
        f"Input: the example's {report['frames']} frames at 15 fps, "
        + ("with exact poses (pose estimation not timed)" if report["given_poses"] else
           "poses estimated by `rib interpolate` (MediaPipe, as a user runs it)")
        + f", x{report['rate']}; seconds per output (upsampled) frame. A RIFE-only run's time per output frame is "
        "its time per in-between times the in-betweens, over the output frames.", "",
        "Upsampled frames by how the timed run made them: " + "; ".join(
            f"{timing['size']}: " + ", ".join(f"{count} {kind}" for kind, count in timing["kinds"].items())
            for timing in report["sizes"]) + ("" if report["self_check"] else " (the self-check off: every "
                                              "in-between with a person is drawn)") + ".", "",
        "| size | stage | s / output frame |", "|---|---|---|",
        *[row for timing in report["sizes"] for row in size_rows(timing)], "",
        "Peak memory of `python -m rib interpolate`: " + ", ".join(
            f"{size}: {mb:.0f} MB" for size, mb in report["peak_memory_mb"].items()) + ".", ""])


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=parse_size, nargs="+", default=[FRAME_SIZE, (1280, 720)],
                        help="sizes (WxH) whose stages are timed (default: %dx%d 1280x720)" % FRAME_SIZE)
    parser.add_argument("--memory-sizes", type=parse_size, nargs="+", default=[(1920, 1080), (3840, 2160)],
                        help="sizes whose peak memory is measured, each in a fresh process (default: 1920x1080 "
                             "3840x2160)")
    parser.add_argument("--frames", type=positive_int, default=7, help="input frames (default: 7, all the example has)")
    parser.add_argument("--rate", type=upsample_rate, default=4, help="upsampling rate (default: 4)")
    parser.add_argument("--given-poses", action="store_true",
                        help="pass the example's exact poses (--poses) instead of estimating them (default: "
                             "estimated, as a user runs it)")
    parser.add_argument("--no-self-check", action="store_true",
                        help="pass --no-self-check, so the renderer draws every in-between with a person and its "
                             "time is measured (default: the self-check on, as a user runs it; where it fails, "
                             "nothing is drawn)")
    parser.add_argument("--renderer", type=Path, default=interpolate.DEFAULT_RENDERER,
                        help="renderer folder (default: the shipped one)")
    parser.add_argument("--output", type=Path, default=Path("bench/reports/speed.md"),
                        help="Markdown report to write; the JSON with the same numbers goes beside it (default: "
                             "bench/reports/speed.md)")
    return parser


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    report = {"command": command_line(__file__, argv), "frames": args.frames, "rate": args.rate,
              "given_poses": args.given_poses, "self_check": not args.no_self_check}
    with tempfile.TemporaryDirectory(prefix="rib-speed-") as tmp:
        root = Path(tmp)
        report["sizes"] = [time_size(size, root, args) for size in args.sizes]
        report["peak_memory_mb"] = {}
        for width, height in args.memory_sizes:
            frame_dir, pose_dir = make_input(root / f"memory_{width}", (width, height), args.frames)
            report["peak_memory_mb"][f"{width}x{height}"] = peak_memory_mb(frame_dir, pose_dir,
                                                                           root / f"memory_{width}.mp4", args)
    report["machine"] = describe_machine()
    print(write_report(args.output, report, markdown))


if __name__ == "__main__":
    main()
