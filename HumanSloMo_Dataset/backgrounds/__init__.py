"""Background interpolators: ``blend`` (cross-fade), ``dis`` (OpenCV DIS flow), ``rife`` (RIFE HDv3, v3.8) and
``rife39`` (Practical-RIFE v3.9, any timestep in one pass).

:data:`BACKENDS` is the registry every command takes its ``--backend``/``--background`` choices from. To add a
backend, subclass :class:`~HumanSloMo_Dataset.backgrounds.base.Interpolator` in a module of this package and add a
factory ``name: lambda max_side, device: MyInterpolator(...)`` to :data:`BACKENDS` (import inside the factory when
the module is heavy, as ``rife`` does).
"""
from __future__ import annotations

from typing import Callable

from HumanSloMo_Dataset.backgrounds.base import MAX_SIDE, Interpolator
from rib.errors import RIBError

Factory = Callable[[int, str], Interpolator]
"""Makes a backend's interpolator from ``max_side`` (motion estimation size) and ``device`` (torch device name)."""

MIN_MAX_SIDE = 32
"""Smallest ``max_side``: motion estimated on smaller frames is meaningless (and DIS fails below 12 pixels)."""


def _blend(max_side: int, device: str) -> Interpolator:
    from HumanSloMo_Dataset.backgrounds.blend import BlendInterpolator

    return BlendInterpolator()


def _dis(max_side: int, device: str) -> Interpolator:
    from HumanSloMo_Dataset.backgrounds.dis import DISInterpolator

    return DISInterpolator(max_side)


def _rife(max_side: int, device: str) -> Interpolator:
    from HumanSloMo_Dataset.backgrounds.rife import RIFEInterpolator

    return RIFEInterpolator(max_side, device)


def _rife39(max_side: int, device: str) -> Interpolator:
    from HumanSloMo_Dataset.backgrounds.rife39 import RIFE39Interpolator

    return RIFE39Interpolator(max_side, device)


BACKENDS: dict[str, Factory] = {"blend": _blend, "dis": _dis, "rife": _rife, "rife39": _rife39}
"""Every background interpolator by name (the CLI choices, in this order)."""


def build(name: str, max_side: int = MAX_SIDE, device: str = "auto") -> Interpolator:
    """The interpolator called ``name``; motion is estimated on frames shrunk to at most ``max_side`` pixels."""
    if max_side < MIN_MAX_SIDE:
        raise RIBError(f"--max-side {max_side}: must be at least {MIN_MAX_SIDE} pixels")
    if name not in BACKENDS:
        raise RIBError(f"unknown background interpolator '{name}' (choose from {', '.join(BACKENDS)})")
    return BACKENDS[name](max_side, device)
