"""Image and video quality metrics of the renderer (shared by evaluate.py and the benchmarks).

Images are RGB uint8 (H, W, 3); masks are (H, W) in {0, 1}. PSNR and SSIM follow scikit-image; the person-region
variants use only the mask's pixels (the MSE over mask pixels, the SSIM map averaged over the mask), never images
multiplied by the mask. LPIPS (AlexNet) and FID (torchvision Inception-v3 pool features) need ImageNet weights that
are looked up in a given folder or the torch hub cache and are never downloaded. Temporal consistency is tOF: the
mean end-point difference between the optical flow (OpenCV DIS) of consecutive output frames and that of
consecutive ground-truth frames.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import cv2
import numpy as np
import torch
from skimage.metrics import structural_similarity

log = logging.getLogger(__name__)

DATA_RANGE = 255.0


def psnr(pred: np.ndarray, target: np.ndarray, mask: np.ndarray | None = None) -> float:
    """PSNR in dB over all pixels, or over the pixels of ``mask`` only; inf when they are equal, nan if empty."""
    error = (pred.astype(np.float64) - target.astype(np.float64)) ** 2
    if mask is not None:
        error = error[mask.astype(bool)]
    if error.size == 0:
        return float("nan")
    mse = float(error.mean())
    return float("inf") if mse == 0 else float(10.0 * np.log10(DATA_RANGE ** 2 / mse))


def ssim_map(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-pixel SSIM (H, W), averaged over colour channels (Gaussian window, sigma 1.5, as Wang et al.)."""
    _, full = structural_similarity(pred, target, channel_axis=2, data_range=DATA_RANGE, gaussian_weights=True,
                                    sigma=1.5, use_sample_covariance=False, full=True)
    return full.mean(axis=2)


def mask_mean(values: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean of a per-pixel map over all pixels, or over the pixels of ``mask`` only (nan if the mask is empty)."""
    if mask is not None:
        values = values[mask.astype(bool)]
    return float(values.mean()) if values.size else float("nan")


def ssim(pred: np.ndarray, target: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean SSIM over the image, or over the pixels of ``mask`` only (nan if the mask is empty)."""
    return mask_mean(ssim_map(pred, target), mask)


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Grow a {0, 1} mask by ``radius`` pixels (elliptic structuring element)."""
    if radius <= 0:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(mask, kernel)


_DIS = None


def optical_flow(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Dense flow (H, W, 2) from ``first`` to ``second`` (OpenCV DIS, medium preset, on grey images)."""
    global _DIS
    if _DIS is None:
        _DIS = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    grey = [cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) for image in (first, second)]
    return _DIS.calc(grey[0], grey[1], None)


def flow_difference(pred_flow: np.ndarray, target_flow: np.ndarray) -> float:
    """tOF of one step: mean end-point distance between the predicted and the ground-truth motion (pixels)."""
    return float(np.linalg.norm(pred_flow - target_flow, axis=2).mean())


def _covariance_factor(features: np.ndarray) -> np.ndarray:
    """F with F @ F.T equal to the covariance of ``features`` (N, D): the centred samples when N <= D (cheap and
    exact for small sets), else the symmetric square root of the covariance."""
    centred = features - features.mean(axis=0)
    count, dims = centred.shape
    if count <= dims:
        return centred.T / np.sqrt(max(count - 1, 1))
    values, vectors = np.linalg.eigh(np.cov(features, rowvar=False))
    return vectors * np.sqrt(np.clip(values, 0.0, None))


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N, D) (the FID formula).

    The trace of sqrtm(Ca Cb) is computed as the nuclear norm of Fa.T Fb (C = F F.T), which is exact, needs no
    matrix square root of a non-symmetric product, and stays fast for few samples in 2048 dimensions.
    """
    factor_a, factor_b = _covariance_factor(features_a), _covariance_factor(features_b)
    cross = np.linalg.svd(factor_a.T @ factor_b, compute_uv=False).sum()
    mean_gap = ((features_a.mean(axis=0) - features_b.mean(axis=0)) ** 2).sum()
    return float(mean_gap + (factor_a ** 2).sum() + (factor_b ** 2).sum() - 2.0 * cross)


def find_weights(filename: str, weights_dir: str | os.PathLike | None = None) -> Path | None:
    """A pretrained weight file: in ``weights_dir`` (itself or its ``checkpoints/``), else the torch hub cache."""
    folders = [Path(weights_dir), Path(weights_dir) / "checkpoints"] if weights_dir else []
    folders.append(Path(torch.hub.get_dir()) / "checkpoints")
    return next((folder / filename for folder in folders if (folder / filename).is_file()), None)


def _to_tensor(images: list[np.ndarray], device: torch.device) -> torch.Tensor:
    """RGB uint8 images -> (N, 3, H, W) float in [-1, 1]."""
    batch = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float()
    return (batch / 127.5 - 1.0).to(device)


class LPIPS:
    """LPIPS (AlexNet) with torchmetrics' bundled linear heads and torchvision AlexNet ImageNet weights from a file."""

    WEIGHTS = "alexnet-owt-7be5be79.pth"

    def __init__(self, weights: str | os.PathLike, device: torch.device = torch.device("cpu")):
        from torchmetrics.functional.image.lpips import _LPIPS

        self.device = device
        self.model = _LPIPS(pretrained=True, net="alex", pnet_rand=True)  # random backbone, replaced below
        state = torch.load(weights, map_location="cpu", weights_only=True)
        features = {key.removeprefix("features."): value for key, value in state.items()
                    if key.startswith("features.")}
        self.model.net.load_state_dict({name: features[name.split(".", 1)[1]]
                                        for name, _ in self.model.net.named_parameters()})
        self.model.to(device).eval()

    @torch.no_grad()
    def __call__(self, preds: list[np.ndarray], targets: list[np.ndarray]) -> np.ndarray:
        """LPIPS distance of each pair (lower is better)."""
        distance = self.model(_to_tensor(preds, self.device), _to_tensor(targets, self.device))
        return distance.reshape(-1).cpu().numpy()


class InceptionFeatures:
    """2048-d pool features of torchvision's Inception-v3 (ImageNet weights from a file) for FID."""

    WEIGHTS = "inception_v3_google-0cc3c7bd.pth"

    def __init__(self, weights: str | os.PathLike, device: torch.device = torch.device("cpu")):
        from torchvision.models import inception_v3

        self.device = device
        self.model = inception_v3(weights=None, aux_logits=True, init_weights=False, transform_input=False)
        self.model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        self.model.fc = torch.nn.Identity()
        self.model.to(device).eval()

    @torch.no_grad()
    def __call__(self, images: list[np.ndarray]) -> np.ndarray:
        batch = torch.nn.functional.interpolate(_to_tensor(images, self.device), size=(299, 299), mode="bilinear",
                                                align_corners=False, antialias=True)
        return self.model(batch).cpu().numpy().astype(np.float64)


def load_optional(kind: type, weights_dir: str | os.PathLike | None, device: torch.device):
    """An :class:`LPIPS` or :class:`InceptionFeatures` when its weights are found, else ``None`` with a warning."""
    path = find_weights(kind.WEIGHTS, weights_dir)
    if path is None:
        where = f"{weights_dir} or " if weights_dir else ""
        log.warning("%s SKIPPED: ImageNet weights %s not found in %s%s (never downloaded; pass --weights-dir)",
                    "LPIPS" if kind is LPIPS else "FID", kind.WEIGHTS, where, Path(torch.hub.get_dir()) / "checkpoints")
        return None
    return kind(path, device)
