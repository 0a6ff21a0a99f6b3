"""The user's path in the benchmarks: ``rib interpolate`` on a test split's low-fps inputs, as a user runs it.

``interpolate`` runs ``python -m rib interpolate <split>/inputs/<clip> --rate R --input-fps 60/R --keep-work W/work
-o W/out.mp4 --overwrite`` (MediaPipe poses unless ``exact_poses``, motion model, DIS, renderer); its stage folders
stay in ``W/work`` in the reference layout, named by ``upsampled_names``. Shared by bench/quality.py and
bench/multi_person.py.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rib.errors import RIBError
from rib.frames import background_name, list_frames
from rib.names import INPUT_POSES, INPUTS

GT_FPS = 60
"""Frame rate of the synthetic splits' ground truth: a split of rate R has inputs at 60/R fps."""
WORK = "work"
"""The run's ``--keep-work`` folder inside its work folder."""


def thread_env(threads: int) -> dict[str, str]:
    """The environment variables that hold a child process (torch, OpenCV, NumPy) to ``threads`` CPU threads."""
    return {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}


def interpolate(split: Path, clip: str, rate: int, work: Path, exact_poses: bool = False,
                renderer: Path | None = None, threads: int | None = None) -> float:
    """``rib interpolate`` on one clip's inputs: ``work/out.mp4``, its stage folders kept in ``work/work`` (replaced);
    its wall time. ``exact_poses`` gives it the split's keyframe poses instead of MediaPipe's, ``renderer`` its
    ``--renderer`` (default: the shipped one), ``threads`` its CPU threads (default: the environment's)."""
    command = [sys.executable, "-m", "rib", "interpolate", str(split / INPUTS / clip), "--rate", str(rate),
               "--input-fps", str(GT_FPS / rate), "--keep-work", str(work / WORK), "-o", str(work / "out.mp4"),
               "--overwrite"]
    if exact_poses:
        command += ["--poses", str(split / INPUT_POSES / clip)]
    if renderer is not None:
        command += ["--renderer", str(renderer)]
    env = {**os.environ, **(thread_env(threads) if threads is not None else {})}
    shutil.rmtree(work / WORK, ignore_errors=True)  # --keep-work must be new or empty: a rerun replaces it
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RIBError(f"{split / INPUTS / clip}: rib interpolate failed: {result.stderr.strip()[-500:]}")
    return time.perf_counter() - started


def stage_folder(work: Path, stage: str, clip: str) -> Path:
    """One stage's folder of ``clip`` in a run of ``interpolate`` (e.g. ``GENERATED_FRAMES``, ``DAIN``)."""
    return work / WORK / stage / clip


def upsampled_names(split: Path, clip: str, rate: int) -> list[str]:
    """Output file names of every upsampled frame (the backgrounds' naming)."""
    stems = [path.stem for path in list_frames(split / INPUTS / clip)]
    return [background_name(stems[i // rate], (i % rate) / rate) for i in range((len(stems) - 1) * rate + 1)]
