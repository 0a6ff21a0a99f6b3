"""Regenerate example/example.mp4, the demo's input video, from the 15-fps frames of example/inputs/<clip>.

    python example/make_video.py
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rib.frames import list_clips, list_frames, read_image  # noqa: E402
from rib.names import INPUTS  # noqa: E402
from rib.paths import EXAMPLE_DIR  # noqa: E402
from rib.video import write_video  # noqa: E402

FPS = 15
"""The example clip's input rate (60-fps ground truth, every 4th frame)."""
QUALITY = 5
"""imageio-ffmpeg quality (0-10): about 300 KB for the 7 frames."""
OUTPUT = EXAMPLE_DIR / "example.mp4"


def main(argv: Sequence[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog=f"Writes {OUTPUT} ({FPS} fps, imageio-ffmpeg quality {QUALITY}); takes no other "
                                   "arguments.").parse_args(argv)
    (clip,) = list_clips(EXAMPLE_DIR / INPUTS)
    count = write_video(OUTPUT, (read_image(path) for path in list_frames(clip)), FPS, quality=QUALITY)
    print(f"{OUTPUT}: {count} frames at {FPS} fps, {OUTPUT.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
