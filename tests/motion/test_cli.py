"""Motion CLIs on generated pose folders: inference at rates 2, 3, 8, long and gappy clips, bad input."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from Human_Motion_Modelling import evaluate, inference, visualize
from Human_Motion_Modelling.data.dataset import project_clip
from Human_Motion_Modelling.data.synthetic import walking_motion
from rib.frames import list_poses
from rib.paths import REPO_ROOT
from rib.poses import read_pose_folder, write_pose_folder


def pixel_walk(frames: int) -> np.ndarray:
    """A walking person seen at 15 fps, in pixels of a 1280x720 frame."""
    poses = project_clip(walking_motion(frames * 4)[::4], np.array([0.1, 0.0, 0.8]), 4.0, 4.0)
    poses[..., :2] = poses[..., :2] * 300 + [640, 360]
    poses[..., 2] = 0.8
    return poses


LONG = 170
"""Frames of the long clip: more keyframes than one 321-frame window holds at every tested rate (161 at x2), so
inference crossfades several windows, while x8 writes 2 x 1353 files, not 2 x 3993 (window maths on 500-frame clips
is tested without files in test_upsample.py)."""


@pytest.fixture(scope="module")
def pose_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("poses") / "input_poses"
    write_pose_folder(root / "walk", pixel_walk(12))
    write_pose_folder(root / "long", pixel_walk(LONG))
    gappy = pixel_walk(20)
    gappy[5:8] = 0.0  # nobody detected
    gappy[:, 4, 2] = 0.0  # a wrist never seen
    gappy[10, 8, 2] = 0.0  # root missing once: the hips stand in
    write_pose_folder(root / "gappy", gappy)
    return root


def run_cli(main, args, capsys) -> tuple[int, str]:
    try:
        main([str(a) for a in args])
    except SystemExit as exit_info:
        return int(exit_info.code), capsys.readouterr().err
    return 0, capsys.readouterr().err


@pytest.mark.parametrize("rate", [2, 3, 8])
def test_inference_writes_predicted_and_linear_motion(pose_dir, tmp_path, tiny_checkpoint, rate, capsys):
    code, err = run_cli(inference.main, ["--pose-dir", pose_dir, "--save-dir", tmp_path, "--upsample-rate", rate,
                                         "--checkpoint", tiny_checkpoint, "--device", "cpu"], capsys)
    assert code == 0, err
    for clip, frames in (("walk", 12), ("long", LONG), ("gappy", 20)):
        for kind in ("Predict_motion", "Linear_motion"):
            files = list_poses(tmp_path / kind / clip)
            assert len(files) == (frames - 1) * rate + 1
            assert files[0].name == "000000_keypoints.json"
    inputs = read_pose_folder(pose_dir / "walk")
    linear = read_pose_folder(tmp_path / "Linear_motion" / "walk")
    np.testing.assert_allclose(linear[::rate, :, :2], inputs[..., :2], atol=1e-3)
    predicted = read_pose_folder(tmp_path / "Predict_motion" / "gappy")
    assert (predicted[6 * rate, :17, 2] > 0).sum() >= 10  # the empty input frame is filled in
    assert (predicted[:, 4, 2] == 0).all()  # the never-seen wrist stays missing
    assert np.abs(predicted[..., :2][predicted[..., 2] > 0] - [640, 360]).max() < 600  # in frame pixels


def test_inference_refuses_existing_outputs_unless_overwrite(pose_dir, tmp_path, tiny_checkpoint, capsys):
    args = ["--pose-dir", pose_dir / "walk", "--save-dir", tmp_path, "--upsample-rate", 2,
            "--checkpoint", tiny_checkpoint]
    assert run_cli(inference.main, args, capsys)[0] == 0
    code, err = run_cli(inference.main, args, capsys)
    assert code == 2 and "--overwrite" in err and "Traceback" not in err
    assert run_cli(inference.main, [*args, "--overwrite"], capsys)[0] == 0


def test_bad_inputs_end_with_one_line_error(pose_dir, tmp_path, tiny_checkpoint, capsys):
    corrupt = tmp_path / "corrupt" / "clip"
    write_pose_folder(corrupt, pixel_walk(3))
    (corrupt / "000001_keypoints.json").write_text("{not json")
    empty = tmp_path / "empty" / "clip"
    empty.mkdir(parents=True)
    cases = [
        (["--pose-dir", corrupt.parent, "--checkpoint", tiny_checkpoint], "000001_keypoints.json: invalid JSON"),
        (["--pose-dir", empty.parent, "--checkpoint", tiny_checkpoint], "no .json files"),
        (["--pose-dir", pose_dir, "--checkpoint", tmp_path / "missing.pth"], "checkpoint not found"),
        (["--pose-dir", tmp_path / "nowhere", "--checkpoint", tiny_checkpoint], "pose folder not found"),
    ]
    for args, message in cases:
        code, err = run_cli(inference.main, [*args, "--save-dir", tmp_path / "out"], capsys)
        errors = [line[line.index("error:"):] for line in err.splitlines() if "error:" in line]
        assert code == 2 and len(errors) == 1 and message in errors[0] and "Traceback" not in err, err
    with pytest.raises(SystemExit):
        inference.main(["--pose-dir", str(pose_dir), "--save-dir", str(tmp_path), "--upsample-rate", "0"])


def test_evaluate_writes_table_csv_and_tensorboard(tiny_checkpoint, tmp_path, capsys):
    code, err = run_cli(evaluate.main, ["--checkpoint", tiny_checkpoint, "--out-dir", tmp_path, "--rate", 8], capsys)
    assert code == 0, err
    rows = (tmp_path / "metrics_rate8.csv").read_text().splitlines()
    assert rows[0].startswith("method,joint_error_px,pck@5px") and [r.split(",")[0] for r in rows[1:]] == [
        "model", "linear", "cubic"]
    assert list((tmp_path / "logs").iterdir())
    assert run_cli(evaluate.main, ["--checkpoint", tiny_checkpoint, "--out-dir", tmp_path, "--rate", 8],
                   capsys)[0] == 2
    other = tmp_path / "other.yaml"  # another data set: its data/evaluate sections replace the checkpoint's
    other.write_text(f"data: {{h5_file: {tmp_path / 'none.h5'}}}\nevaluate: {{}}\n")
    code, err = run_cli(evaluate.main, ["--checkpoint", tiny_checkpoint, "--config", other, "--out-dir",
                                        tmp_path / "other"], capsys)
    assert code == 2 and "none.h5" in err


def test_visualize_test_sequences_and_pose_folders(tiny_checkpoint, pose_dir, tmp_path, capsys):
    code, err = run_cli(visualize.main, ["--checkpoint", tiny_checkpoint, "--num", 1, "--rate", 8, "--size", 64,
                                         "--out-dir", tmp_path / "gif"], capsys)
    assert code == 0, err
    assert len(list((tmp_path / "gif").glob("*.gif"))) == 1
    code, err = run_cli(visualize.main, ["--pose-dirs", pose_dir / "walk", pose_dir / "gappy", "--format", "mp4",
                                         "--size", 64, "--out-dir", tmp_path / "mp4"], capsys)
    assert code == 0, err
    assert (tmp_path / "mp4" / "walk.mp4").stat().st_size > 0


@pytest.mark.slow
@pytest.mark.parametrize("script", ["train.py", "inference.py", "evaluate.py", "visualize.py",
                                    "AMASS/gen_amass_h5.py"])
def test_scripts_run_from_repo_root_and_from_their_folder(script):
    stage = REPO_ROOT / "Human_Motion_Modelling"
    for cwd, path in ((REPO_ROOT, stage / script), (stage, script)):
        result = subprocess.run([sys.executable, str(path), "--help"], cwd=cwd, capture_output=True, text=True,
                                timeout=120, env={**os.environ, "PYTHONPATH": ""})
        assert result.returncode == 0 and "--" in result.stdout, result.stderr[-1000:]


def test_output_json_is_openpose(pose_dir, tmp_path, tiny_checkpoint, capsys):
    run_cli(inference.main, ["--pose-dir", pose_dir / "walk", "--save-dir", tmp_path, "--upsample-rate", 2,
                             "--checkpoint", tiny_checkpoint], capsys)
    data = json.loads((tmp_path / "Predict_motion" / "walk" / "000001_keypoints.json").read_text())
    assert len(data["people"][0]["pose_keypoints_2d"]) == 75
    assert len(data["people"][0]["hand_left_keypoints_2d"]) == 63
