"""train.py: checkpoints, exact resume, and 2-process torchrun DDP on CPU."""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys

import pytest
import torch

from Human_Motion_Modelling import train
from Human_Motion_Modelling.checkpoints import export_model, find_checkpoint, load_trained_model
from rib.checkpoint import load_checkpoint, save_checkpoint
from rib.paths import REPO_ROOT

TRAIN_SCRIPT = REPO_ROOT / "Human_Motion_Modelling" / "train.py"


def _args(tmp_path, motion_h5, name: str, epochs: int, *extra: str) -> list[str]:
    return ["--save-root", str(tmp_path), "--name", name, "--epochs", str(epochs), "--set",
            f"data.h5_file={motion_h5}", "data.train_split=[Train]", "data.test_split=[Test]",
            "data.stats_samples=16", "model.enc_layers=1", "model.dec_layers=1", "model.hidden_dim=32",
            "model.dim_feedforward=64", "model.nheads=4", "train.samples_per_epoch=8", "train.batch_size=4",
            "train.workers=0", "train.eval_every=0", "data.max_seq_length=65", "data.rates=[4,8]",
            *extra]  # later --set values win; 65-frame windows keep each step fast


@pytest.mark.slow
def test_resume_continues_exactly(tmp_path, motion_h5):
    train.main(_args(tmp_path, motion_h5, "straight", 2))
    train.main(_args(tmp_path, motion_h5, "split", 1))
    first = load_checkpoint(tmp_path / "split" / "checkpoint.pt")
    assert first["epoch"] == 1 and first["step"] == 2  # epochs completed, batches trained on
    train.main(["--resume", *_args(tmp_path, motion_h5, "split", 2)])
    straight = load_checkpoint(tmp_path / "straight" / "checkpoint.pt")
    resumed = load_checkpoint(tmp_path / "split" / "checkpoint.pt")
    assert resumed["epoch"] == straight["epoch"] == 2 and resumed["step"] == 4
    for key, value in straight["models"]["model"].items():
        assert torch.equal(value, resumed["models"]["model"][key]), key
    assert resumed["schedulers"] == straight["schedulers"]
    assert torch.equal(straight["extra"]["normaliser"]["std"], resumed["extra"]["normaliser"]["std"])
    assert load_trained_model(tmp_path / "split").epoch == 1  # model.pt: the index of the last epoch trained


def test_a_run_of_the_trainer_before_rib_engine_resumes_exactly(tmp_path, motion_h5):
    """Its run folder held checkpoints/last.pth: every part at the top level, ``epoch`` the last epoch's index."""
    train.main(_args(tmp_path, motion_h5, "straight", 2))
    train.main(_args(tmp_path, motion_h5, "old", 1))
    new = load_checkpoint(tmp_path / "old" / "checkpoint.pt")
    old = {"model": new["models"]["model"], "optimizer": new["optimizers"]["optimizer"],
           "scheduler": new["schedulers"]["scheduler"], "epoch": 0, "step": new["step"], "rng": new["rng"],
           "normaliser": new["extra"]["normaliser"], "config": new["config"]}
    save_checkpoint(tmp_path / "old" / "checkpoints" / "last.pth", old)
    for name in ("checkpoint.pt", "model.pt", "history.csv"):
        (tmp_path / "old" / name).unlink()
    with pytest.raises(SystemExit):
        train.main(_args(tmp_path, motion_h5, "old", 2))  # a fresh run refuses the old folder too
    train.main(["--resume", *_args(tmp_path, motion_h5, "old", 2)])
    straight = load_checkpoint(tmp_path / "straight" / "checkpoint.pt")
    resumed = load_checkpoint(tmp_path / "old" / "checkpoint.pt")
    assert resumed["epoch"] == 2 and resumed["step"] == straight["step"]
    for key, value in straight["models"]["model"].items():
        assert torch.equal(value, resumed["models"]["model"][key]), key


