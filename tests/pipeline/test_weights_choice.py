"""rib finetune's last step (rib_pipeline/weights_choice.py): the fine-tuned weights stay only when they rebuild the
frames kept out of training at least as well as the starting weights; otherwise model.pt gets the starting weights
and keeps its own config (the frames kept out)."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from rib.checkpoint import save_checkpoint
from rib.paths import CHECKPOINTS_DIR
from rib_pipeline import self_check, weights_choice
from rib_pipeline.self_check import SelfCheck
from Pose_Guided_Neural_Rendering.api import kept_out_frames, read_renderer

KEPT_OUT = [2, 5, 8]


def fine_tuned_copy(folder):
    """The shipped weights copied into ``folder``, every weight shifted (a different set) and three frames recorded
    as kept out, as rib finetune's config records them."""
    folder.mkdir()
    path, state, _ = read_renderer(CHECKPOINTS_DIR / "render")
    state["model"] = {name: value + 0.01 if value.is_floating_point() else value
                      for name, value in state["model"].items()}
    state["config"]["data"]["sets"] = [{**state["config"]["data"]["sets"][0], "held_out": KEPT_OUT}]
    save_checkpoint(folder / path.name, state)
    return folder


@pytest.mark.parametrize("tuned_psnr, kept", [(30.0, "fine-tuned"), (29.0, "starting"), (29.5, "fine-tuned")])
def test_the_better_weights_on_the_frames_kept_out_stay(tmp_path, monkeypatch, tuned_psnr, kept):
    model = fine_tuned_copy(tmp_path / "model")
    judged = []

    def fake_judge(renderer, interpolator, files, triples, frames, out_dir, crowded):
        judged.append((out_dir.name, list(frames)))
        assert out_dir.is_dir()
        return SelfCheck(len(frames), tuned_psnr if out_dir.name == "fine-tuned" else 29.5, 28.0)

    monkeypatch.setattr(self_check, "judge", fake_judge)
    before = read_renderer(model)[1]
    note = weights_choice.keep_better_weights(model, CHECKPOINTS_DIR / "render", [], np.zeros((10, 3, 19, 3)),
                                              KEPT_OUT, None, tmp_path / "work", torch.device("cpu"))
    assert judged == [("fine-tuned", KEPT_OUT), ("starting", KEPT_OUT)]
    assert note.startswith(f"weights: {'fine-tuned' if kept == 'fine-tuned' else 'the starting ones'}")
    assert f"rebuilt at {tuned_psnr:.2f} dB PSNR by the fine-tuned weights, 29.50 dB by the starting ones" in note
    after = read_renderer(model)[1]
    wanted = before if kept == "fine-tuned" else read_renderer(CHECKPOINTS_DIR / "render")[1]
    assert all(torch.equal(after["model"][name], wanted["model"][name]) for name in wanted["model"])
    assert kept_out_frames(model) == KEPT_OUT  # the config stays the fine-tune's


def test_the_start_weights_are_left_as_they_were(tmp_path, monkeypatch):
    start = tmp_path / "start"
    shutil.copytree(CHECKPOINTS_DIR / "render", start)
    monkeypatch.setattr(self_check, "judge", lambda *args: SelfCheck(3, 20.0 if args[5].name == "fine-tuned"
                                                                       else 30.0, 25.0))
    before = (start / "model.pt").read_bytes()
    weights_choice.keep_better_weights(fine_tuned_copy(tmp_path / "model"), start, [], np.zeros((10, 3, 19, 3)),
                                       KEPT_OUT, None, tmp_path / "work", torch.device("cpu"))
    assert (start / "model.pt").read_bytes() == before
