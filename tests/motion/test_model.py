"""The motion transformer: size, shapes, masking, positional encoding, NaN guard, loss, overfitting."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from Human_Motion_Modelling.data.dataset import MotionDataset, compute_normaliser
from Human_Motion_Modelling.data.representation import MODEL_INPUTS, collate_windows, make_window
from Human_Motion_Modelling.models.losses import masked_l1, motion_loss
from Human_Motion_Modelling.models.position_encoding import SinePositionalEncoding
from Human_Motion_Modelling.models.transformer import build, gather_frames, hermite, keyframe_slopes
from rib.config import apply_overrides
from rib.errors import RIBError


def _inputs(batch):
    return {k: batch[k] for k in MODEL_INPUTS}


def test_default_model_has_about_two_million_parameters(tiny_config):
    config = apply_overrides(tiny_config, ["model.hidden_dim=128", "model.nheads=8", "model.dim_feedforward=256",
                                           "model.enc_layers=6", "model.dec_layers=6"])
    count = sum(p.numel() for p in build(config).parameters())
    assert 1.95e6 < count < 2.05e6  # the reference's 1,997,990 plus visibility inputs and null keys


def test_output_shapes_with_mixed_rates(tiny_config, tiny_normaliser):
    dataset = MotionDataset.from_config(tiny_config, "train_split", normaliser=tiny_normaliser)
    batch = collate_windows([dataset[i] for i in range(4)])
    out = build(tiny_config)(**_inputs(batch))
    k = batch["kf_valid"].shape[1]
    assert out["reco"].shape == (4, k, 19, 2) and out["pred"].shape == (4, 321, 19, 2)
    losses = motion_loss(out, batch, 5.0, 2.0)
    assert torch.isfinite(losses["total"]) and losses["total"] > 0


def test_positional_encoding_is_in_frame_units_without_duplicates():
    encoding = SinePositionalEncoding(128)
    assert len(torch.unique(encoding.frequencies)) == 64
    short = encoding(torch.arange(15.0)[None])
    long = encoding(torch.arange(321.0)[None])
    torch.testing.assert_close(short[0], long[0, :15])


def _window(keyframes, times, frames, length, normaliser):
    return collate_windows([make_window(keyframes, times, frames, length, normaliser).arrays()])


def _walk_keyframes(count):
    rng = np.random.default_rng(0)
    poses = np.concatenate([rng.normal(size=(count, 19, 2)), np.ones((count, 19, 1))], axis=-1)
    poses[:, 1, :2] = poses[:, 8, :2] + [0.0, -1.0]  # a visible torso
    return poses


def test_padding_does_not_change_predictions(tiny_config, tiny_normaliser):
    model = build(tiny_config).eval()
    keyframes, times = _walk_keyframes(4), np.arange(4) * 8
    with torch.no_grad():
        exact = model(**_inputs(_window(keyframes, times, 25, 25, tiny_normaliser)))["pred"]
        padded = model(**_inputs(_window(keyframes, times, 25, 321, tiny_normaliser)))["pred"]
    torch.testing.assert_close(exact[0], padded[0, :25], rtol=1e-4, atol=1e-5)


def test_single_keyframe_and_missing_keyframes_give_no_nan(tiny_config, tiny_normaliser):
    model = build(tiny_config)
    for parameter in model.head.parameters():  # a trained model's head is not zero
        torch.nn.init.normal_(parameter, std=0.1)
    single = _window(_walk_keyframes(1), np.array([0]), 5, 9, tiny_normaliser)
    keyframes = _walk_keyframes(3)
    keyframes[1:, :, 2] = 0.0  # only the first keyframe has a person
    gaps = _window(keyframes, np.array([0, 8, 16]), 17, 17, tiny_normaliser)
    for batch in (single, gaps):
        out = model(**_inputs(batch))
        assert torch.isfinite(out["pred"]).all() and torch.isfinite(out["reco"]).all()
        out["pred"].sum().backward()
        assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
        model.zero_grad()


def test_missing_joints_use_the_mask_token_not_their_coordinates(tiny_config, tiny_normaliser):
    model = build(tiny_config).eval()
    keyframes, times = _walk_keyframes(3), np.arange(3) * 4
    keyframes[1, 4, 2] = 0.0
    moved = keyframes.copy()
    moved[1, 4, :2] += 100.0  # a hidden joint's coordinates must not matter
    with torch.no_grad():
        first = model(**_inputs(_window(keyframes, times, 9, 9, tiny_normaliser)))["pred"]
        second = model(**_inputs(_window(moved, times, 9, 9, tiny_normaliser)))["pred"]
    torch.testing.assert_close(first, second)


def test_loss_supervises_keyframes_too():
    target = torch.zeros(1, 5, 19, 2)
    pred = torch.zeros(1, 5, 19, 2)
    pred[0, 0] = 1.0  # error on the keyframe only
    batch = {"target": target, "frame_valid": torch.ones(1, 5, dtype=torch.bool),
             "kf_time": torch.tensor([[0.0, 4.0]]), "kf_valid": torch.ones(1, 2, dtype=torch.bool)}
    losses = motion_loss({"pred": pred, "reco": torch.zeros(1, 2, 19, 2)}, batch, 5.0, 2.0)
    assert losses["2d"] == pytest.approx(0.2) and losses["denoise"] == 0
    assert masked_l1(pred, target, torch.zeros(1, 5, dtype=torch.bool)) == 0


@pytest.mark.slow
def test_overfits_tiny_dataset_far_below_linear_interpolation(tiny_config):
    config = apply_overrides(tiny_config, ["model.dropout=0.0", "data.max_seq_length=49", "data.rates=[16]"])
    torch.manual_seed(0)
    dataset = MotionDataset.from_config(config, "train_split")
    dataset.augmentation = None
    dataset.normaliser = compute_normaliser(dataset, 16, 0)
    batch = collate_windows([dataset[i] for i in range(2)])
    model = build(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    with torch.no_grad():  # an untrained model outputs exactly the linear interpolation of its keyframes
        linear = masked_l1(model(**_inputs(batch))["pred"], batch["target"], batch["frame_valid"]).item()
    for _ in range(150):
        loss = motion_loss(model(**_inputs(batch)), batch, 5.0, 2.0)["total"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        fitted = masked_l1(model(**_inputs(batch))["pred"], batch["target"], batch["frame_valid"]).item()
    assert fitted < 0.3 * linear, (fitted, linear)


def test_cubic_base_is_exact_on_quadratic_motion_between_missing_keyframes():
    """Hermite interpolation with Catmull-Rom slopes reproduces a quadratic path away from the ends, also across a
    missing keyframe (its neighbours' slopes and the span come from the keyframe times)."""
    times = torch.tensor([[0.0, 4.0, 8.0, 12.0, 16.0, 20.0]])
    valid = torch.tensor([[True, True, False, True, True, True]])
    values = (times ** 2)[..., None] / 10
    slopes = keyframe_slopes(values, times, valid)
    assert torch.allclose(slopes[0, [1, 3, 4], 0], 2 * times[0, [1, 3, 4]] / 10)  # central differences of t^2
    frames = torch.arange(4.0, 17.0)
    first = torch.tensor([1 if f < 12 else 3 if f < 16 else 4 for f in frames.tolist()])[None]
    second = torch.where(first == 1, 3, first + 1)
    span = torch.gather(times, 1, second) - torch.gather(times, 1, first)
    weight = (frames[None] - torch.gather(times, 1, first)) / span
    out = hermite(gather_frames(values, first), gather_frames(values, second), gather_frames(slopes, first),
                  gather_frames(slopes, second), span, weight)
    assert torch.allclose(out[0, :, 0], frames ** 2 / 10, atol=1e-4)


def test_unknown_base_is_an_error(tiny_config):
    with pytest.raises(RIBError, match="model.base"):
        build(apply_overrides(tiny_config, ["model.base=quintic"]))
