"""Training: the objective overfits a few frames, the curriculum grows windows, resume is exact, DDP runs."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio

from Pose_Guided_Neural_Rendering import train as train_cli
from Pose_Guided_Neural_Rendering.spade_gan.data import dataset as render_dataset
from Pose_Guided_Neural_Rendering.spade_gan.renderer import load_generator
from Pose_Guided_Neural_Rendering.spade_gan.models import discriminators, generator, losses
from Pose_Guided_Neural_Rendering.spade_gan.trainer import Trainer, frames_for_epoch
from rib.checkpoint import load_checkpoint, save_checkpoint
from rib.config import save_config
from rib.distributed import init_distributed
from rib.paths import REPO_ROOT
from tests.render_models.conftest import CONFIGS, tiny_config

TRAIN = REPO_ROOT / "Pose_Guided_Neural_Rendering" / "train.py"


def test_curriculum_lengthens_windows():
    config = {"data": {"max_frames": 3}, "train": {"update_frame_step": 10, "max_frames_limit": 5}}
    assert [frames_for_epoch(config, e) for e in (0, 9, 10, 19, 20, 35, 100)] == [3, 3, 4, 4, 5, 5, 5]
    config["train"]["update_frame_step"] = 0
    assert frames_for_epoch(config, 50) == 3


def rollout_psnr(model: generator.Generator, batch: dict) -> tuple[float, float]:
    """Mean PSNR of the autoregressive outputs and of the backgrounds alone, over frames 1 .. L-1."""
    model.eval()
    ours, backgrounds = [], []
    with torch.no_grad():
        previous = batch["image"][:, 0]
        for t in range(1, batch["image"].shape[1]):
            real, background = batch["image"][:, t].numpy(), batch["background"][:, t]
            generated, alpha = model(batch["label"][:, t], background, previous)
            previous = generator.composite(generated, alpha, background)
            ours.append(peak_signal_noise_ratio(real, previous.numpy(), data_range=2))
            backgrounds.append(peak_signal_noise_ratio(real, background.numpy(), data_range=2))
    return float(np.mean(ours)), float(np.mean(backgrounds))


@pytest.mark.slow
def test_tiny_renderer_overfits_a_few_frames(still_layout):
    config = tiny_config(root=str(still_layout), augment=False, random_drop_prob=0.0, random_blur_rate=0.0,
                         train_clips=["clip_b"])
    data = render_dataset.build(config, "train")
    batch = {key: torch.stack([data[i][key] for i in range(2)]) for key in data[0]}
    torch.manual_seed(0)
    trainer = Trainer(config, init_distributed("cpu"), generator.build(config), discriminators.build(config),
                      losses.build(config))
    for _ in range(50):
        logs = trainer.train_step(batch)
    ours, background_only = rollout_psnr(trainer.generator_module, batch)
    assert all(np.isfinite(v) for v in logs.values())
    assert ours > background_only + 3.0, (ours, background_only)


def run_train(out_dir, config_path, *extra) -> None:
    train_cli.main(["--config", str(config_path), "--out-dir", str(out_dir), *extra])


@pytest.fixture
def config_file(tmp_path, layout):
    path = tmp_path / "tiny.yaml"
    save_config(path, tiny_config(root=str(layout), train_clips=["clip_b"]))
    return path


@pytest.mark.slow  # several full runs (3-4 s): run by make test
def test_resume_continues_exactly(tmp_path, config_file):
    run_train(tmp_path / "straight", config_file, "--epochs", "2")
    run_train(tmp_path / "resumed", config_file, "--epochs", "1")
    first = load_checkpoint(tmp_path / "resumed" / "checkpoint.pt")
    assert first["epoch"] == 1 and first["step"] == 2
    run_train(tmp_path / "resumed", config_file, "--epochs", "2", "--resume")
    straight = load_checkpoint(tmp_path / "straight" / "checkpoint.pt")
    resumed = load_checkpoint(tmp_path / "resumed" / "checkpoint.pt")
    assert resumed["epoch"] == straight["epoch"] == 2
    assert resumed["step"] == straight["step"] == 3  # epoch 1 ran 4-frame windows: 2 windows, one batch
    for part in ("generator", "discriminators"):
        for key, value in straight["models"][part].items():
            assert torch.equal(value, resumed["models"][part][key]), (part, key)
    assert resumed["optimizers"]["opt_g"]["state"][0]["exp_avg"].equal(
        straight["optimizers"]["opt_g"]["state"][0]["exp_avg"])
    assert resumed["schedulers"]["sched_g"] == straight["schedulers"]["sched_g"]
    assert not torch.equal(first["models"]["generator"]["to_image.parametrizations.weight.original"],
                           resumed["models"]["generator"]["to_image.parametrizations.weight.original"])
    for name in ("checkpoint_epoch001.pt", "checkpoint_epoch002.pt", "generator_epoch002.pt", "config.yaml",
                 "history.txt", "history.csv"):
        assert (tmp_path / "straight" / name).is_file(), name
    assert any((tmp_path / "straight" / "logs").iterdir())
    model, size = load_generator(tmp_path / "straight" / "generator.pt", torch.device("cpu"))
    assert size == (96, 64) and not model.training


@pytest.mark.slow  # several full runs (3-4 s): run by make test
def test_a_run_of_the_trainer_before_rib_engine_resumes_exactly(tmp_path, config_file):
    """Its checkpoint.pt held every part at the top level."""
    run_train(tmp_path / "straight", config_file, "--epochs", "2")
    run_train(tmp_path / "old", config_file, "--epochs", "1")
    new = load_checkpoint(tmp_path / "old" / "checkpoint.pt")
    old = {key: new[key] for key in ("epoch", "step", "rng", "config")}
    for group in ("models", "optimizers", "schedulers", "scalers"):
        old.update(new[group])
    save_checkpoint(tmp_path / "old" / "checkpoint.pt", old)
    run_train(tmp_path / "old", config_file, "--epochs", "2", "--resume")
    straight = load_checkpoint(tmp_path / "straight" / "checkpoint.pt")
    resumed = load_checkpoint(tmp_path / "old" / "checkpoint.pt")
    assert resumed["epoch"] == 2 and resumed["step"] == straight["step"]
    for key, value in straight["models"]["generator"].items():
        assert torch.equal(value, resumed["models"]["generator"][key]), key


def test_refuses_to_clobber_a_run(tmp_path, config_file, capsys):
    run_train(tmp_path / "run", config_file, "--epochs", "1")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        run_train(tmp_path / "run", config_file, "--epochs", "1")
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "--overwrite" in err and "\n" not in err
    with pytest.raises(SystemExit):
        run_train(tmp_path / "fresh", config_file, "--resume")
    assert "nothing to resume" in capsys.readouterr().err


def test_bad_config_is_one_line(tmp_path, layout, capsys, monkeypatch):
    path = tmp_path / "bad.yaml"
    save_config(path, tiny_config(root=str(layout), train_clips=["clip_b", "no_such_clip"]))
    with pytest.raises(SystemExit) as exit_info:
        run_train(tmp_path / "out", path)
    assert exit_info.value.code == 2
    assert "no_such_clip" in capsys.readouterr().err
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty"))
    config = tiny_config(root=str(layout))
    config["loss"]["perceptual"] = {"weight": 10.0}
    save_config(path, config)
    with pytest.raises(SystemExit):
        run_train(tmp_path / "out2", path)
    err = capsys.readouterr().err.strip()
    assert "VGG19 ImageNet weights not found" in err and "\n" not in err


@pytest.mark.slow
def test_torchrun_two_cpu_processes(tmp_path, config_file):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29517",
               str(TRAIN), "--config", str(config_file), "--out-dir", str(tmp_path / "ddp"), "--epochs", "1",
               "--device", "cpu"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    state = load_checkpoint(tmp_path / "ddp" / "checkpoint.pt")
    # 3 windows shared by 2 processes: one batch each, so one optimiser step (a single process takes two)
    assert state["step"] == 1 and state["epoch"] == 1


def test_reference_config_is_complete():
    config = tiny_config()
    reference = train_cli.load_config(CONFIGS / "HSM.yaml")
    assert reference["loss"]["gan"] == {"fuse": 0.0, "raw": 1.0, "face": 0.1, "hand": 0.1}
    assert reference["train"]["lr"] == 1e-4 and reference["train"]["lr_d"] == 4e-4
    for section in ("data", "train", "gen", "dis", "loss"):
        assert set(config[section]) <= set(reference[section]) | {"augment"}, section
