"""The extension-point registries: every CLI offers exactly the registered names, and each registry is complete."""
from __future__ import annotations

import argparse

import pytest
import torch

from HumanSloMo_Dataset import backgrounds
from HumanSloMo_Dataset.estimate_poses import build_parser as estimate_poses_parser
from HumanSloMo_Dataset.interpolate_backgrounds import build_parser as interpolate_backgrounds_parser
from HumanSloMo_Dataset.poses import estimate
from Human_Motion_Modelling.models.losses import LOSSES, loss_weights, motion_loss
from rib.errors import RIBError
from rib_pipeline.common import add_input_arguments
from tests.bench_scripts import load_bench_script


def choices(parser: argparse.ArgumentParser, option: str) -> list[str]:
    """The ``choices`` of ``option`` in ``parser``, in their order."""
    (action,) = [action for action in parser._actions if option in action.option_strings]
    return list(action.choices)


def bench_backgrounds_parser() -> argparse.ArgumentParser:
    return load_bench_script("backgrounds").build_parser()


def pipeline_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_input_arguments(parser)
    return parser


@pytest.mark.parametrize("parser, option", [(interpolate_backgrounds_parser, "--backend"),
                                            (pipeline_parser, "--background"),
                                            (bench_backgrounds_parser, "--backends")])
def test_background_choices_are_the_registry(parser, option):
    assert choices(parser(), option) == list(backgrounds.BACKENDS) == ["blend", "dis", "rife", "rife39"]


def test_pose_choices_are_the_registry():
    assert choices(estimate_poses_parser(), "--backend") == list(estimate.BACKENDS) == [
        "mediapipe", "alphapose", "openpose"]
    assert [name for name, backend in estimate.BACKENDS.items() if backend.converts] == ["alphapose", "openpose"]


def test_unknown_names_are_refused_with_the_registered_ones():
    with pytest.raises(RIBError, match="choose from blend, dis, rife, rife39"):
        backgrounds.build("nope")
    with pytest.raises(RIBError, match="choose from mediapipe, alphapose, openpose"):
        estimate.get_backend("nope")


def test_a_registered_background_backend_is_built(monkeypatch):
    made = backgrounds.build("blend")
    monkeypatch.setitem(backgrounds.BACKENDS, "mine", lambda max_side, device: made)
    assert backgrounds.build("mine", 64) is made


def test_motion_losses_have_one_weight_each_and_are_all_returned():
    assert list(loss_weights(2.0)) == list(LOSSES) == ["denoise", "2d"]
    target = torch.ones(1, 3, 19, 2)
    batch = {"target": target, "kf_time": torch.tensor([[0.0, 2.0]]), "kf_valid": torch.ones(1, 2, dtype=torch.bool),
             "frame_valid": torch.ones(1, 3, dtype=torch.bool)}
    outputs = {"reco": torch.zeros(1, 2, 19, 2), "pred": torch.full((1, 3, 19, 2), 0.5)}
    losses = motion_loss(outputs, batch, w_2d=5.0, w_condition=2.0)
    assert list(losses) == [*LOSSES, "total"]
    assert float(losses["total"]) == pytest.approx(5.0 * (2.0 * 1.0 + 0.5))
