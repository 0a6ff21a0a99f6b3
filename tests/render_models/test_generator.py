"""Generator and discriminator shapes, parameter counts, and the folded (inference) form of the generator."""
from __future__ import annotations

import inspect

import pytest
import torch

from Pose_Guided_Neural_Rendering.spade_gan.models import discriminators, generator
from Pose_Guided_Neural_Rendering.spade_gan.models.blocks import fold_spectral_norm
from rib.config import load_config
from rib.errors import RIBError
from tests.render_models.conftest import CONFIGS, tiny_config


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_reference_parameter_counts():
    config = load_config(CONFIGS / "HSM.yaml")
    g = generator.build(config)
    assert count(g) == pytest.approx(30.64e6, rel=0.002)  # the reference without label_embedding / conv_mask
    assert count(g.mask) == pytest.approx(6.62e6, rel=0.002)
    d = discriminators.build(config)
    assert count(d.image.scales[0]) == pytest.approx(2.81e6, rel=0.005)
    assert count(d.face) == pytest.approx(0.69e6, rel=0.01)
    assert count(d.hand) == pytest.approx(0.69e6, rel=0.01)


def test_forward_shapes_and_ranges():
    torch.manual_seed(0)
    g = generator.build(tiny_config())
    assert list(inspect.signature(g.forward).parameters) == ["label", "background", "previous"]
    label, background, previous = torch.rand(2, 22, 64, 96), torch.rand(2, 3, 64, 96) * 2 - 1, torch.zeros(2, 3, 64, 96)
    generated, alpha = g(label, background, previous)
    assert generated.shape == (2, 3, 64, 96) and alpha.shape == (2, 1, 64, 96)
    assert generated.abs().max() <= 1 and 0 <= alpha.min() and alpha.max() <= 1
    fused = generator.composite(generated, alpha, background)
    assert torch.allclose(fused, alpha * generated + (1 - alpha) * background, atol=1e-6)


def test_size_must_divide():
    g = generator.build(tiny_config())
    with pytest.raises(RIBError, match="multiples of 4"):
        g(torch.zeros(1, 22, 66, 96), torch.zeros(1, 3, 66, 96), torch.zeros(1, 3, 66, 96))


def test_folded_generator_equals_spectral_norm_generator():
    torch.manual_seed(1)
    g = generator.build(tiny_config())
    inputs = (torch.rand(2, 22, 64, 96), torch.rand(2, 3, 64, 96), torch.rand(2, 3, 64, 96))
    for _ in range(3):  # training-mode calls move the power-iteration vectors away from their start
        g(*inputs)
    g.eval()
    with torch.no_grad():
        expected = g(*inputs)
        folded = generator.for_inference(g)
        assert not any("parametrizations" in key for key in folded.state_dict())
        state = generator.inference_state(g, (96, 64))
        plain = generator.load_plain(state["hparams"], state["state_dict"])
        after = g(*inputs)  # the original is untouched by folding a copy
        for model in (folded, plain):
            got = model(*(x.contiguous(memory_format=torch.channels_last) for x in inputs))
            for a, b in zip(got, expected):
                torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
        for a, b in zip(after, expected):
            torch.testing.assert_close(a, b, atol=0, rtol=0)


def test_fold_spectral_norm_in_place():
    layer = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Conv2d(3, 4, 3))
    layer(torch.rand(1, 3, 8, 8))
    layer.eval()
    x = torch.rand(1, 3, 8, 8)
    with torch.no_grad():
        expected = layer(x)
        fold_spectral_norm(layer)
        torch.testing.assert_close(layer(x), expected)
    assert set(dict(layer.named_parameters())) == {"weight", "bias"}


def test_embed_levels_must_match():
    config = tiny_config()
    config["gen"]["embed"]["num_downsamples"] = 3
    with pytest.raises(RIBError, match="num_downsamples"):
        generator.build(config)
