"""Argument types shared by the command-line scripts."""
from __future__ import annotations

import argparse
import math


def parse_size(text: str) -> tuple[int, int]:
    """``768x512`` -> (768, 512): a positive WIDTHxHEIGHT, for argparse's ``type=``."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size '{text}': expected WIDTHxHEIGHT, e.g. 768x512") from None
    if width <= 0 or height <= 0:
        raise argparse.ArgumentTypeError(f"size '{text}': width and height must be positive")
    return width, height


def int_at_least(text: str, minimum: int, meaning: str = "") -> int:
    """``text`` as an integer >= ``minimum``, or an argparse usage error (``meaning`` explains the bound)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}': expected an integer") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}{meaning}, got {text}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1, for argparse's ``type=`` (``--size 0`` or ``--batch-size -1`` are usage errors)."""
    return int_at_least(text, 1)


def frame_index(text: str) -> int:
    """A frame index, an integer >= 0, for argparse's ``type=``."""
    return int_at_least(text, 0, " (a frame index)")


def upsample_rate(text: str) -> int:
    """An upsampling rate R (frames per input interval), an integer >= 2, for argparse's ``type=``.

    R = 1 has no in-between frame: every stage refuses it up front, so no stage writes before another rejects it.
    """
    return int_at_least(text, 2, " (frames per input interval)")


def positive_number(text: str) -> float:
    """A finite number > 0, for argparse's ``type=`` (e.g. a frame rate)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}': expected a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value
