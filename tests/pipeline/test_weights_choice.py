"""rib finetune's last step (rib_pipeline/weights_choice.py): the fine-tuned weights stay only when they rebuild the
frames kept out of training better than the starting weights by a sure saving; otherwise model.pt gets the starting
weights and its config forgets the frames kept out, so rib interpolate judges them as it judges the starting ones."""
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


STARTING_ERRORS = (40.0, 60.0, 50.0)
"""Per-frame mean squared errors of the starting weights on the three kept-out frames."""


def check_with(errors):
    """A judged SelfCheck whose renderer made ``errors`` on the kept-out frames (PSNR pooled from them)."""
    return SelfCheck(len(errors), self_check.psnr_of(sum(errors), len(errors)), 28.0, tuple(errors))


@pytest.mark.parametrize("tuned_errors, kept", [
    ((30.0, 50.0, 40.0), "fine-tuned"),  # every frame 10 lower: a sure saving
    ((45.0, 65.0, 55.0), "starting"),  # worse everywhere
    ((40.0, 60.0, 50.0), "starting"),  # a tie
    ((10.0, 70.0, 59.0), "starting"),  # lower on the whole, but one frame carries it: not sure
])
def test_the_fine_tuned_weights_stay_only_on_a_sure_saving(tmp_path, monkeypatch, tuned_errors, kept):
    model = fine_tuned_copy(tmp_path / "model")
    judged = []

    def fake_judge(renderer, interpolator, files, triples, frames, out_dir, crowded):
        judged.append((out_dir.name, list(frames)))
        assert out_dir.is_dir()
        return check_with(tuned_errors if out_dir.name == "fine-tuned" else STARTING_ERRORS)

    monkeypatch.setattr(self_check, "judge", fake_judge)
    before = read_renderer(model)[1]
    note = weights_choice.keep_better_weights(model, CHECKPOINTS_DIR / "render", [], np.zeros((10, 3, 19, 3)),
                                              KEPT_OUT, None, tmp_path / "work", torch.device("cpu"))
    assert judged == [("fine-tuned", KEPT_OUT), ("starting", KEPT_OUT)]
    assert note.startswith(f"weights: {'fine-tuned' if kept == 'fine-tuned' else 'the starting ones'}")
    tuned_psnr, started_psnr = (check_with(errors).renderer_psnr for errors in (tuned_errors, STARTING_ERRORS))
    assert (f"rebuilt at {tuned_psnr:.2f} dB PSNR by the fine-tuned weights, {started_psnr:.2f} dB by the starting "
            "ones") in note
    assert ("not a sure one" in note) == (kept == "starting" and tuned_psnr > started_psnr)
    after = read_renderer(model)[1]
    wanted = before if kept == "fine-tuned" else read_renderer(CHECKPOINTS_DIR / "render")[1]
    assert all(torch.equal(after["model"][name], wanted["model"][name]) for name in wanted["model"])
    # weights that never saw the clip are judged on the clip's own held-out frames, as rib interpolate judges them
    assert kept_out_frames(model) == (KEPT_OUT if kept == "fine-tuned" else None)


@pytest.mark.parametrize("tuned, started, sure", [
    ((1.0, 2.0), (2.0, 3.0), True),  # the same saving on every frame: no spread
    ((5.0,), (6.0,), True),  # one frame, lower
    ((), (), False),  # nothing judged
    ((1.0, 3.0, 1.0, 3.0), (2.0, 2.0, 2.0, 2.0), False),  # no saving on average
])
def test_a_sure_saving_is_a_mean_saving_of_a_few_standard_errors(tuned, started, sure):
    assert weights_choice.sure_saving(tuned, started) is sure


def test_the_start_weights_are_left_as_they_were(tmp_path, monkeypatch):
    start = tmp_path / "start"
    shutil.copytree(CHECKPOINTS_DIR / "render", start)
    monkeypatch.setattr(self_check, "judge", lambda *args: check_with((9.0, 9.0, 9.0) if args[5].name == "fine-tuned"
                                                                      else STARTING_ERRORS))
    before = (start / "model.pt").read_bytes()
    weights_choice.keep_better_weights(fine_tuned_copy(tmp_path / "model"), start, [], np.zeros((10, 3, 19, 3)),
                                       KEPT_OUT, None, tmp_path / "work", torch.device("cpu"))
    assert (start / "model.pt").read_bytes() == before
