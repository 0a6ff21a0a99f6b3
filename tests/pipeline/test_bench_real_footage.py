"""bench/real_footage.py: the person region, the frames scored, a tiny end-to-end run and a missing video."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rib.frames import list_frames, read_image, write_image
from rib.paths import EXAMPLE_DIR
from rib.video import write_video
from tests.bench_scripts import load_bench_script


@pytest.fixture(scope="module")
def bench():
    return load_bench_script("real_footage")


def square_pose(visible: int) -> np.ndarray:
    """A J19 pose: neck (20, 20) and mid-hip (20, 40) (torso 20 px), shoulders at x = 10 and 30; ``visible``
    joints of those four are seen."""
    pose = np.zeros((19, 3))
    for joint, (x, y) in zip((1, 8, 2, 5), ((20, 20), (20, 40), (10, 20), (30, 20))):
        pose[joint] = (x, y, 0.9)
    pose[[1, 8, 2, 5][visible:], 2] = 0
    return pose


def test_person_region_is_the_hull_grown_by_a_share_of_the_torso(bench):
    mask = bench.person_region(square_pose(4), 64, 64)
    margin = round(bench.MARGIN * 20)  # 4 px
    assert mask[30, 20] and mask[20, 10 - margin] and mask[40 + margin, 20]
    assert not mask[20, 10 - margin - 1] and not mask[40 + margin + 1, 20] and not mask[50, 50]
    assert bench.person_region(square_pose(3), 64, 64) is None  # the renderer needs 4 joints
    assert bench.person_region(square_pose(4) + [200, 0, 0], 64, 64) is None  # all outside the frame


def test_in_betweens_of_a_cut_interval_are_left_out(bench):
    assert bench.scored_indices(9, 4, []) == ([1, 2, 3, 5, 6, 7], 0)
    assert bench.scored_indices(9, 4, [5]) == ([1, 2, 3], 3)  # a cut between frames 5 and 6
    assert bench.scored_indices(13, 4, [3, 8]) == ([5, 6, 7], 6)


def test_training_sample_needs_three_consecutive_people(bench):
    person, nobody = square_pose(4), np.zeros((19, 3))
    assert bench.has_training_sample(np.stack([person, person, person]))
    assert not bench.has_training_sample(np.stack([person, nobody, person, person]))


def test_scores_per_method(bench, tmp_path: Path):
    truth, half = np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8, 3), np.uint8)
    half[:, :4] = 255
    paths = {}
    for name, image in (("truth", truth), ("half", half)):
        paths[name] = tmp_path / f"{name}.png"
        write_image(paths[name], image)
    left = np.zeros((8, 8), bool)
    left[:, :4] = True
    scores = bench.score_frames({"same": [paths["truth"]] * 3, "half": [paths["half"]] * 3}, [paths["truth"]] * 3,
                                [None, None, left], [1, 2])
    assert scores["same"].summary()["psnr"] == float("inf")
    half_scores = scores["half"].summary()
    assert half_scores["frames"] == 2 and half_scores["person_frames"] == 1  # frame 1 has no pose
    assert half_scores["psnr"] == pytest.approx(10 * np.log10(2))
    assert half_scores["psnr_person"] == pytest.approx(0.0) and half_scores["alpha_person"] is None


@pytest.mark.slow  # the whole pipeline three times over (~13 s): end to end, run by make test
def test_tiny_video_end_to_end(bench, tmp_path: Path):
    pytest.importorskip("mediapipe")
    # frames 8-16 of the example's 60-fps ground truth: MediaPipe sees the person in inputs 8, 12 and 16, so
    # rib finetune has a training sample
    frames = [read_image(path) for path in list_frames(EXAMPLE_DIR / "gt" / "spinkick_00_v0")[8:17]]
    video = tmp_path / "tiny.mp4"
    write_video(video, frames, 60)
    report = tmp_path / "report.md"
    bench.main(["--videos", str(video), "--rates", "4", "--finetune-steps", "2", "--threads", "1", "--work-dir",
                str(tmp_path / "work"), "--output", str(report)])
    result = json.loads(report.with_suffix(".json").read_text())["videos"]["tiny"]["rates"]["4"]
    assert result["frames"] == 9 and result["inputs"] == 3 and result["inbetweens"] == 6
    assert list(result["methods"]) == ["DIS", "generic", "fine-tuned"]
    for row in result["methods"].values():
        assert row["frames"] == 6 and 10 < row["psnr"] < 60
    assert result["inputs_with_person"] == 3 and result["finetune_seconds"] > 0
    assert result["methods"]["fine-tuned"]["alpha_frames"] > 0 and result["methods"]["DIS"]["alpha_person"] is None
    assert "too few to judge" in result["self_check"]["generic"]  # one input frame has both neighbours
    text = report.read_text()
    assert "| tiny | 4 | fine-tuned |" in text and "--videos" in text and "machine:" in text


def test_missing_video_is_one_line(bench, tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--videos", str(tmp_path / "nothing.mp4"), "--work-dir", str(tmp_path / "work"),
                    "--output", str(tmp_path / "report.md")])
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"error: {tmp_path / 'nothing.mp4'}: video not found"]
    assert sorted(path.name for path in tmp_path.iterdir()) == []
