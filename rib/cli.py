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


def positive_int(text: str) -> int:
    """An integer >= 1, for argparse's ``type=`` (``--size 0`` or ``--batch-size -1`` are usage errors)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}': expected an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text}")
    return value


def positive_number(text: str) -> float:
    """A finite number > 0, for argparse's ``type=`` (e.g. a frame rate)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}': expected a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value
