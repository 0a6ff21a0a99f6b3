"""example/make_video.py answers --help and refuses stray arguments without touching example/example.mp4."""
from __future__ import annotations

import subprocess
import sys

from rib.paths import EXAMPLE_DIR


def test_help_and_bad_arguments_leave_the_example_video_alone() -> None:
    video = EXAMPLE_DIR / "example.mp4"
    before = video.stat().st_mtime_ns, video.read_bytes()
    script = EXAMPLE_DIR / "make_video.py"
    shown = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, cwd=EXAMPLE_DIR)
    assert shown.returncode == 0 and "example.mp4" in shown.stdout
    refused = subprocess.run([sys.executable, str(script), "--rate", "4"], capture_output=True, text=True)
    assert refused.returncode == 2 and "unrecognized arguments: --rate 4" in refused.stderr
    assert (video.stat().st_mtime_ns, video.read_bytes()) == before
