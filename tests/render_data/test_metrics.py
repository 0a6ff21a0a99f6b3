"""Metric functions: masked PSNR/SSIM, temporal consistency, FID maths, LPIPS/Inception weight handling."""
import logging
import math

import numpy as np
import pytest
import torch
from scipy import linalg

from Pose_Guided_Neural_Rendering import metrics


def textured(height: int = 64, width: int = 96, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (height // 4, width // 4, 3)).astype(np.uint8)
    return np.kron(small, np.ones((4, 4, 1), np.uint8))


def centre_mask(height: int = 64, width: int = 96) -> np.ndarray:
    mask = np.zeros((height, width), np.uint8)
    mask[20:44, 30:66] = 1
    return mask


def test_identical_images_give_inf_psnr_and_unit_ssim():
    image = textured()
    mask = centre_mask()
    assert metrics.psnr(image, image) == math.inf and metrics.psnr(image, image, mask) == math.inf
    assert metrics.ssim(image, image) == pytest.approx(1.0, abs=1e-9)
    assert metrics.ssim(image, image, mask) == pytest.approx(1.0, abs=1e-9)


def test_masked_psnr_uses_only_mask_pixels():
    target = textured() // 2
    mask = centre_mask()
    pred = target.copy()
    pred[mask == 1] += 10  # an error of exactly 10 grey levels inside
    pred[:5] = 255 - target[:5]  # a huge error outside
    assert metrics.psnr(pred, target, mask) == pytest.approx(10 * np.log10(255**2 / 100))
    assert metrics.psnr(pred, target) < metrics.psnr(pred, target, mask) - 5


def test_masked_psnr_is_not_the_inflated_zeroed_image_score():
    rng = np.random.default_rng(1)
    target = textured()
    pred = np.clip(target + rng.normal(0, 20, target.shape), 0, 255).astype(np.uint8)
    mask = centre_mask()
    zeroed = metrics.psnr(pred * mask[..., None], target * mask[..., None])  # the reference's way
    assert metrics.psnr(pred, target, mask) == pytest.approx(metrics.psnr(pred, target), abs=0.5)
    assert zeroed > metrics.psnr(pred, target, mask) + 5


def test_masked_ssim_ignores_changes_away_from_the_mask():
    target = textured()
    mask = centre_mask()
    pred = target.copy()
    pred[:8] = 0  # far (> SSIM window radius) from the mask
    assert metrics.ssim(pred, target, mask) == pytest.approx(1.0, abs=1e-9)
    assert metrics.ssim(pred, target) < 0.95
    assert math.isnan(metrics.ssim(pred, target, np.zeros_like(mask)))
    assert math.isnan(metrics.psnr(pred, target, np.zeros_like(mask)))


def test_tof_is_zero_for_the_same_motion_and_measures_missing_motion():
    frames = [np.roll(textured(128, 160), 3 * k, axis=1) for k in range(2)]
    gt_flow = metrics.optical_flow(*frames)
    assert metrics.flow_difference(gt_flow, gt_flow) == 0
    frozen = metrics.optical_flow(frames[0], frames[0])
    assert 2.0 < metrics.flow_difference(frozen, gt_flow) < 4.0  # the GT moves 3 px, the output not at all


def textbook_fid(a: np.ndarray, b: np.ndarray) -> float:
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = np.real(linalg.sqrtm(cov_a @ cov_b))
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


@pytest.mark.parametrize("count", [400, 10])  # more samples than dimensions, and fewer
def test_frechet_distance_matches_the_textbook_formula(count):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(count, 16))
    other = rng.normal(size=(count + 3, 16)) * 1.5 + 0.3
    assert metrics.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)
    assert metrics.frechet_distance(features, features + 0.5) == pytest.approx(16 * 0.25, rel=1e-6)
    assert metrics.frechet_distance(features, other) == pytest.approx(textbook_fid(features, other), rel=1e-4)


def test_missing_weights_are_skipped_loudly(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    with caplog.at_level(logging.WARNING):
        assert metrics.load_optional(metrics.LPIPS, tmp_path, torch.device("cpu")) is None
        assert metrics.load_optional(metrics.InceptionFeatures, None, torch.device("cpu")) is None
    assert "LPIPS SKIPPED" in caplog.text and "FID SKIPPED" in caplog.text


@pytest.mark.slow
def test_lpips_and_inception_run_with_weight_files(random_weights, tmp_path, monkeypatch):
    """With (random) weight files where real ImageNet weights would be, both networks load and behave."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    lpips = metrics.load_optional(metrics.LPIPS, random_weights, torch.device("cpu"))
    a, b = textured(seed=0), textured(seed=1)
    distances = lpips([a, a], [a, b])
    assert distances.shape == (2,) and distances[0] == pytest.approx(0.0, abs=1e-6) and distances[1] > 0
    features = metrics.load_optional(metrics.InceptionFeatures, random_weights, torch.device("cpu"))([a, b])
    assert features.shape == (2, 2048) and np.isfinite(features).all()
