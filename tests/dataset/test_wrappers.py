"""The .sh wrappers keep the reference's positional usage and chain the Python tools."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rib.frames import list_frames
from rib.h5data import HumanSlomoH5
from rib.paths import REPO_ROOT
from rib.poses import write_pose_folder

STAGE = REPO_ROOT / "HumanSloMo_Dataset"


def run(script: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHON": sys.executable, **(env or {})}
    return subprocess.run(["bash", str(STAGE / script), *args], capture_output=True, text=True, env=environment,
                          timeout=300)


def clip(frames: list[int]) -> dict:
    return {"video_name": "vid", "video_frames": [f"frame{i:05d}.png" for i in frames], "num_frames": len(frames)}


def test_usage_messages():
    for script in ("download.sh", "gen_dataset.sh", "interpolate_backgrounds.sh", "gen_h5.sh"):
        result = run(script)
        assert result.returncode == 2 and result.stderr.startswith("usage:")


@pytest.mark.slow  # several full runs (3 s): run by make test
def test_gen_dataset_interpolate_and_pack(tmp_path: Path, numbered_video):
    numbered_video("vid", count=30, folder=tmp_path / "videos")
    meta = tmp_path / "meta"
    meta.mkdir()
    lists = {"train_list.json": {"vid_1": clip([0, 2, 4, 6])}, "test_list.json": {"test_001": clip([7, 8, 9])},
             "test_input.json": {"test_001": clip([7, 9])}}
    for name, data in lists.items():
        (meta / name).write_text(json.dumps(data))
    dataset = tmp_path / "HumanSloMo"
    result = run("gen_dataset.sh", str(tmp_path / "videos"), str(dataset), env={"METADATA": str(meta)})
    assert result.returncode == 0, result.stderr
    assert "0 of 1 test clips have in-between GT frames" in (dataset / "leakage.md").read_text()
    assert json.loads((dataset / "train_list_clean.json").read_text()) == lists["train_list.json"]
    assert len(list_frames(dataset / "train" / "frames" / "vid_1")) == 4
    result = run("interpolate_backgrounds.sh", str(dataset), "2", "blend")
    assert result.returncode == 0, result.stderr
    assert len(list_frames(dataset / "test" / "DAIN" / "test_001")) == 3
    for split, name, count in (("train", "vid_1", 4), ("test", "test_001", 3)):
        write_pose_folder(dataset / split / "poses" / name, np.zeros((count, 19, 3)))
    result = run("gen_h5.sh", str(dataset), str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert HumanSlomoH5(tmp_path / "HumanSlomo.h5").clips == {"vid_1": "train", "test_001": "test"}
