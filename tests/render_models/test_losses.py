"""Every loss is finite, moves when its input moves, and the perceptual loss never runs without real weights."""
from __future__ import annotations

import logging

import pytest
import torch
from torchvision.models import vgg19

from Pose_Guided_Neural_Rendering.spade_gan.models import discriminators, losses, vgg
from rib.errors import RIBError
from tests.render_models.conftest import tiny_config


def moves(fn, *inputs: torch.Tensor) -> None:
    """``fn`` is finite, has a non-zero gradient for its first input, and changes when that input changes."""
    first = inputs[0].clone().requires_grad_(True)
    value = fn(first, *inputs[1:])
    assert torch.isfinite(value) and value.ndim == 0
    value.backward()
    assert first.grad is not None and first.grad.abs().sum() > 0
    with torch.no_grad():
        shifted = fn(first + 0.1 * torch.randn_like(first), *inputs[1:])
    assert not torch.isclose(shifted, value.detach())


@pytest.fixture
def images():
    torch.manual_seed(0)
    return torch.rand(2, 3, 32, 48) * 2 - 1, torch.rand(2, 3, 32, 48) * 2 - 1


def test_hinge_losses():
    logits = torch.randn(4, 1, 6, 6)
    moves(lambda x: losses.hinge_d(x, torch.randn(4, 1, 6, 6)), logits)
    moves(lambda x: losses.hinge_d(torch.randn(4, 1, 6, 6), x), logits)
    moves(losses.hinge_g, logits)
    assert losses.hinge_d(torch.full((2, 1, 3, 3), 2.0), torch.full((2, 1, 3, 3), -2.0)) == 0


def test_weighted_mean_ignores_invalid_samples():
    values = torch.tensor([[1.0, 1.0], [5.0, 5.0]])
    assert losses.weighted_mean(values, torch.tensor([1.0, 0.0])) == 1
    assert losses.weighted_mean(values, torch.tensor([0.0, 0.0])) == 0
    assert losses.weighted_mean(values) == 3


def test_feature_matching_and_l1s(images):
    fake, real = images
    feats = [torch.randn(2, 4, 8, 8), torch.randn(2, 8, 4, 4)]
    moves(lambda f: losses.feature_matching(feats, [f, feats[1] + 1]), torch.randn(2, 4, 8, 8))
    mask = (torch.rand(2, 1, 32, 48) > 0.5).float()
    moves(lambda g: losses.masked_l1(g, real, mask), fake)
    assert losses.masked_l1(real, real, mask) == 0
    # only the 10% full-frame term sees pixels outside the mask
    outside = real + 1 - mask
    assert losses.masked_l1(outside, real, mask) == pytest.approx(((1 - mask).expand_as(real).mean() / 10).item())


def test_mask_regularisation_is_batch_normalised():
    alpha = torch.rand(1, 1, 16, 16)
    moves(losses.mask_regularisation, alpha)
    assert losses.mask_regularisation(alpha.repeat(3, 1, 1, 1)) == pytest.approx(
        losses.mask_regularisation(alpha).item())
    assert losses.mask_regularisation(torch.zeros(2, 1, 8, 8)) == 0


@pytest.fixture(scope="module")
def vgg_file(tmp_path_factory):
    """A torchvision VGG19 state dict with random weights, in the layout of the real ImageNet file."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("vgg") / vgg.TORCHVISION_FILE
    torch.save(vgg19(weights=None).state_dict(), path)
    return path


@pytest.mark.slow
def test_perceptual_loss_from_given_weights(vgg_file, images):
    features = vgg.load(list(vgg.LAYER_INDEX), vgg_file)
    assert not any(p.requires_grad for p in features.parameters())
    saved = torch.load(vgg_file, mmap=True)
    torch.testing.assert_close(features.features[28].weight, saved["features.28.weight"])
    loss = losses.PerceptualLoss(features, [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1])
    moves(loss, *images)
    assert loss(images[1], images[1]) == 0
    features.train()
    assert not features.training


@pytest.mark.slow
def test_perceptual_loss_read_from_torch_home(vgg_file, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "hub" / "checkpoints").mkdir(parents=True)
    (home / "hub" / "checkpoints" / vgg.TORCHVISION_FILE).symlink_to(vgg_file)
    monkeypatch.setenv("TORCH_HOME", str(home))
    config = tiny_config()
    config["loss"]["perceptual"] = {"weight": 10.0}
    built = losses.build(config)
    assert built.perceptual is not None and built.perceptual_weight == 10


def test_perceptual_loss_refuses_without_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    config = tiny_config()
    config["loss"]["perceptual"] = {"weight": 10.0}
    with pytest.raises(RIBError, match=r"VGG19 ImageNet weights not found.*weight: 0.*Nothing is downloaded"):
        losses.build(config)
    config["loss"]["perceptual"] = {"weight": 10.0, "weights_path": str(tmp_path / "missing.pth")}
    with pytest.raises(RIBError, match="missing.pth"):
        losses.build(config)


def test_perceptual_weight_zero_is_loud(caplog):
    with caplog.at_level(logging.WARNING):
        built = losses.build(tiny_config())
    assert built.perceptual is None
    assert "PERCEPTUAL LOSS DISABLED" in caplog.text


def test_render_losses_on_discriminator_outputs(vgg_file):
    torch.manual_seed(0)
    config = tiny_config()
    config["loss"]["perceptual"] = {"weight": 10.0, "weights_path": str(vgg_file)}
    objective = losses.build(config)
    dis = discriminators.build(config)
    label = torch.rand(2, 22, 64, 96)
    real, background = torch.rand(2, 3, 64, 96) * 2 - 1, torch.rand(2, 3, 64, 96) * 2 - 1
    mask = torch.zeros(2, 1, 64, 96)
    mask[..., 10:50, 30:60] = 1
    joints = torch.tensor([[48, 20, 1], [48, 28, 1]] + [[0, 0, 0]] * 6 + [[48, 50, 1]] + [[0, 0, 0]] * 8
                          + [[30, 40, 1], [0, 0, 0]], dtype=torch.float32).repeat(2, 1, 1)
    generated = (torch.rand(2, 3, 64, 96) * 2 - 1).requires_grad_(True)
    alpha = torch.rand(2, 1, 64, 96).requires_grad_(True)
    fused = alpha * generated + (1 - alpha) * background
    d_keys = objective.discriminator_keys(dis.keys)
    assert d_keys == ("raw", "face", "hand")  # the fuse pair has GAN weight 0 ...
    assert objective.generator_keys(dis.keys) == ("fuse", "raw", "face", "hand")  # ... but feature matching
    total_d, logs_d = objective.discriminator(dis(d_keys, label, real, generated.detach(), fused.detach(), mask,
                                                  joints))
    assert torch.isfinite(total_d) and set(logs_d) == {"raw", "face", "hand", "total"}
    total_d.backward()
    assert all(p.grad is not None for p in dis.parameters())
    total_g, logs_g = objective.generator(dis(dis.keys, label, real, generated, fused, mask, joints), real, generated,
                                          fused, alpha, mask)
    assert set(logs_g) == {"loss_GAN_G", "loss_FM", "loss_L1", "loss_feature", "mask", "total"}
    assert all(torch.isfinite(v) for v in logs_g.values())
    total_g.backward()
    assert generated.grad.abs().sum() > 0 and alpha.grad.abs().sum() > 0
