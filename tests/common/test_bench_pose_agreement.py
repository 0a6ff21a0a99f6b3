"""bench/pose_agreement.py: the keyframe check's ratios on a dense split, exact poses against shifted ones."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rib.paths import EXAMPLE_DIR
from rib.poses import read_pose_folder, write_pose_folder
from rib.reports import json_path
from tests.bench_scripts import load_bench_script

CLIP = "spinkick_00_v0"


def test_exact_poses_pass_and_shifted_ones_are_counted(tmp_path: Path):
    split = tmp_path / "dense"
    shutil.copytree(EXAMPLE_DIR / "gt" / CLIP, split / "gt" / CLIP)
    shutil.copytree(EXAMPLE_DIR / "poses" / CLIP, split / "poses" / CLIP)
    shifted = read_pose_folder(EXAMPLE_DIR / "poses" / CLIP)
    shifted[4::8, :, 0] += 40.0  # every other keyframe at R = 4 40 px off
    write_pose_folder(split / "poses_users_x4" / CLIP, shifted)
    output = tmp_path / "agreement.md"
    load_bench_script("pose_agreement").main(["--split", str(split), "--rates", "4", "--output", str(output)])
    sources = json.loads(json_path(output).read_text())["rates"]["4"]["sources"]
    assert sources["exact"]["intervals"] == 6 and sources["exact"]["over"] == 0
    assert sources["user's path"]["over"] == 6, "every interval touches a shifted keyframe"
    assert "| 4 | user's path | 6 |" in output.read_text()


def test_a_folder_without_frames_is_a_one_line_error(tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_bench_script("pose_agreement").main(["--split", str(tmp_path), "--output", str(tmp_path / "a.md")])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
