"""Issue 21 end to end: variable frame rate, pixel aspect ratio and odd sizes through ``rib interpolate``; SIGTERM
of a real run; ``rib finetune --steps/--epochs/--resume/--overwrite``."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import imageio_ffmpeg
import pytest

from rib.engine import history_summary
from rib.frames import list_clips
from rib.paths import EXAMPLE_DIR
from rib_pipeline.cli import main
from rib.video import video_info
from tests.pipeline.conftest import streams
from tests.pipeline.test_bad_input import fails

pytest.importorskip("mediapipe")
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
REPO = Path(__file__).resolve().parents[2]


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-y", "-loglevel", "error", *args], check=True)


def seconds(path: Path, stream: str) -> float:
    """Duration of the first ``stream`` (``v`` or ``a``) of ``path``, from its packets."""
    out = subprocess.run([FFMPEG, "-hide_banner", "-i", str(path), "-map", f"0:{stream}:0", "-c", "copy", "-f",
                          "framecrc", "-"], capture_output=True, text=True).stdout
    base = next(line for line in out.splitlines() if line.startswith("#tb 0:")).split(":")[1].strip().split("/")
    rows = [[int(v) for v in line.split(",")[2:4]] for line in out.splitlines() if line.startswith("0,")]
    return (max(p + d for p, d in rows) - min(p for p, _ in rows)) * int(base[0]) / int(base[1])


@pytest.mark.slow
def test_a_variable_frame_rate_video_keeps_its_duration_and_audio(unused_renderer, tmp_path, capsys):
    video = tmp_path / "phone.mp4"  # 30 fps nominal, every 10th frame dropped, 2 s of audio
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=30", "-f", "lavfi", "-i", "sine=sample_rate=22050",
           "-t", "2", "-vf", "select='not(eq(mod(n,10),9))'", "-fps_mode", "vfr", "-c:v", "libx264", "-pix_fmt",
           "yuv420p", "-c:a", "aac", "-shortest", str(video))
    out = tmp_path / "out.mp4"
    main([str(a) for a in ["interpolate", video, "-o", out, "--rate", 2, "--renderer", unused_renderer]])
    summary = capsys.readouterr().out
    assert "variable frame rate input (54 frames" in summary and "read at a constant 30 fps first" in summary
    assert abs(seconds(out, "v") - 2.0) <= 1 / 60 and abs(seconds(out, "v") - seconds(out, "a")) <= 0.040
    assert video_info(out).num_frames == 120


@pytest.mark.slow
def test_pixel_aspect_ratio_and_odd_size_end_to_end(unused_renderer, tmp_path, capsys):
    video = tmp_path / "wide.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=63x47:rate=10", "-t", "0.5", "-vf", "setsar=2", "-c:v", "libx264",
           "-pix_fmt", "yuv444p", str(video))
    out = tmp_path / "out.mp4"
    main([str(a) for a in ["interpolate", video, "-o", out, "--rate", 2, "--renderer", unused_renderer]])
    assert "odd size 63x47 written as 64x48" in capsys.readouterr().out
    assert "64x48 [SAR 2:1 DAR 8:3]" in streams(out)


@pytest.mark.slow
def test_sigterm_of_a_real_run_leaves_nothing_behind(unused_renderer, tmp_path):
    video = tmp_path / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "3", "-pix_fmt", "yuv420p", str(video))
    temp, out = tmp_path / "tmp", tmp_path / "out" / "out.mp4"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])}
    process = subprocess.Popen([sys.executable, "-m", "rib", "interpolate", str(video), "-o", str(out), "--rate",
                                "64", "--renderer", str(unused_renderer), "--background", "blend"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(temp.glob("rib-*/DAIN/clip/*.png")) and time.monotonic() < deadline:  # well into the run
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143 and err.strip().splitlines()[-1] == "terminated", err[-2000:]
    assert list(temp.iterdir()) == [] and list(out.parent.iterdir()) == []


@pytest.mark.slow
def test_finetune_steps_resume_and_overwrite(tmp_path, capsys):
    (clip,) = list_clips(EXAMPLE_DIR / "input_poses")
    model = tmp_path / "model"
    command = ["finetune", str(EXAMPLE_DIR / "example.mp4"), "--poses", str(clip), "-o", str(model), "--init",
               "none", "--device", "cpu", "--background", "blend"]
    main(command + ["--steps", "2", "--epochs", "2"])
    assert history_summary(model) == {**history_summary(model), "epochs": 2, "steps": 2}
    capsys.readouterr()
    line = fails(capsys, command + ["--steps", "2"])
    assert "is not empty" in line and "--resume" in line
    main(command + ["--steps", "4", "--epochs", "4", "--resume"])
    assert history_summary(model)["steps"] == 4 and history_summary(model)["epochs"] == 4
    main(command + ["--steps", "1", "--overwrite"])
    assert history_summary(model)["steps"] == 1
