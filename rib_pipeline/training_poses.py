"""Train the renderer on the poses a user's run gives: ``rib interpolate`` over every clip of a dense training set.

For each clip of ``ROOT/gt`` and rate R, the inputs are every R-th ground-truth frame (``ROOT/inputs_xR/<clip>``,
links made here). ``rib interpolate --keep-work`` finds the person with MediaPipe, upsamples the keyframe poses with
the motion model and interpolates the background with DIS, exactly as for a user's video. Its folders are then kept
in the dense layout the renderer trains on (``configs/warp_blend_people.yaml``):

- ``ROOT/poses_users_xR/<clip>``: one pose file per ground-truth frame (the run's poses; past the last whole
  interval, which no training sample uses, the exact ones);
- ``ROOT/DAIN_xR/<clip>``: the run's DIS backgrounds.

Example:
    python -m rib_pipeline.training_poses data/train_human/train_dense --rates 4 8
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

from tqdm import tqdm

from rib.errors import RIBError, cli_entry
from rib.frames import list_clips, list_frames
from rib.names import DAIN, GT, POSES, PREDICT_MOTION
from rib_pipeline.subprocess_run import run_interpolate

GT_FPS = 60.0
"""Frame rate of the synthetic ground truth."""


def users_poses_folder(rate: int) -> str:
    """Name of the pose folder written for rate R."""
    return f"poses_users_x{rate}"


def link_inputs(gt: list[Path], folder: Path, rate: int) -> None:
    """``folder`` holds links to every ``rate``-th ground-truth frame (made again from scratch)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in gt[::rate]:
        os.symlink(path.resolve(), folder / path.name)


def interpolate(inputs: Path, rate: int, work: Path, renderer: Path | None) -> None:
    """``rib interpolate`` on a frame folder, its stage folders kept in ``work``."""
    options = ["--people", "main"] + (["--renderer", str(renderer)] if renderer is not None else [])
    run_interpolate(inputs, rate, GT_FPS / rate, work, work.parent / "out.mp4", options)


def replace_folder(source: Path, destination: Path) -> None:
    """Move ``source`` to ``destination``, replacing what was there."""
    shutil.rmtree(destination, ignore_errors=True)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(destination))


def keep_run(root: Path, clip: str, rate: int, work: Path) -> None:
    """The run's poses (one per gt frame, exact ones after the last whole interval) and backgrounds into ``root``."""
    gt_count = len(list_frames(root / GT / clip))
    made = sorted((work / PREDICT_MOTION / clip).glob("*_keypoints.json"))
    exact = sorted((root / POSES / clip).glob("*_keypoints.json"))
    if len(exact) != gt_count or len(made) > gt_count or not made:
        raise RIBError(f"{work / PREDICT_MOTION / clip}: {len(made)} poses for {gt_count} frames "
                       f"({len(exact)} exact pose files)")
    poses = work / "poses_users"
    poses.mkdir()
    for index in range(gt_count):
        shutil.copyfile(made[index] if index < len(made) else exact[index], poses / exact[index].name)
    replace_folder(poses, root / users_poses_folder(rate) / clip)
    replace_folder(work / DAIN / clip, root / f"{DAIN}_x{rate}" / clip)


def prepare(root: Path, rates: Sequence[int], renderer: Path | None = None) -> None:
    """Every clip of ``root`` at every rate (see the module docstring)."""
    clips = [clip.name for clip in list_clips(root / GT)]
    for rate in rates:
        for clip in tqdm(clips, desc=f"user's-path poses x{rate}", unit="clip"):
            gt = list_frames(root / GT / clip)
            inputs = root / f"inputs_x{rate}" / clip
            link_inputs(gt, inputs, rate)
            with tempfile.TemporaryDirectory(dir=root) as scratch:
                work = Path(scratch) / "work"
                interpolate(inputs, rate, work, renderer)
                keep_run(root, clip, rate, work)


@cli_entry
def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path, help="a dense training set (gen_synthetic.py --dense-train: ROOT/gt, "
                                                "ROOT/poses)")
    parser.add_argument("--rates", type=int, nargs="+", default=[4, 8], help="upsampling rates R (default: 4 8)")
    parser.add_argument("--renderer", type=Path, default=None,
                        help="renderer rib interpolate draws with (its frames are not kept; default: the shipped one)")
    args = parser.parse_args(argv)
    if min(args.rates) < 2:
        raise RIBError(f"--rates: every rate must be at least 2, got {' '.join(map(str, args.rates))}")
    if not (args.root / GT).is_dir():
        raise RIBError(f"{args.root}: no {GT}/ folder (not a dense training set)")
    prepare(args.root, args.rates, args.renderer)


if __name__ == "__main__":
    main()
