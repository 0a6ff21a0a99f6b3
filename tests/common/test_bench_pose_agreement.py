"""bench/pose_agreement.py: the keyframe check's ratios on a dense split, exact poses against shifted ones."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from Pose_Guided_Neural_Rendering.warp_blend.render import load_blender
from rib.frames import background_name, list_frames, read_image, write_image
from rib.paths import CHECKPOINTS_DIR, EXAMPLE_DIR
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


@pytest.mark.slow
def test_calibration_scores_the_drawn_intervals_and_leaves_the_others_to_the_background(tmp_path: Path):
    split = tmp_path / "dense"
    shutil.copytree(EXAMPLE_DIR / "gt" / CLIP, split / "gt" / CLIP)
    shutil.copytree(EXAMPLE_DIR / "poses" / CLIP, split / "poses" / CLIP)
    frames = list_frames(split / "gt" / CLIP)
    count = (len(frames) - 1) // 4 * 4 + 1
    for index, path in enumerate(frames[:count]):  # the background: a cross-fade of the keyframes, named like DIS's
        key, step = index - index % 4, index % 4
        following = read_image(frames[min(key + 4, count - 1)])
        fade = (1 - step / 4) * read_image(frames[key]) + step / 4 * following
        name = background_name(frames[key].stem, step / 4)
        write_image(split / "DAIN_x4" / CLIP / name, fade.round().astype(np.uint8))
        write_image(split / "masks" / CLIP / f"{path.stem}.png", np.full(read_image(path).shape[:2], 255, np.uint8))
    shifted = read_pose_folder(EXAMPLE_DIR / "poses" / CLIP)
    shifted[4, :, 0] += 40.0  # the second keyframe 40 px off: its two intervals are over the threshold
    write_pose_folder(split / "poses_users_x4" / CLIP, shifted)
    output = tmp_path / "agreement.md"
    load_bench_script("pose_agreement").main(["--split", str(split), "--rates", "4", "--output", str(output),
                                              "--renderer", str(CHECKPOINTS_DIR / "render")])
    report = json.loads(json_path(output).read_text())
    assert report["threshold"] == load_blender(CHECKPOINTS_DIR / "render", torch.device("cpu"))[1].model.max_error_ratio
    assert "model.max_error_ratio of" in output.read_text(), "the limit is the weights' own"
    result = report["rates"]["4"]
    rows = {row["threshold"]: row for row in result["calibration"]}
    assert rows[1.25]["drawn"] == 4 and rows[None]["drawn"] == 6, "None: no limit"
    exact = [interval for interval in result["intervals"] if interval["frame"] >= 8]
    assert len(exact) == 4 and all(len(interval["gains"]) == 3 for interval in exact)
    assert rows[1.25]["gain"] == pytest.approx(sum(sum(interval["gains"]) for interval in exact) / 18)
    assert rows[1.25]["gain"] > 0, "with exact poses the renderer beats a cross-fade on the person"
    assert "| 4 | none | 6 |" in output.read_text() and "Highest gain: threshold " in output.read_text()


class _OneGreyLevelOff:
    """A stand-in renderer whose frame is the ground truth of the target its poses name, one grey level off."""

    def frame(self, previous, following, background, poses, t):
        return np.full_like(background, 10 * int(poses[2, 0, 0]) + 1), None


def test_interval_gains_pair_each_in_between_with_its_background_truth_and_mask(tmp_path: Path):
    rate, count = 4, 9
    poses = np.zeros((count, 19, 3))
    poses[:, 0, 0] = np.arange(count)  # each pose names its frame
    for index in range(count):
        name = f"frame{index:05d}"
        write_image(tmp_path / "gt" / "c" / f"{name}.png", np.full((8, 8, 3), 10 * index, np.uint8))
        mask = np.full((8, 8), 0 if index == 6 else 255, np.uint8)  # frame 6 shows no person
        write_image(tmp_path / "masks" / "c" / f"{name}.png", mask)
        key = index - index % rate
        write_image(tmp_path / "DAIN_x4" / "c" / background_name(f"frame{key:05d}", index % rate / rate),
                    np.full((8, 8, 3), 10 * index + 2, np.uint8))
    frames = list_frames(tmp_path / "gt" / "c")
    keyframes = {k: read_image(frames[k]) for k in (0, 4, 8)}
    intervals = load_bench_script("pose_agreement").interval_gains(
        _OneGreyLevelOff(), tmp_path, "c", frames, keyframes, poses, rate, [(0, 0.5), (4, 2.0)])
    assert [(interval["frame"], interval["ratio"]) for interval in intervals] == [(0, 0.5), (4, 2.0)]
    assert [len(interval["gains"]) for interval in intervals] == [3, 2], "frame 6 has no person pixel"
    for gain in intervals[0]["gains"] + intervals[1]["gains"]:
        assert gain == pytest.approx(20 * np.log10(2)), "1 grey level off against the background's 2"


def test_a_folder_without_frames_is_a_one_line_error(tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_bench_script("pose_agreement").main(["--split", str(tmp_path), "--output", str(tmp_path / "a.md")])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


def test_renderer_without_masks_or_backgrounds_is_a_one_line_error(tmp_path: Path, capsys):
    shutil.copytree(EXAMPLE_DIR / "gt" / CLIP, tmp_path / "gt" / CLIP)
    shutil.copytree(EXAMPLE_DIR / "poses" / CLIP, tmp_path / "poses" / CLIP)
    with pytest.raises(SystemExit) as exit_info:
        load_bench_script("pose_agreement").main(["--split", str(tmp_path), "--output", str(tmp_path / "a.md"),
                                                  "--renderer", str(CHECKPOINTS_DIR / "render")])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "masks: no such folder" in error
