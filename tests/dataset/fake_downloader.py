"""A stand-in for yt-dlp used by the download tests: writes a tiny real mp4, never touches the network.

Videos whose id starts with ``fail`` raise, like a removed YouTube video; every call is recorded in CALLS.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rib.video import write_video

CALLS: list[tuple[str, str, str]] = []


def download(url: str, output_stem: Path, selector: str) -> None:
    CALLS.append((url, str(output_stem), selector))
    if url.rsplit("=", 1)[-1].startswith("fail"):
        raise ConnectionError("HTTP Error 404: video unavailable")
    frames = (np.full((32, 48, 3), 40 * i, np.uint8) for i in range(4))
    write_video(f"{output_stem}.mp4", frames, fps=24)
