"""The warp-blend renderer learns: its mask rises where the background is wrong, it beats the background on the
person, resumes exactly, refuses non-finite losses and unknown config keys."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from Pose_Guided_Neural_Rendering.warp_blend import config as blend_config, training as engine
from Pose_Guided_Neural_Rendering.warp_blend.render import BlendRenderer
from Pose_Guided_Neural_Rendering.warp_blend.data import InBetweenDataset, list_samples
from Pose_Guided_Neural_Rendering.metrics import psnr
from Pose_Guided_Neural_Rendering.warp_blend import model as blender
from rib.checkpoint import load_checkpoint, save_checkpoint
from rib.config import load_config
from rib.errors import RIBError
from rib.frames import background_name, list_frames, read_image
from rib.poses import read_pose_folder

CONFIGS = Path(__file__).resolve().parents[2] / "Pose_Guided_Neural_Rendering" / "configs"

STEPS = 80


def make_run(config: dict) -> tuple[engine.Run, InBetweenDataset]:
    parsed = blend_config.parse(config)
    torch.manual_seed(parsed.train.seed)
    dataset = InBetweenDataset(list_samples(parsed.data.sets), parsed.model.crop_size, parsed.data,
                               still_keyframes=parsed.model.still_keyframes)
    return engine.Run(parsed, blender.build(parsed.to_dict()), torch.device("cpu")), dataset


def render_in_betweens(renderer: BlendRenderer, root) -> list[tuple[np.ndarray, ...]]:
    """(frame, alpha, background, gt, mask) of every in-between frame of the dense clip."""
    gt = list_frames(root / "gt" / "walker")
    poses = read_pose_folder(root / "poses" / "walker")
    out = []
    for index in range(1, len(gt) - 1):
        if index % 4 == 0:
            continue
        key, t = index - index % 4, (index % 4) / 4
        background = read_image(root / "DAIN" / "walker" / background_name(gt[key].stem, t))
        frame, alpha = renderer.frame(read_image(gt[key]), read_image(gt[key + 4]), background,
                                      poses[[key, key + 4, index]], t)
        mask = cv2.imread(str(root / "masks" / "walker" / gt[index].name), cv2.IMREAD_GRAYSCALE) > 127
        out.append((frame, alpha, background, read_image(gt[index]), mask))
    return out


@pytest.fixture(scope="module")
def trained(dense_clip) -> BlendRenderer:
    from_config = {"kind": "warp_blend", "model": {"widths": [8, 16], "crop_size": 32},
                   "data": {"sets": [{"root": str(dense_clip), "rate": 4}], "jitter": 0.05},
                   "train": {"epochs": 1, "batch_size": 6, "lr": 5e-3, "seed": 0, "steps_per_epoch": STEPS},
                   "loss": {"l1": 1.0, "choice": 0.2}}
    run, dataset = make_run(from_config)
    engine.train_one_epoch(run, dataset)
    return BlendRenderer(run.model.eval(), run.config, torch.device("cpu"))


def test_untrained_renderer_keeps_the_background(dense_clip, make_config):
    run, _ = make_run(make_config(dense_clip))
    renderer = BlendRenderer(run.model.eval(), run.config, torch.device("cpu"))
    for _, alpha, _, _, mask in render_in_betweens(renderer, dense_clip):
        assert alpha[mask].mean() < 0.3, "the initial bias favours the background"


def test_mask_rises_where_the_background_is_wrong(trained, dense_clip):
    """A collapsed mask (alpha ~0, the old renderer's failure) fails this."""
    for _, alpha, background, gt, mask in render_in_betweens(trained, dense_clip):
        wrong = mask & (np.abs(background.astype(int) - gt).sum(-1) > 60)
        assert wrong.sum() > 50
        assert alpha[wrong].mean() > 0.5


def test_renderer_beats_the_background_on_the_person(trained, dense_clip):
    for frame, alpha, background, gt, mask in render_in_betweens(trained, dense_clip):
        assert psnr(frame, gt, mask) > psnr(background, gt, mask) + 3.0
        far = ~cv2.dilate(mask.astype(np.uint8), np.ones((25, 25), np.uint8)).astype(bool)
        assert alpha[far].mean() < 0.2, "the background is kept away from the person"


def two_epochs_and_one(config: dict, tmp_path, folder: str) -> engine.Run:
    """Train ``config`` (2 epochs) straight through, and its first epoch alone into ``tmp_path / folder``."""
    straight, dataset = make_run(config)
    engine.fit(straight, dataset, None, tmp_path / "straight")
    first, dataset = make_run({**config, "train": {**config["train"], "epochs": 1}})
    engine.fit(first, dataset, None, tmp_path / folder)
    return straight


def resume_and_compare(config: dict, folder, straight: engine.Run) -> engine.Run:
    """Resume ``folder`` to the end of ``config`` and check the weights equal ``straight``'s."""
    resumed, dataset = make_run(config)
    engine.resume(resumed, folder)
    assert resumed.epoch == 1 and resumed.step == 3
    engine.fit(resumed, dataset, None, folder)
    for (name, a), b in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), name
    return resumed


