"""Issue 12, data loss: no CLI writes where its output equals, contains or lies inside one of its inputs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from HumanSloMo_Dataset import download, estimate_poses, gen_dataset, gen_h5, interpolate_backgrounds
from Human_Motion_Modelling import inference, train, visualize
from Human_Motion_Modelling.AMASS import gen_amass_h5, gen_deepmimic_h5
from rib import deepmimic
from rib.errors import RIBError
from rib.safety import overlaps, refuse_overlap

REFUSAL = "the output must not be, contain or lie inside the input"


@pytest.mark.parametrize("output, refused", [
    ("in", True), ("in/sub", True), (".", True), ("in/../in", True), ("out", False), ("input", False),
])
def test_refuse_overlap_table(tmp_path, output, refused):
    (tmp_path / "in").mkdir()
    if refused:
        with pytest.raises(RIBError, match=REFUSAL):
            refuse_overlap([None, tmp_path / "in"], tmp_path / output)
    else:
        refuse_overlap([None, tmp_path / "in"], tmp_path / output)
    assert overlaps(tmp_path / "in", tmp_path / output) is refused


def test_a_symlink_to_the_input_is_the_input(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "in")
    with pytest.raises(RIBError, match=REFUSAL):
        refuse_overlap([tmp_path / "in"], tmp_path / "link" / "out")


def _clip_list(path: Path) -> Path:
    path.write_text(json.dumps({"c": {"video_name": "v", "video_frames": ["frame00001.png"], "num_frames": 1}}))
    return path


def _leakage_args(root: Path) -> list:
    lists = [_clip_list(root / f"{name}.json") for name in ("train", "test", "test_input")]
    return ["--check-leakage", "--train-json", lists[0], "--test-json", lists[1], "--test-input-json", lists[2],
            "--write-clean-train", lists[0]]


CASES = {  # CLI, arguments ({v} the input folder, {tmp} the test folder)
    "gen_dataset output = input": (gen_dataset.main, ["-i", "{v}", "-o", "{v}", "-j", "{tmp}/list.json",
                                                      "--overwrite"]),
    "gen_dataset output inside input": (gen_dataset.main, ["-i", "{v}", "-o", "{v}/frames", "-j", "{tmp}/list.json"]),
    "gen_dataset clean list over train list": (gen_dataset.main, _leakage_args),
    "download into the folder of video.csv": (download.main, ["-c", "{v}/keep.txt", "-o", "{v}"]),
    "estimate_poses into the frames": (estimate_poses.main, ["-i", "{v}", "-o", "{v}/poses"]),
    "estimate_poses above the frames": (estimate_poses.main, ["-i", "{v}", "-o", "{tmp}"]),
    "interpolate_backgrounds output = input": (interpolate_backgrounds.main, ["--input", "{v}", "--output", "{v}"]),
    "gen_h5 inside the dataset": (gen_h5.main, ["-i", "{v}", "-o", "{v}/h5"]),
    "motion inference save-dir above pose-dir": (inference.main, ["--pose-dir", "{v}/Predict_motion", "--save-dir",
                                                                  "{v}", "--overwrite"]),
    "motion inference save-dir above pose-dir, no --overwrite": (inference.main, ["--pose-dir", "{v}/Predict_motion",
                                                                                 "--save-dir", "{v}"]),
    "motion inference save-dir = pose-dir": (inference.main, ["--pose-dir", "{v}", "--save-dir", "{v}",
                                                              "--overwrite"]),
    "motion visualize into the poses": (visualize.main, ["--pose-dirs", "{v}", "--out-dir", "{v}", "--overwrite"]),
    "motion train run folder holds the config": (train.main, ["--config", "{v}/run/keep.txt", "--save-root", "{v}",
                                                              "--name", "run"]),
    "AMASS h5 inside the AMASS folder": (gen_amass_h5.main, ["--amass-root", "{v}", "--body-model-dir", "{tmp}",
                                                              "--out", "{v}/amass.h5"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_writing_clis_refuse_an_output_over_their_input(case, tmp_path, capsys):
    main, argv = CASES[case]
    inputs = tmp_path / "V"
    keep = [inputs / "keep.txt", inputs / "Predict_motion" / "000000_keypoints.json", inputs / "run" / "keep.txt"]
    for path in keep:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("data: {h5_file: none.h5}\n")
    _clip_list(tmp_path / "list.json")
    argv = argv(tmp_path) if callable(argv) else [a.format(v=inputs, tmp=tmp_path) for a in argv]
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and REFUSAL in err and "Traceback" not in err, err
    assert {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()} == before


def test_deepmimic_h5_is_not_written_into_pybullet_data(capsys):
    pytest.importorskip("pybullet_data")
    with pytest.raises(SystemExit):
        gen_deepmimic_h5.main(["--out", str(deepmimic.data_dir() / "motion.h5")])
    assert REFUSAL in capsys.readouterr().err