def test_a_run_of_the_old_extension_resumes_into_pt_and_a_fresh_run_replaces_it(tmp_path, motion_h5):
    """A run of before the one extension wrote model.pth (and kept model_epochEEE.pth): --resume continues it and
    writes model.pt (found first); a fresh run with --overwrite removes the old files too."""
    train.main(_args(tmp_path, motion_h5, "old", 1))
    run = tmp_path / "old"
    (run / "model.pt").rename(run / "model.pth")
    shutil.copyfile(run / "model.pth", run / "model_epoch001.pth")
    assert load_trained_model(run).epoch == 0
    train.main(["--resume", *_args(tmp_path, motion_h5, "old", 2)])
    assert find_checkpoint(run) == run / "model.pt" and load_trained_model(run).epoch == 1
    train.main(["--overwrite", *_args(tmp_path, motion_h5, "old", 1)])
    assert not list(run.glob("*.pth")) and load_trained_model(run).epoch == 0


def test_evaluates_during_training_and_refuses_an_existing_run(tmp_path, motion_h5, capsys, caplog):
    caplog.set_level(logging.INFO)
    train.main(_args(tmp_path, motion_h5, "once", 1, "train.eval_every=1", "evaluate.max_sequences=1"))
    assert "evaluation at rate 16: in-between error model" in caplog.text
    assert list((tmp_path / "once" / "logs").iterdir())
    with pytest.raises(SystemExit) as exit_info:
        train.main(_args(tmp_path, motion_h5, "once", 1))
    assert exit_info.value.code == 2
    assert "pass --resume" in capsys.readouterr().err


def test_init_starts_from_a_checkpoints_weights_and_normaliser(tmp_path, motion_h5):
    train.main(_args(tmp_path, motion_h5, "base", 1))
    base = load_checkpoint(tmp_path / "base" / "model.pt")
    train.main(["--init", str(tmp_path / "base" / "checkpoint.pt"),
                *_args(tmp_path, motion_h5, "tuned", 1, "train.lr=0", "data.augment.clean_prob=0.5")])
    tuned = load_checkpoint(tmp_path / "tuned" / "model.pt")
    assert tuned["epoch"] == 0 and load_checkpoint(tmp_path / "tuned" / "checkpoint.pt")["step"] == 2
    for key, value in base["model"].items():
        assert torch.equal(value, tuned["model"][key]), key  # lr 0: the weights are the initial ones
    assert torch.equal(base["normaliser"]["mean"], tuned["normaliser"]["mean"])


@pytest.mark.slow
def test_torchrun_two_processes_on_cpu(tmp_path, motion_h5):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone",
               str(TRAIN_SCRIPT), *_args(tmp_path, motion_h5, "ddp", 1, "--device", "cpu")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    if result.returncode and re.search(r"exitcode\s*:\s*-\d", result.stderr):
        # a rank killed by a signal (once in about 40 CI runs a gloo rank aborted, SIGABRT, and did not again in 8
        # reruns, 5 of them beside two busy processes): launch once more; a real fault fails both launches
        first = result.stderr[-2000:]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
        assert result.returncode == 0, f"twice; first:\n{first}\nsecond:\n{result.stderr[-2000:]}"
    assert result.returncode == 0, result.stderr[-2000:]
    assert "2 process(es)" in result.stderr
    state = load_checkpoint(tmp_path / "ddp" / "checkpoint.pt")
    assert state["step"] == 1  # 8 samples split over 2 processes at batch 4


def test_export_keeps_what_inference_needs_in_half_precision(tiny_checkpoint, tmp_path):
    target = tmp_path / "motion" / "model.pt"
    export_model(tiny_checkpoint, target)
    state = load_checkpoint(target)
    assert set(state) == {"model", "normaliser", "config", "epoch"}
    assert all(v.dtype == torch.float16 for v in state["model"].values() if v.is_floating_point())
    original, exported = load_trained_model(tiny_checkpoint), load_trained_model(target.parent)
    for key, value in original.model.state_dict().items():
        torch.testing.assert_close(exported.model.state_dict()[key], value, rtol=1e-3, atol=1e-3)
