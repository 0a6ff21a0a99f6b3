"""Issue 12, motion stage: bad checkpoints, data, numbers and devices end with one clear line, nothing written."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import torch

from Human_Motion_Modelling import evaluate, inference, train, visualize
from rib.checkpoint import load_checkpoint, save_checkpoint
from rib.config import save_config
from rib.distributed import DistContext
from rib.poses import mark_incomplete, write_pose_folder


def one_error(main, argv, capsys) -> str:
    """Run a CLI that must fail with exit code 2 and a single ``error:`` line; return that line."""
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in argv])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert exit_info.value.code == 2 and len(errors) == 1 and "Traceback" not in err, err
    return errors[0]


@pytest.fixture
def config_file(tmp_path, tiny_config) -> Path:
    path = tmp_path / "tiny.yaml"
    save_config(path, tiny_config)
    return path


@pytest.fixture
def run_root(tmp_path, tiny_config, tiny_normaliser) -> Path:
    """A run folder ``runs/tiny`` whose checkpoint.pt is what train.py writes after an epoch (untrained weights)."""
    root = tmp_path / "runs"
    run = train.build_run(tiny_config, DistContext(0, 1, torch.device("cpu")), tiny_normaliser)
    save_checkpoint(root / "tiny" / "checkpoint.pt", run.state_dict())
    return root


def edit_checkpoint(path: Path, edit) -> Path:
    """Rewrite a checkpoint with ``edit(state)`` applied."""
    state = load_checkpoint(path)
    edit(state)
    save_checkpoint(path, state)
    return path


@pytest.fixture
def truncated_h5(tmp_path, motion_h5) -> Path:
    path = tmp_path / "truncated.h5"
    data = motion_h5.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


@pytest.mark.parametrize("argv, message", [
    (["--batch-size", "0"], "train.batch_size must be an integer >= 1, got 0"),
    (["--set", "data.rates=[0]"], "data.rates must be a non-empty list of integers >= 1"),
    (["--set", "data.rates=[]"], "data.rates must be a non-empty list of integers >= 1"),
    (["--set", "train.log_every=0"], "train.log_every must be an integer >= 1"),
    (["--workers", "-1"], "train.workers must be an integer >= 0"),
    (["--device", "gpu0"], "device 'gpu0': expected auto, cpu, cuda or cuda:N"),
    (["--init", "missing.pth"], "missing.pth: checkpoint not found"),
])
def test_train_refuses_bad_numbers_and_devices_before_writing(argv, message, config_file, tmp_path, capsys):
    line = one_error(train.main, ["--config", config_file, "--save-root", tmp_path / "runs", *argv], capsys)
    assert message in line
    assert not (tmp_path / "runs").exists()


def test_train_names_a_truncated_h5(config_file, truncated_h5, tmp_path, capsys):
    line = one_error(train.main, ["--config", config_file, "--save-root", tmp_path / "runs", "--set",
                                  f"data.h5_file={truncated_h5}"], capsys)
    assert f"{truncated_h5}: not a readable h5 file" in line


def _renderer_like(state: dict) -> None:
    state.clear()
    state.update({"state_dict": {}, "epoch": 3})


def _empty_normaliser(state: dict) -> None:
    state["extra"]["normaliser"] = {}


@pytest.mark.parametrize("edit, extra, message", [
    (_renderer_like, [], "not a motion training checkpoint (missing model, optimizer, scheduler, normaliser, config"),
    (None, ["--set", "model.hidden_dim=64"], "weights do not fit a model of this config"),
    (_empty_normaliser, [], "the checkpoint's normaliser is missing or broken"),
])
def test_resume_on_a_foreign_or_mismatched_checkpoint(edit, extra, message, run_root, capsys):
    last = run_root / "tiny" / "checkpoint.pt"
    if edit is not None:
        edit_checkpoint(last, edit)
    before = last.read_bytes()
    line = one_error(train.main, ["--resume", "--save-root", run_root, "--name", "tiny", *extra], capsys)
    assert f"{last}: {message}" in line
    assert last.read_bytes() == before


@pytest.mark.parametrize("normaliser", [{}, {"mean": torch.zeros(0), "std": torch.zeros(0)},
                                        {"mean": torch.zeros(19, 2), "std": torch.zeros(19, 2)}])
def test_inference_and_evaluate_refuse_a_checkpoint_with_a_broken_normaliser(normaliser, tiny_checkpoint, tmp_path,
                                                                              capsys):
    broken = tmp_path / "broken.pth"
    broken.write_bytes(tiny_checkpoint.read_bytes())
    edit_checkpoint(broken, lambda state: state.update(normaliser=normaliser))
    write_pose_folder(tmp_path / "poses", torch.zeros(3, 19, 3).numpy())
    for main, argv in ((inference.main, ["--pose-dir", tmp_path / "poses", "--save-dir", tmp_path / "out"]),
                       (evaluate.main, ["--out-dir", tmp_path / "eval"])):
        line = one_error(main, [*argv, "--checkpoint", broken], capsys)
        assert f"{broken}: the checkpoint's normaliser is missing or broken" in line
    assert not (tmp_path / "out").exists() and not (tmp_path / "eval").exists()


@pytest.mark.parametrize("argv, message", [
    (["--rate", "0"], "rate 0: the keyframe step must be an integer of at least 2"),
    (["--rate", "1"], "rate 1: the keyframe step must be an integer of at least 2"),
    (["--rate", "-2"], "rate -2: the keyframe step must be an integer of at least 2"),
    (["--set", "evaluate.rate=0"], "rate 0: the keyframe step must be an integer of at least 2"),
    (["--device", "gpu0"], "device 'gpu0': expected auto, cpu, cuda or cuda:N"),
    (["--set", "data.h5_file={truncated}"], "truncated.h5: not a readable h5 file"),
    (["--out-dir", "{checkpoint_dir}"], "the output must not be, contain or lie inside the input"),
])
def test_evaluate_bad_rates_devices_data_and_outputs(argv, message, tiny_checkpoint, truncated_h5, tmp_path, capsys):
    argv = [a.format(truncated=truncated_h5, checkpoint_dir=tiny_checkpoint.parent) for a in argv]
    line = one_error(evaluate.main, ["--checkpoint", tiny_checkpoint, "--out-dir", tmp_path / "eval", *argv], capsys)
    assert message in line
    assert not (tmp_path / "eval").exists()


@pytest.mark.parametrize("argv, message", [
    (["--size", "0"], "argument --size: must be an integer >= 1, got 0"),
    (["--size", "-5"], "argument --size: must be an integer >= 1, got -5"),
    (["--fps", "0"], "argument --fps: must be a positive number, got 0"),
    (["--fps", "-1"], "argument --fps: must be a positive number, got -1"),
    (["--num", "0"], "argument --num: must be an integer >= 1, got 0"),
    (["--rate", "-2"], "rate -2: the keyframe step must be an integer of at least 2"),
    (["--rate", "0"], "rate 0: the keyframe step must be an integer of at least 2"),
])
def test_visualize_bad_numbers(argv, message, tiny_checkpoint, tmp_path, capsys):
    line = one_error(visualize.main, ["--checkpoint", tiny_checkpoint, "--out-dir", tmp_path / "gif", *argv], capsys)
    assert message in line
    assert not (tmp_path / "gif").exists()


def test_inference_refuses_an_unknown_device(tiny_checkpoint, tmp_path, capsys):
    write_pose_folder(tmp_path / "poses", torch.zeros(3, 19, 3).numpy())
    line = one_error(inference.main, ["--pose-dir", tmp_path / "poses", "--save-dir", tmp_path / "out",
                                      "--checkpoint", tiny_checkpoint, "--device", "gpu0"], capsys)
    assert "device 'gpu0'" in line and not (tmp_path / "out").exists()



@pytest.mark.parametrize("rate", ["1", "0"])
def test_inference_refuses_rate_one_before_writing(rate, tiny_checkpoint, tmp_path, capsys):
    """Issue 12: rate 1 was accepted here but refused by background interpolation (after this stage had written)."""
    write_pose_folder(tmp_path / "poses", torch.zeros(3, 19, 3).numpy())
    line = one_error(inference.main, ["--pose-dir", tmp_path / "poses", "--save-dir", tmp_path / "out",
                                      "--checkpoint", tiny_checkpoint, "--upsample-rate", rate], capsys)
    assert f"argument --upsample-rate: must be an integer >= 2 (frames per input interval), got {rate}" in line
    assert not (tmp_path / "out").exists()

def test_inference_refuses_a_pose_folder_marked_incomplete(tiny_checkpoint, tmp_path, capsys):
    """Ctrl-C during pose estimation leaves the clip marked; its 20 of 37 poses are not upsampled as a clip."""
    write_pose_folder(tmp_path / "poses" / "clip", torch.zeros(20, 19, 3).numpy())
    mark_incomplete(tmp_path / "poses" / "clip", "rib-estimate-poses")
    line = one_error(inference.main, ["--pose-dir", tmp_path / "poses", "--save-dir", tmp_path / "out",
                                      "--checkpoint", tiny_checkpoint], capsys)
    assert f"{tmp_path / 'poses' / 'clip'}: incomplete pose folder" in line and "--overwrite" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("seen, warned", [(0, "no person detected in any frame"),
                                          (2, "a person was detected in only 2 of 10 frames"),
                                          (4, "a person was detected in only 4 of 10 frames"),
                                          (5, None), (10, None)])
def test_inference_warns_once_when_few_frames_have_a_person(seen, warned, caplog):
    poses = np.zeros((10, 19, 3))
    poses[:seen, :, 2] = 0.9
    with caplog.at_level(logging.WARNING, logger="motion.inference"):
        inference.warn_if_few_people(Path("bikes"), poses)
    lines = [record.getMessage() for record in caplog.records]
    assert lines == ([] if warned is None else [lines[0]])
    assert warned is None or lines[0].startswith(f"bikes: {warned}")


def test_resume_removes_temporaries_of_a_killed_save(run_root):
    folder = run_root / "tiny"
    orphan = folder / ".checkpoint.k3j_9x2a.tmp.pt"
    orphan.write_bytes(b"half a checkpoint")
    args = train.parse_args(["--resume", "--save-root", str(run_root), "--name", "tiny"])
    train.prepare_run(args, DistContext(0, 1, torch.device("cpu")))
    assert not orphan.exists() and (folder / "checkpoint.pt").is_file()


@pytest.mark.parametrize("main, argv", [
    (train.main, ["--config", "{config}", "--save-root", "{tmp}/runs", "--set", "train.lrr=3"]),
    (evaluate.main, ["--checkpoint", "{checkpoint}", "--out-dir", "{tmp}/runs", "--set", "evaluate.rat=8"]),
])
def test_a_misspelled_set_key_is_one_line_before_writing(main, argv, config_file, tiny_checkpoint, tmp_path, capsys):
    argv = [a.format(config=config_file, tmp=tmp_path, checkpoint=tiny_checkpoint) for a in argv]
    line = one_error(main, argv, capsys)
    assert "unknown key(s) " in line and ("lrr" in line or "rat" in line)
    assert not (tmp_path / "runs").exists()
