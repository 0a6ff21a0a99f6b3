"""Argument types shared by the command-line scripts."""
from __future__ import annotations

import argparse


def parse_size(text: str) -> tuple[int, int]:
    """``768x512`` -> (768, 512): a positive WIDTHxHEIGHT, for argparse's ``type=``."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size '{text}': expected WIDTHxHEIGHT, e.g. 768x512") from None
    if width <= 0 or height <= 0:
        raise argparse.ArgumentTypeError(f"size '{text}': width and height must be positive")
    return width, height
