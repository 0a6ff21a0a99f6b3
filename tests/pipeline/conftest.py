"""Videos made with the bundled ffmpeg for the ``rib`` command's tests."""
from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from rib.paths import CHECKPOINTS_DIR


def make_video(path: Path, sources: list[str], fps: int = 10, seconds: float = 1.0, audio: bool = True,
               size: str = "96x64") -> Path:
    """An H.264 mp4 of the lavfi ``sources`` (e.g. ``testsrc2``) played one after the other, ``seconds`` each,
    with a 440 Hz sine (AAC) when ``audio``."""
    inputs, labels = [], []
    for index, name in enumerate(sources):
        options = f"size={size}:rate={fps}"
        inputs += ["-t", str(seconds), "-f", "lavfi", "-i", f"{name}:{options}" if "=" in name else f"{name}={options}"]
        labels.append(f"[{index}:v]")
    filters = f"{''.join(labels)}concat=n={len(sources)}:v=1:a=0[v]"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", *inputs]
    if audio:
        command += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=22050:duration={seconds * len(sources)}"]
    command += ["-filter_complex", filters, "-map", "[v]", "-c:v", "libx264", "-pix_fmt", "yuv420p"]
    command += ["-map", f"{len(sources)}:a", "-c:a", "aac"] if audio else []
    subprocess.run([*command, str(path)], check=True)
    return path


def streams(path: Path) -> str:
    """ffmpeg's description of the streams of ``path``."""
    return subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True,
                          text=True).stderr


@pytest.fixture
def no_person_video(tmp_path: Path) -> Path:
    """1 s of ffmpeg's moving test pattern at 10 fps, 96x64, with a sine audio track: nobody in it (MediaPipe
    sees a person in one frame of ``testsrc2``, none in ``testsrc``)."""
    return make_video(tmp_path / "pattern.mp4", ["testsrc"])


@pytest.fixture
def renderer_dir() -> Path:
    """The shipped renderer (tests that render a person skip while it is absent)."""
    folder = CHECKPOINTS_DIR / "render"
    if not any((folder / name).is_file() for name in ("model.pt", "generator.pt")):
        pytest.skip("checkpoints/render holds no renderer")
    return folder


@pytest.fixture
def unused_renderer(tmp_path: Path) -> Path:
    """A renderer folder whose weights are never loaded (for videos without a person, nothing is rendered)."""
    folder = tmp_path / "unused_renderer"
    folder.mkdir()
    (folder / "model.pt").write_bytes(b"never loaded")
    return folder
