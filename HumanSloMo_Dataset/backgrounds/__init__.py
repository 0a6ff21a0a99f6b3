"""Background interpolators: ``blend`` (cross-fade), ``dis`` (OpenCV DIS flow) and ``rife`` (RIFE HDv3)."""
from __future__ import annotations

from HumanSloMo_Dataset.backgrounds.base import Interpolator
from rib.errors import RIBError

BACKENDS = ("blend", "dis", "rife")
MIN_MAX_SIDE = 32
"""Smallest ``max_side``: motion estimated on smaller frames is meaningless (and DIS fails below 12 pixels)."""


def build(name: str, max_side: int = 1024, device: str = "auto") -> Interpolator:
    """The interpolator called ``name``; motion is estimated on frames shrunk to at most ``max_side`` pixels."""
    if max_side < MIN_MAX_SIDE:
        raise RIBError(f"--max-side {max_side}: must be at least {MIN_MAX_SIDE} pixels")
    if name == "blend":
        from HumanSloMo_Dataset.backgrounds.blend import BlendInterpolator

        return BlendInterpolator()
    if name == "dis":
        from HumanSloMo_Dataset.backgrounds.dis import DISInterpolator

        return DISInterpolator(max_side)
    if name == "rife":
        from HumanSloMo_Dataset.backgrounds.rife import RIFEInterpolator

        return RIFEInterpolator(max_side, device)
    raise RIBError(f"unknown background interpolator '{name}' (choose from {', '.join(BACKENDS)})")
