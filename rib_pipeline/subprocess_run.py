"""Run ``rib interpolate`` and ``rib finetune`` as a user runs them, in a child process: what the benchmarks and
training_poses.py share."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping, Sequence

from rib.errors import RIBError


def run_interpolate(inputs: Path, rate: int, input_fps: float, keep_work: Path, output: Path,
                    options: Sequence[str] = (), env: Mapping[str, str] | None = None) -> float:
    """``python -m rib interpolate INPUTS --rate R --input-fps F --keep-work KEEP_WORK -o OUTPUT --overwrite
    [options]``; ``keep_work`` is replaced (it must be new or empty). Its wall time; a failure is a RIBError naming
    ``inputs`` with the end of its stderr."""
    shutil.rmtree(keep_work, ignore_errors=True)
    return run_rib("interpolate", inputs, ["--rate", str(rate), "--input-fps", str(input_fps), "--keep-work",
                                           str(keep_work), "-o", str(output), "--overwrite", *options], env)


def run_finetune(inputs: Path, input_fps: float, model_dir: Path, options: Sequence[str] = (),
                 env: Mapping[str, str] | None = None) -> float:
    """``python -m rib finetune INPUTS --input-fps F -o MODEL_DIR --overwrite [options]``: its wall time; a failure
    is a RIBError naming ``inputs`` with the end of its stderr."""
    return run_rib("finetune", inputs, ["--input-fps", str(input_fps), "-o", str(model_dir), "--overwrite", *options],
                   env)


def run_rib(command: str, inputs: Path, options: Sequence[str], env: Mapping[str, str] | None) -> float:
    """``python -m rib COMMAND INPUTS [options]`` in a child process with ``env`` added: its wall time."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "rib", command, str(inputs), *options], capture_output=True,
                            text=True, env={**os.environ, **(env or {})})
    if result.returncode != 0:
        raise RIBError(f"{inputs}: rib {command} failed: {result.stderr.strip()[-500:]}")
    return time.perf_counter() - started
