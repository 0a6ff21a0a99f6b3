"""Issue 12: example/demo.sh checks every argument before a stage writes, and takes a folder relative to the caller."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from rib.paths import REPO_ROOT

DEMO = REPO_ROOT / "example" / "demo.sh"


def run_demo(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run demo.sh with ``echo`` as the Python interpreter: each stage prints its command instead of running."""
    env = {**os.environ, "PY": "echo"}
    return subprocess.run(["bash", str(DEMO), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=30)


def make_folder(root: Path) -> Path:
    """An (empty) folder in the demo's layout."""
    for part in ("inputs", "input_poses"):
        (root / part).mkdir(parents=True)
    return root


def test_relative_folder_is_resolved_before_changing_directory(tmp_path):
    make_folder(tmp_path / "d1")
    result = run_demo(tmp_path, "d1", "2")
    assert result.returncode == 0, result.stderr
    assert f"--pose-dir {tmp_path / 'd1' / 'input_poses'} --save-dir {tmp_path / 'd1'}" in result.stdout
    assert f"--input {tmp_path / 'd1' / 'inputs'}" in result.stdout


@pytest.mark.parametrize("folder, rate, message", [
    ("d1", "1", "RATE '1': the upsampling rate must be an integer of at least 2"),
    ("d1", "0", "RATE '0': the upsampling rate must be an integer of at least 2"),
    ("d1", "x4", "RATE 'x4': the upsampling rate must be an integer of at least 2"),
    ("d1", "-3", "RATE '-3': the upsampling rate must be an integer of at least 2"),
    ("missing", "2", "missing: folder not found"),
    ("empty", "2", "empty/inputs: folder not found"),
])
def test_bad_arguments_stop_before_any_stage(tmp_path, folder, rate, message):
    make_folder(tmp_path / "d1")
    (tmp_path / "empty").mkdir()
    result = run_demo(tmp_path, folder, rate)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and message in result.stderr and len(result.stderr.splitlines()) == 1
