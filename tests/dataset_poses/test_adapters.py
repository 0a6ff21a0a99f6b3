"""The third_party adapters run a tool once per clip; their outputs convert to per-frame BODY_25 files.

The tools are stand-ins (small scripts with the real command line and output layout): AlphaPose and OpenPose need
GPUs and weights that tests cannot have.
"""
from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path

import pytest

from HumanSloMo_Dataset.poses.estimate import estimate_poses
from rib.frames import list_poses
from rib.openpose import read_people
from rib.paths import REPO_ROOT


def _load(relative: str):
    spec = importlib.util.spec_from_file_location(Path(relative).stem, REPO_ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_tool(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return path


def test_alphapose_adapter_runs_each_clip_and_converts(kit, frame_folder, tmp_path) -> None:
    frame_folder("a", 2)
    frames = frame_folder("b", 3).parent
    person = json.dumps(kit.keypoints(kit.LAYOUT_NAMES[136]))
    tool = tmp_path / "AlphaPose"
    _fake_tool(tool / "scripts" / "demo_inference.py", f"""
        import argparse, json, os
        parser = argparse.ArgumentParser()
        for flag in ("--cfg", "--checkpoint", "--indir", "--outdir", "--min_box_area", "--format"):
            parser.add_argument(flag)
        parser.add_argument("--pose_track", action="store_true")
        parser.add_argument("--sp", action="store_true")
        args = parser.parse_args()
        assert os.path.isfile(args.cfg) and args.format is None
        os.makedirs(args.outdir)
        results = [{{"image_id": name, "category_id": 1, "keypoints": {person}, "score": 3.0, "idx": 1}}
                   for name in sorted(os.listdir(args.indir))]
        with open(os.path.join(args.outdir, "alphapose-results.json"), "w") as handle:
            json.dump(results, handle)
    """)
    cfg = tool / "configs" / "halpe_136" / "resnet" / "256x192_res50_lr1e-3_2x-regression.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("MODEL: {}\n")
    adapter = _load("third_party/AlphaPose/gen_run_alphapose.py")
    adapter.main(["--tool-dir", str(tool), "-i", str(frames), "-o", str(tmp_path / "out"), "-t",
                  str(tmp_path / "run.sh"), "--python", sys.executable, "--run"])
    assert (tmp_path / "run.sh").read_text().count("scripts/demo_inference.py") == 2

    summary = estimate_poses(frames, tmp_path / "poses", "alphapose", tmp_path / "out")
    assert (summary.written, summary.empty, summary.failures) == (5, 0, [])
    person = read_people(list_poses(tmp_path / "poses" / "b")[2])[0]
    assert (person.body[:15, 2] > 0).all() and (person.left_hand[:, 2] > 0).all()


def test_openpose_adapter_reports_a_failing_clip_and_runs_the_rest(kit, frame_folder, tmp_path, capsys) -> None:
    frame_folder("bad", 1)
    frames = frame_folder("good", 2).parent
    people = json.dumps({"version": 1.3, "people": [{"pose_keypoints_2d": kit.keypoints(kit.BODY25)}]})
    binary = _fake_tool(tmp_path / "openpose" / "openpose.bin", f"""
        import os, sys
        args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
        if args["--image_dir"].endswith("bad"):
            sys.exit(3)
        os.makedirs(args["--write_json"])
        for name in os.listdir(args["--image_dir"]):
            with open(os.path.join(args["--write_json"], name.rsplit(".", 1)[0] + "_keypoints.json"), "w") as f:
                f.write({people!r})
    """)
    adapter = _load("third_party/OpenPose/gen_run_openpose.py")
    with pytest.raises(SystemExit):
        adapter.main(["--tool-dir", str(binary.parent), "--binary", str(binary), "-i", str(frames), "-o",
                      str(tmp_path / "out"), "-t", str(tmp_path / "run.sh"), "--no-hands", "--run"])
    assert "1 of 2 clip(s) failed" in capsys.readouterr().err
    summary = estimate_poses(frames / "good", tmp_path / "poses", "openpose", tmp_path / "out" / "good")
    assert (summary.written, summary.failures) == (2, [])