def test_resume_is_exact(dense_clip, make_config, tmp_path):
    config = make_config(dense_clip, epochs=2, steps_per_epoch=3)
    straight = two_epochs_and_one(config, tmp_path, "resumed")
    resume_and_compare(config, tmp_path / "resumed", straight)


def test_a_checkpoint_of_the_trainer_before_rib_engine_resumes_exactly(dense_clip, make_config, tmp_path):
    """Runs started before the engine (runs/render/*) hold every part of checkpoint.pt at the top level."""
    config = make_config(dense_clip, epochs=2, steps_per_epoch=3)
    straight = two_epochs_and_one(config, tmp_path, "old")
    new = load_checkpoint(tmp_path / "old" / "checkpoint.pt")
    save_checkpoint(tmp_path / "old" / "checkpoint.pt", {
        "kind": "warp_blend", "config": new["config"], "model": new["models"]["model"],
        "optimizer": new["optimizers"]["optimizer"], "epoch": 1, "step": 3, "history": new["history"],
        "rng": new["rng"]})
    resumed = resume_and_compare(config, tmp_path / "old", straight)
    assert len(resumed.history) == 2


def test_non_finite_loss_stops_before_the_update(dense_clip, make_config, monkeypatch):
    run, dataset = make_run(make_config(dense_clip, steps_per_epoch=2))
    before = {k: v.clone() for k, v in run.model.state_dict().items()}
    monkeypatch.setitem(engine.LOSSES, "l1", lambda model, batch, logits, output: output.sum() * float("nan"))
    with pytest.raises(RIBError, match="loss is nan"):
        engine.train_one_epoch(run, dataset)
    assert all(torch.equal(before[k], v) for k, v in run.model.state_dict().items())


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["train"].update(lrr=3), "unknown key.*lrr"),
    (lambda c: c.update(losses={}), "unknown section.*losses"),
    (lambda c: c["data"]["sets"][0].update(rate=1), "rate must be at least 2"),
    (lambda c: c["model"].update(crop_size=33), "crop_size"),
    (lambda c: c["train"].update(batch_size=0), "batch_size"),
    (lambda c: c["data"].update(hard_share=1.5), "hard_share: must lie in"),
    (lambda c: c["data"].update(hard_share=0.5), "hard_share needs train.steps_per_epoch"),
])
def test_strict_config(dense_clip, make_config, edit, message):
    config = make_config(dense_clip)
    edit(config)
    with pytest.raises(RIBError, match=message):
        blend_config.parse(config)


WARP_BLEND_CONFIGS = sorted(path for path in CONFIGS.glob("*.yaml") if load_config(path).get("kind") == "warp_blend")


@pytest.mark.parametrize("path", WARP_BLEND_CONFIGS, ids=lambda path: path.name)
def test_every_warp_blend_config_in_the_repository_parses(path):
    assert blend_config.parse(load_config(path), str(path)).data.sets


def test_loss_weight_zero_switches_a_loss_off(dense_clip, make_config):
    run, dataset = make_run(make_config(dense_clip, steps_per_epoch=1))
    run.config.loss.choice = 0.0
    logs = engine.train_one_epoch(run, dataset)
    assert "loss/choice" not in logs and "loss/l1" in logs


def test_hard_share_draws_the_samples_whose_background_is_wrong(dense_clip, make_config):
    config = make_config(dense_clip, steps_per_epoch=1)
    config["data"]["hard_share"] = 1.0
    run, dataset = make_run(config)
    weights, errors = dataset.draw_weights(), dataset.background_errors()
    assert weights.sum() == pytest.approx(1.0)
    assert np.argmax(weights) == np.argmax(errors) and np.argmin(weights) == np.argmin(errors)
    config["data"]["hard_share"] = 0.0
    assert np.allclose(make_run(config)[1].draw_weights(), 1 / len(dataset))
