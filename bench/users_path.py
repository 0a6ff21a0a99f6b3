"""The user's path in the benchmarks: ``rib interpolate`` on a test split's low-fps inputs, as a user runs it.

``interpolate`` runs ``python -m rib interpolate <split>/inputs/<clip> --rate R --input-fps 60/R --keep-work W/work
-o W/out.mp4 --overwrite`` (MediaPipe poses unless ``exact_poses``, motion model, DIS, renderer); its stage folders
stay in ``W/work`` in the reference layout, named by ``upsampled_names``. Shared by bench/quality.py and
bench/multi_person.py.
"""
from __future__ import annotations

import json
from pathlib import Path

from rib.frames import background_name, list_frames
from rib.names import INPUT_POSES, INPUTS
from rib_pipeline.self_check import FOLDER as SELF_CHECK
from rib_pipeline.self_check import VERDICT
from rib_pipeline.subprocess_run import run_interpolate

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
    options = ["--poses", str(split / INPUT_POSES / clip)] if exact_poses else []
    if renderer is not None:
        options += ["--renderer", str(renderer)]
    return run_interpolate(split / INPUTS / clip, rate, GT_FPS / rate, work / WORK, work / "out.mp4", options,
                           thread_env(threads) if threads is not None else None)


def stage_folder(work: Path, stage: str, clip: str) -> Path:
    """One stage's folder of ``clip`` in a run of ``interpolate`` (e.g. ``GENERATED_FRAMES``, ``DAIN``)."""
    return work / WORK / stage / clip


def self_check_verdict(work: Path, clip: str) -> dict | None:
    """The self-check outcome of a run of ``interpolate`` (rib_pipeline/self_check.py), or None where it wrote none
    (no person was drawn)."""
    path = stage_folder(work, SELF_CHECK, clip) / VERDICT
    return json.loads(path.read_text()) if path.is_file() else None


def upsampled_names(split: Path, clip: str, rate: int) -> list[str]:
    """Output file names of every upsampled frame (the backgrounds' naming)."""
    stems = [path.stem for path in list_frames(split / INPUTS / clip)]
    return [background_name(stems[i // rate], (i % rate) / rate) for i in range((len(stems) - 1) * rate + 1)]
